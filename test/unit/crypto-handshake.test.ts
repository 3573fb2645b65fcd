import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HandshakeState, isInitiator, type HandshakeDone, type HandshakePattern } from '../../src/crypto/handshake.ts';
import { Identity, peerIdOf } from '../../src/crypto/identity.ts';

const alice = Identity.generate();
const bob = Identity.generate();
const mallory = Identity.generate();

/** Runs a handshake to the end, passing each message across; returns both results. */
function run(initiator: HandshakeState, responder: HandshakeState): { i?: HandshakeDone; r?: HandshakeDone; messages: number[] } {
  const messages: number[] = [];
  let msg = initiator.start();
  let to = responder;
  let from = initiator;
  let i: HandshakeDone | undefined;
  let r: HandshakeDone | undefined;
  while (msg) {
    messages.push(msg.length);
    const step = to.receive(msg);
    if (!step) break;
    if (step.done && to === initiator) i = step.done;
    else if (step.done) r = step.done;
    msg = step.reply;
    [to, from] = [from, to];
  }
  return { i, r, messages };
}

function assertAgree(i: HandshakeDone | undefined, r: HandshakeDone | undefined, pattern: HandshakePattern): void {
  assert.ok(i && r, 'both sides finish');
  assert.equal(i.pattern, pattern);
  assert.equal(r.pattern, pattern);
  assert.deepEqual(i.tx, r.rx);
  assert.deepEqual(i.rx, r.tx);
  assert.notDeepEqual(i.tx, i.rx);
  assert.deepEqual(i.handshakeHash, r.handshakeHash);
  assert.deepEqual(i.remoteIdentityPk, bob.publicKey);
  assert.deepEqual(r.remoteIdentityPk, alice.publicKey);
  assert.equal(peerIdOf(r.remoteIdentityPk), alice.id);
  assert.deepEqual(i.remoteStatic, bob.noiseKeyPair().publicKey);
}

