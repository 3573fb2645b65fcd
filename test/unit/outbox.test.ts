// The outbox (client/core/outbox.ts) and delivery end to end in the simulated network: a
// message to a contact who is offline is queued, never failed; it is delivered — once, in seq
// order — when the contact comes back; `delivered` waits for the recipient's receipt (with a
// database, for its commit), never for a transport ack.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ClientEngine } from '../../client/core/client-engine.ts';
import { OUTBOX_RETRY_FIRST_MS, OUTBOX_RETRY_MAX_MS, Outbox } from '../../client/core/outbox.ts';
import { decodeChatPayload, encodeReceiptPayload, MAX_RECEIPT_IDS } from '../../client/core/chat-payload.ts';
import { Encoder } from 'cbor-x';
import { Identity } from '../../src/crypto/identity.ts';
import { Recorded, SERVERS, connectPair } from '../helpers/sim-clients.ts';

const chat = (seq: number) => ({ msgId: seq.toString(16).padStart(32, '0'), seq, text: `m${seq}`, sentAt: 1, ref: `r${seq}` });

describe('outbox', () => {
  test('backs off 1 s, doubling, at most 60 s, with ±20 % jitter; seeing the peer listed resets it', () => {
    const box = new Outbox(() => 0.999);
    box.add('p', 'bob', [chat(1)], 0);
    assert.deepEqual(box.due(0).map((d) => d.peerId), ['p']);
    let now = 0;
    const delays: number[] = [];
    for (let i = 0; i < 9; i++) {
      box.attemptFailed('p', now);
      const at = box.nextTimeout() as number;
      delays.push(at - now);
      now = at;
      assert.equal(box.due(now).length, 1);
    }
    assert.equal(delays[0], Math.round(OUTBOX_RETRY_FIRST_MS * 1.2 - 0.0004 * OUTBOX_RETRY_FIRST_MS));
    assert.ok(delays.every((d, i) => i === 0 || d >= (delays[i - 1] as number) || d >= OUTBOX_RETRY_MAX_MS * 0.8), `doubling: ${delays}`);
    assert.ok(Math.max(...delays) <= OUTBOX_RETRY_MAX_MS * 1.2, `capped: ${delays}`);
    box.attemptFailed('p', now);
    box.setListed('p', true, now + 5);
    assert.deepEqual(box.due(now + 5).map((d) => [d.peerId, d.listed]), [['p', true]], 'listed again: due at once');
  });

  test('a conversation gets every queued message not already on it, in seq order; a receipt removes them', () => {
    const box = new Outbox(() => 0.5);
    box.add('p', 'bob', [chat(2), chat(3)], 0);
    box.add('p', 'bob', [chat(1)], 0); // restored out of order
    assert.deepEqual(box.takeFor('p', 7).map((c) => c.seq), [1, 2, 3]);
    assert.deepEqual(box.takeFor('p', 7), [], 'nothing twice on one conversation');
    assert.deepEqual(box.receipted('p', [chat(2).msgId, 'f'.repeat(32)]).map((c) => c.seq), [2]);
    box.conversationEnded('p', 7, 10);
    assert.deepEqual(box.takeFor('p', 8).map((c) => c.seq), [1, 3], 'a new conversation carries the rest');
    assert.equal(box.count(), 2);
  });

  test('receipt payloads: up to MAX_RECEIPT_IDS ids; anything else is undecodable, never a throw', () => {
    const ids = [chat(1).msgId, chat(2).msgId];
    assert.deepEqual(decodeChatPayload(encodeReceiptPayload(ids)), { ok: true, receipt: ids });
    assert.throws(() => encodeReceiptPayload([]));
    // What a hostile peer could put in the chat stream instead: refused by reason, never a throw.
    const cbor = new Encoder({ useRecords: false, tagUint8Array: false, mapsAsObjects: true });
    const tooMany = Array.from({ length: MAX_RECEIPT_IDS + 1 }, (_, i) => chat(i + 1).msgId);
    for (const hostile of [{ v: 1, r: 'x' }, { v: 1, r: [] }, { v: 1, r: tooMany }, { v: 1, r: ['not-hex'] }, { v: 1, nm: '\u202eevil' }, { v: 1, nm: '' }, { v: 1, nm: 7 }]) {
      assert.deepEqual(decodeChatPayload(cbor.encode(hostile)), { ok: false, reason: 'bad-field' }, JSON.stringify(hostile).slice(0, 60));
    }
    assert.deepEqual(decodeChatPayload(cbor.encode({ v: 1, nm: 'alicia' })), { ok: true, rename: 'alicia' });
    assert.throws(() => encodeReceiptPayload(Array.from({ length: MAX_RECEIPT_IDS + 1 }, (_, i) => chat(i + 1).msgId)));
  });
});

