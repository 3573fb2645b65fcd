// Message identity end to end, through two client engines in the simulated network: the
// msgId the sender chose and its per-peer seq arrive unchanged, are the ones the delivered
// mark carries, and go on counting across a reconnect. And a chat payload from a newer
// client (an unknown field) is delivered, while a malformed one is counted and reported.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Encoder } from 'cbor-x';
import { encode } from '../../src/codec.ts';
import { MsgType, type Endpoint } from '../../src/wire.ts';
import { connectPair } from '../helpers/sim-clients.ts';

const WALL = 1_700_000_000_000;
const cbor = new Encoder({ useRecords: false, tagUint8Array: false, mapsAsObjects: true });

function pair() {
  const w = connectPair([{ nat: 'none' }, { nat: 'cone' }]);
  assert.equal(w.a.client.of('connected').length, 1, 'a connected');
  assert.equal(w.b.client.of('connected').length, 1, 'b connected');
  return w;
}

describe('message identity', () => {
  test('msgId and seq are the same on both sides and survive a reconnect', () => {
    const w = pair();
    const { a, b, net } = w;
    a.client.engine.send(b.name, 'one', 'r1', net.now, WALL + 1);
    a.client.engine.send(b.id, 'two', 'r2', net.now, WALL + 2);
    b.client.engine.send(a.name, 'back', 'r3', net.now, WALL + 3);
    net.flush();
    net.run(net.now + 2_000);

    const received = b.client.of('message');
    const delivered = a.client.of('delivered');
    assert.deepEqual(received.map((m) => [m.text, m.seq, m.sentAt]), [['one', 1, WALL + 1], ['two', 2, WALL + 2]]);
    for (const m of received) assert.match(m.msgId, /^[0-9a-f]{32}$/);
    assert.notEqual(received[0]?.msgId, received[1]?.msgId);
    assert.deepEqual(delivered.map((d) => [d.ref, d.msgId, d.seq]), received.map((m, i) => [`r${i + 1}`, m.msgId, m.seq]));
    assert.deepEqual(a.client.of('message').map((m) => [m.text, m.seq, m.fromId]), [['back', 1, b.id]], "b's count of messages to a is its own");

    // b leaves; a sees it go with a code; b registers again and a reconnects.
    b.client.engine.quit(net.now);
    net.flush();
    net.run(net.now + 8_000);
    const gone = a.client.of('disconnected');
    assert.equal(gone.length, 1);
    assert.equal(gone[0]?.code, 'PEER_LEFT');
    assert.equal(gone[0]?.reason, gone[0]?.message);
    assert.ok(a.client.engine.knownPeers(net.now).some((p) => p.id === b.id), 'b is listed again');

    a.client.engine.send(b.name, 'three', 'r4', net.now, WALL + 4);
    net.flush();
    net.run(net.now + 12_000);
    const after = b.client.of('message').at(-1);
    assert.equal(after?.text, 'three');
    assert.equal(after?.seq, 3, 'the count goes on in the new conversation');
    assert.ok(after && !received.some((m) => m.msgId === after.msgId), 'a fresh msgId');
    assert.deepEqual(a.client.of('delivered').at(-1), { event: 'delivered', to: b.name, toId: b.id, ref: 'r4', msgId: after?.msgId, seq: 3 });
  });

  test('msgIds come from the injected randomness', () => {
    let n = 0;
    const w = connectPair([{ nat: 'none' }, { nat: 'none' }], 7, { randomBytes: (len) => new Uint8Array(len).fill(++n) });
    w.a.client.engine.send(w.b.name, 'x', undefined, w.net.now, WALL);
    w.net.flush();
    w.net.run(w.net.now + 2_000);
    assert.match(w.b.client.of('message')[0]?.msgId ?? '', /^([0-9a-f]{2})\1{15}$/);
  });

  test('an over-long message fails with MESSAGE_TOO_LONG and takes no seq', () => {
    const w = pair();
    w.a.client.engine.send(w.b.name, 'x'.repeat(64 * 1024 + 1), 'big', w.net.now, WALL);
    const failed = w.a.client.engine.pollEvent();
    assert.equal(failed?.event, 'failed');
    assert.ok(failed?.event === 'failed' && failed.code === 'MESSAGE_TOO_LONG' && failed.ref === 'big' && failed.seq === undefined);
    w.a.client.engine.send(w.b.name, 'small', 's', w.net.now, WALL);
    w.net.flush();
    w.net.run(w.net.now + 2_000);
    assert.deepEqual(w.b.client.of('message').map((m) => m.seq), [1]);
  });

  test('a payload with an unknown field is delivered; a malformed one is counted and reported', () => {
    const w = pair();
    const { a, b, net } = w;
    // b's conversation seals chat payloads b's engine never made (as a newer or broken client would).
    const conv = b.client.engine.conversationWith(a.id);
    const toB = a.client.engine.conversationWith(b.id)?.path;
    assert.ok(conv && conv.remoteCid !== undefined && toB?.kind === 'direct');
    const from: Endpoint = toB.addr;
    const inject = (seq: number, body: Uint8Array) => {
      const frame = encode({ t: MsgType.Data, cid: conv.remoteCid as number, seq, more: false, body });
      a.client.engine.receive(encode(conv.link.seal([frame], conv.remoteCid as number, net.now)), from, net.now);
    };
    const msgId = 'ab'.repeat(16);
    inject(0, cbor.encode({ v: 2, msgId, seq: 1, sentAt: WALL, text: 'from the future', reactions: ['+1'] }));
    inject(1, Uint8Array.of(0xff, 0x00, 0x13));
    net.flush();
    net.run(net.now + 1_000);

    assert.deepEqual(a.client.of('message').map((m) => [m.msgId, m.seq, m.text, m.sentAt]), [[msgId, 1, 'from the future', WALL]]);
    const warnings = a.client.of('warning');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.code, 'MALFORMED_MESSAGE');
    assert.equal(warnings[0]?.peerId, b.id);
    a.client.engine.pushStats();
    const stats = a.client.engine.pollEvent();
    assert.ok(stats?.event === 'stats');
    assert.equal(stats.drops['chat-undecodable'], 1);
  });
});