describe('Noise handshake', () => {
  it('IK completes in one round trip when the dialer knows the key', () => {
    const { i, r, messages } = run(
      new HandshakeState({ initiator: true, localIdentity: alice, remoteIdentityPk: bob.publicKey }),
      new HandshakeState({ initiator: false, localIdentity: bob }),
    );
    assertAgree(i, r, 'IK');
    assert.deepEqual(messages, [129, 49]);
  });

  it('XX completes in three messages when it does not; both identities are proven', () => {
    const { i, r, messages } = run(
      new HandshakeState({ initiator: true, localIdentity: alice }),
      new HandshakeState({ initiator: false, localIdentity: bob }),
    );
    assertAgree(i, r, 'XX');
    assert.deepEqual(messages, [33, 129, 97]);
  });

  it('works either way round (the other side initiating)', () => {
    const { i, r } = run(
      new HandshakeState({ initiator: true, localIdentity: bob, remoteIdentityPk: alice.publicKey }),
      new HandshakeState({ initiator: false, localIdentity: alice, remoteIdentityPk: bob.publicKey }),
    );
    assert.ok(i && r);
    assert.deepEqual(i.tx, r.rx);
    assert.deepEqual(i.remoteIdentityPk, alice.publicKey);
    assert.deepEqual(r.remoteIdentityPk, bob.publicKey);
  });

  it('picks the lower peer id as initiator, the same on both sides', () => {
    assert.equal(isInitiator(alice.id, bob.id), !isInitiator(bob.id, alice.id));
  });

  it('IK to a man in the middle (wrong static key) fails', () => {
    // Alice believes bob's key; mallory answers with her own.
    const { i, r } = run(
      new HandshakeState({ initiator: true, localIdentity: alice, remoteIdentityPk: bob.publicKey }),
      new HandshakeState({ initiator: false, localIdentity: mallory }),
    );
    assert.equal(i, undefined);
    assert.equal(r, undefined);
  });

  it('XX with an expected identity refuses anyone else, on both sides', () => {
    const toMallory = run(
      new HandshakeState({ initiator: true, localIdentity: alice, pattern: 'XX', remoteIdentityPk: bob.publicKey }),
      new HandshakeState({ initiator: false, localIdentity: mallory }),
    );
    assert.equal(toMallory.i, undefined);
    const fromMallory = run(
      new HandshakeState({ initiator: true, localIdentity: mallory }),
      new HandshakeState({ initiator: false, localIdentity: bob, remoteIdentityPk: alice.publicKey }),
    );
    assert.equal(fromMallory.r, undefined);
  });

  it('a relaying MITM cannot splice two handshakes', () => {
    // Mallory runs XX with alice posing as bob: alice sees mallory's key, not bob's.
    const { i } = run(new HandshakeState({ initiator: true, localIdentity: alice }), new HandshakeState({ initiator: false, localIdentity: mallory }));
    assert.ok(i);
    assert.deepEqual(i.remoteIdentityPk, mallory.publicKey); // the TOFU check against bob's pin then reports a mismatch
  });

  it('garbage and tampered messages return undefined and do not break the handshake', () => {
    const a = new HandshakeState({ initiator: true, localIdentity: alice });
    const b = new HandshakeState({ initiator: false, localIdentity: bob });
    const m1 = a.start();
    assert.ok(m1);
    assert.equal(b.receive(new Uint8Array(0)), undefined);
    assert.equal(b.receive(new Uint8Array(4000)), undefined);
    assert.equal(b.receive(Uint8Array.of(0x21, 1, 2, 3)), undefined);
    const reply1: Uint8Array | undefined = b.receive(m1)?.reply;
    assert.ok(reply1);
    for (let pos = 1; pos < reply1.length; pos += 7) {
      const bad: Uint8Array = Uint8Array.from(reply1);
      bad[pos]! ^= 1;
      assert.equal(a.receive(bad), undefined, `flipped byte ${pos}`);
    }
    const s2 = a.receive(reply1);
    assert.ok(s2?.done && s2.reply);
    const s3 = b.receive(s2.reply);
    assert.ok(s3?.done);
    assert.deepEqual(s2.done.tx, s3.done.rx);
  });

  it('answers a retransmitted first message with the same reply', () => {
    const a = new HandshakeState({ initiator: true, localIdentity: alice, remoteIdentityPk: bob.publicKey });
    const b = new HandshakeState({ initiator: false, localIdentity: bob });
    const m1 = a.start();
    assert.ok(m1);
    assert.deepEqual(a.start(), m1, 'start() is idempotent for retransmission');
    const first = b.receive(m1);
    const again = b.receive(m1);
    assert.ok(first?.reply && again?.reply);
    assert.deepEqual(again.reply, first.reply);
    assert.equal(again.done, undefined);
    assert.ok(a.receive(again.reply)?.done);
  });

  it('resends its final message when the peer repeats its own (as a fresh copy off the wire)', () => {
    // noise-handshake wipes the buffers it reads: the state must keep its own copy of what it
    // received, or the repeat is not recognised and the responder waits for msg 3 forever.
    const [a, b] = [Identity.generate(), Identity.generate()];
    const ini = new HandshakeState({ initiator: true, localIdentity: a, pattern: 'XX' });
    const res = new HandshakeState({ initiator: false, localIdentity: b });
    const m2 = res.receive(Uint8Array.from(ini.start() as Uint8Array))?.reply as Uint8Array;
    const wire2 = Uint8Array.from(m2); // what a retransmission of msg 2 looks like on arrival
    const first = ini.receive(Uint8Array.from(m2));
    assert.ok(first?.done && first.reply);
    const again = ini.receive(Uint8Array.from(wire2));
    assert.ok(again?.reply, 'the repeated msg 2 gets msg 3 again');
    assert.deepEqual(again.reply, first.reply);
    assert.ok(res.receive(Uint8Array.from(again.reply))?.done, 'and the responder completes with it');
  });

  it('a responder limited to XX ignores IK; IK without a valid key cannot start', () => {
    const a = new HandshakeState({ initiator: true, localIdentity: alice, remoteIdentityPk: bob.publicKey });
    const b = new HandshakeState({ initiator: false, localIdentity: bob, pattern: 'XX' });
    assert.equal(b.receive(a.start()!), undefined);
    const broken = new HandshakeState({ initiator: true, localIdentity: alice, remoteIdentityPk: new Uint8Array(32) });
    assert.ok(broken.failed);
    assert.equal(broken.start(), undefined);
  });

  it('refuses a handshake with itself (reflection)', () => {
    const { i, r } = run(new HandshakeState({ initiator: true, localIdentity: alice }), new HandshakeState({ initiator: false, localIdentity: alice }));
    assert.equal(i ?? r, undefined);
  });
});