describe('delivery in the simulated network', () => {
  test('to a contact who went offline: queued, retried with backoff, delivered once and in order when he is back', () => {
    const w = connectPair([{ nat: 'none' }, { nat: 'none' }]);
    const { a, b } = w;
    a.client.engine.send(b.id, 'while online', 'r0', w.net.now);
    w.net.flush();
    w.net.run(w.net.now + 2_000);
    assert.deepEqual(a.client.of('delivered').map((d) => d.ref), ['r0']);
    // Bob's process goes away without a word (kill -9).
    w.net.remove(b.ip, b.port);
    w.net.run(w.net.now + 120_000);
    assert.equal(a.client.of('disconnected').length, 1, 'the conversation ended');
    for (let i = 1; i <= 5; i++) a.client.engine.send(b.id, `queued ${i}`, `q${i}`, w.net.now);
    w.net.flush();
    w.net.run(w.net.now + 60_000);
    assert.deepEqual(a.client.of('queued').map((q) => q.ref), ['r0', 'q1', 'q2', 'q3', 'q4', 'q5']);
    assert.deepEqual(a.client.of('failed'), [], 'offline is not a failure');
    assert.equal(a.client.engine.queuedCount(b.id), 5);
    // Bob starts again: same key, a new process.
    const identity = Identity.fromSeed(new Uint8Array(32).fill(2)) as Identity;
    const bob = new Recorded(new ClientEngine({ identity, name: b.name, servers: SERVERS, localPort: b.port, now: w.net.now }));
    bob.engine.setLanCandidates([[b.ip, b.port]]);
    const back = w.net.now;
    w.net.add(b.ip, b.port, bob);
    w.net.run(back + 15_000);
    assert.deepEqual(bob.of('message').map((m) => [m.text, m.seq]), [1, 2, 3, 4, 5].map((i) => [`queued ${i}`, i + 1]));
    assert.deepEqual(a.client.of('delivered').map((d) => d.ref), ['r0', 'q1', 'q2', 'q3', 'q4', 'q5']);
    assert.equal(a.client.engine.queuedCount(), 0);
    assert.deepEqual(a.client.of('connect_failed'), [], 'retries are not announced');
  });

  test("with a database ('edge'), the receipt waits for stored(): until then the sender keeps it queued", () => {
    const w = connectPair([{ nat: 'none' }, { nat: 'none' }], 7, { storedBy: 'edge' });
    const { a, b } = w;
    a.client.engine.send(b.id, 'keep me', 'k', w.net.now);
    w.net.flush();
    w.net.run(w.net.now + 5_000);
    const [msg] = b.client.of('message');
    assert.equal(msg?.text, 'keep me');
    assert.deepEqual(a.client.of('delivered'), [], 'a transport ack is not delivery');
    b.client.engine.stored(a.id, [msg?.msgId as string], w.net.now);
    w.net.flush();
    w.net.run(w.net.now + 2_000);
    assert.deepEqual(a.client.of('delivered').map((d) => d.ref), ['k']);
  });
});

describe('renames', () => {
  test('/nick reaches the servers at once and the peer in a conversation inside the session (renamed), then every list', () => {
    const w = connectPair([{ nat: 'none' }, { nat: 'none' }]);
    const { a, b } = w;
    const t0 = w.net.now;
    a.client.engine.setName('alicia', t0);
    w.net.flush();
    w.net.run(t0 + 500);
    assert.deepEqual(b.client.of('renamed').map((r) => [r.peer, r.previous, r.peerId]), [['alicia', a.name, a.id]]);
    for (const server of w.servers) assert.equal(server.snapshot().entries.find((e) => e.id === a.id)?.name, 'alicia', 'every server has the new name within 0.5 s');
    w.net.run(t0 + 5_000);
    const last = b.client.of('peers').at(-1);
    assert.ok(last?.peers.some((p) => p.id === a.id && p.name === 'alicia'), `b's list shows the new name: ${JSON.stringify(last)}`);
    assert.equal(b.client.engine.pins.get(a.id)?.name, 'alicia', 'the contact keeps its key; its label changes');
  });
});
