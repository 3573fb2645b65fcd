// Contacts by id, look-alike names, known vs verified, and the engine's answers to /whois and
// /verify — with keys pinned as a handshake would pin them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientEngine } from '../../client/core/client-engine.ts';
import type { ClientEvent } from '../../client/core/events.ts';
import { PinnedKeys } from '../../client/core/pinned-keys.ts';
import { TrustPolicy } from '../../client/core/trust-policy.ts';
import { Identity } from '../../src/crypto/identity.ts';
import { NatterError } from '../../src/errors.ts';

const bob1 = Identity.generate();
const bob2 = Identity.generate();
const fake = Identity.generate();

function engineWith(pins: PinnedKeys): { engine: ClientEngine; events: () => ClientEvent[] } {
  const engine = new ClientEngine({ identity: Identity.generate(), name: 'alice', servers: [['127.0.0.1', 9]], localPort: 1, now: 0, pins });
  return {
    engine,
    events: () => {
      const out: ClientEvent[] = [];
      for (let ev = engine.pollEvent(); ev; ev = engine.pollEvent()) out.push(ev);
      return out;
    },
  };
}

test('a new contact whose name looks like an earlier one is flagged; the same name is not', () => {
  const trust = new TrustPolicy();
  assert.deepEqual(trust.proven(bob1.publicKey, 'bob', 1), { isNew: true });
  assert.deepEqual(trust.proven(bob2.publicKey, 'bob', 2), { isNew: true }, 'two honest bobs: no flag');
  const flagged = trust.proven(fake.publicKey, 'b\u043eb', 3);
  assert.equal(flagged.isNew, true);
  assert.equal(flagged.lookalike?.id, bob1.id, 'the oldest look-alike contact');
  assert.deepEqual(trust.proven(fake.publicKey, 'b\u043eb', 4), { isNew: false }, 'flagged once, when new');
  assert.equal(trust.marks(bob1.id, 'bob').lookalike, undefined, 'the earlier contact is not the suspect');
  assert.equal(trust.marks(fake.id, 'b\u043eb').lookalike, bob1.id);
  assert.equal(trust.marks('ffff', 'BOB').lookalike, bob1.id, 'a stranger listed as BOB looks like bob too');
  assert.deepEqual(trust.marks('ffff', 'carol'), {});
});

test('a verified contact is the one a look-alike is compared with', () => {
  const trust = new TrustPolicy();
  trust.proven(bob1.publicKey, 'bob', 1);
  trust.proven(bob2.publicKey, 'bob', 2);
  trust.verify(bob2.id, 'bob', 5);
  assert.equal(trust.proven(fake.publicKey, 'b\u043eb', 6).lookalike?.id, bob2.id);
  assert.deepEqual(trust.marks(bob2.id, 'bob'), { known: true, verified: true });
});

test('known and verified are different states; no fingerprint without a known key', () => {
  const trust = new TrustPolicy();
  assert.deepEqual(trust.whois(bob1.id), { known: false, verified: false });
  assert.throws(() => trust.verify(bob1.id, 'bob', 1), (e: unknown) => e instanceof NatterError && e.code === 'UNKNOWN_PEER');
  trust.proven(bob1.publicKey, 'bob', 1);
  assert.deepEqual(trust.whois(bob1.id), { known: true, verified: false, fingerprint: bob1.fingerprint });
  trust.verify(bob1.id, 'bob', 2);
  assert.deepEqual(trust.whois(bob1.id), { known: true, verified: true, fingerprint: bob1.fingerprint });
});

test('engine: /whois ID shows that id\'s key, never another bob\'s; /verify on an ambiguous name asks for the id', () => {
  const pins = new PinnedKeys();
  pins.pin(bob1.publicKey, 'bob', 1);
  pins.pin(bob2.publicKey, 'bob', 2);
  const { engine, events } = engineWith(pins);
  engine.whois(bob2.id, 10);
  engine.whois(bob1.id.slice(0, 8), 10);
  const [w2, w1] = events();
  assert.deepEqual(w2, { event: 'whois', peer: 'bob', peerId: bob2.id, known: true, verified: false, fingerprint: bob2.fingerprint });
  assert.equal(w1?.event === 'whois' && w1.fingerprint, bob1.fingerprint);
  assert.throws(() => engine.verifyPeer('bob', 10), (e: unknown) => e instanceof NatterError && e.code === 'AMBIGUOUS' && /use the id/.test(e.message));
  assert.equal(pins.get(bob1.id)?.verifiedAt, undefined, 'nothing verified on a guess');
  engine.verifyPeer(bob2.id, 10);
  assert.deepEqual(events(), [{ event: 'verified', peer: 'bob', peerId: bob2.id, fingerprint: bob2.fingerprint }]);
  assert.ok(pins.get(bob2.id)?.verifiedAt !== undefined);
});

test('engine: a send to a contact no server lists is queued with its ref (never failed); to a stranger it is an error', () => {
  const pins = new PinnedKeys();
  pins.pin(bob1.publicKey, 'bob', 1);
  const { engine, events } = engineWith(pins);
  engine.send(bob1.id, 'hi', 'r1', 10);
  const [queued, ...rest] = events();
  assert.ok(queued?.event === 'queued' && queued.ref === 'r1' && queued.toId === bob1.id && queued.seq === 1, JSON.stringify(queued));
  assert.deepEqual(rest.filter((e) => e.event === 'failed'), []);
  assert.equal(engine.queuedCount(bob1.id), 1);
  assert.throws(() => engine.send('nobody', 'hi', 'r2', 10), (e: unknown) => e instanceof NatterError && e.code === 'UNKNOWN_PEER');
});
