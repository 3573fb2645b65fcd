import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeCanonical } from '../../src/crypto/canonical-cbor.ts';
import { Identity } from '../../src/crypto/identity.ts';
import { registrationBytes, signRegistration, verifyRegistration, type RegistrationClaim } from '../../src/crypto/signed.ts';

const hex = (b: Uint8Array | undefined): string | undefined => (b ? Buffer.from(b).toString('hex') : undefined);

describe('canonical CBOR', () => {
  it('uses the shortest integer and length forms (RFC 8949 §4.2.1)', () => {
    assert.equal(hex(encodeCanonical([0, 23, 24, 255, 256, 65536, 2 ** 32, 1732540000123])), '880017181818ff1901001a000100001b00000001000000001b00000193636e677b');
    assert.equal(hex(encodeCanonical(['a', Uint8Array.of(1, 2)])), '82616142' + '0102');
    assert.equal(encodeCanonical([-1]), undefined);
    assert.equal(encodeCanonical([1.5]), undefined);
    assert.equal(encodeCanonical({} as never), undefined);
  });
});

describe('signed registrations', () => {
  const alice = Identity.generate();
  const server = Identity.generate().publicKey;
  const claim: RegistrationClaim = { id: alice.id, name: 'alice', lan: [['192.168.1.5', 4000]], timestamp: 1_700_000_000_000, server };
  const now = claim.timestamp + 500;

  it('verifies a fresh registration by the key its id derives from', () => {
    const proof = signRegistration(alice, claim);
    assert.equal(verifyRegistration(claim, proof, now), 'ok');
    assert.equal(verifyRegistration(claim, proof, now, claim.timestamp - 1), 'ok');
  });

  it('refuses edits, other keys, stale and replayed registrations', () => {
    const proof = signRegistration(alice, claim);
    assert.equal(verifyRegistration({ ...claim, name: 'mallory' }, proof, now), 'bad-signature');
    assert.equal(verifyRegistration({ ...claim, lan: [['10.0.0.9', 4000]] }, proof, now), 'bad-signature');
    assert.equal(verifyRegistration({ ...claim, timestamp: claim.timestamp + 1 }, proof, now), 'bad-signature');
    // Bound to its server: the same registration is not valid for another server's key.
    assert.equal(verifyRegistration({ ...claim, server: Identity.generate().publicKey }, proof, now), 'bad-signature');
    const mallory = Identity.generate();
    assert.equal(verifyRegistration(claim, signRegistration(mallory, claim), now), 'id-mismatch');
    assert.equal(verifyRegistration({ ...claim, id: mallory.id }, { publicKey: mallory.publicKey, signature: proof.signature }, now), 'bad-signature');
    assert.equal(verifyRegistration(claim, proof, now + 61_000), 'stale');
    assert.equal(verifyRegistration(claim, proof, now, claim.timestamp), 'replayed');
  });

  it('never throws on junk from the network', () => {
    const proof = signRegistration(alice, claim);
    const junkClaims = [null, {}, { ...claim, lan: 'x' }, { ...claim, lan: [5] }, { ...claim, timestamp: -1 }, { ...claim, id: 7 }] as unknown as RegistrationClaim[];
    for (const c of junkClaims) assert.equal(verifyRegistration(c, proof, now), 'malformed');
    assert.equal(verifyRegistration(claim, { publicKey: new Uint8Array(3), signature: proof.signature }, now), 'malformed');
    assert.equal(verifyRegistration(claim, { publicKey: alice.publicKey, signature: new Uint8Array(2) }, now), 'bad-signature');
    assert.equal(verifyRegistration(claim, null as never, now), 'malformed');
  });

  it('signs exactly the documented bytes', () => {
    const bytes = registrationBytes(claim, alice.publicKey);
    assert.deepEqual(bytes, encodeCanonical(['natter-register-v2', claim.id, 'alice', [['192.168.1.5', 4000]], claim.timestamp, alice.publicKey, server]));
  });
});
