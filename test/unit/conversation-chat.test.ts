// Two conversations back to back, fake clock: chat messages keep the identity their sender
// gave them (msgId, seq, sentAt), payloads from newer clients are delivered, malformed ones
// are reported and counted, and a message too long for the stream is refused without a throw.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Encoder } from 'cbor-x';
import { decode, encode } from '../../src/codec.ts';
import { MAX_MESSAGE_BYTES, MESSAGE_GIVE_UP_MS } from '../../src/constants.ts';
import { MsgType } from '../../src/wire.ts';
import { chat, ConversationPair } from './helpers/conversation-pair.ts';

const cbor = new Encoder({ useRecords: false, tagUint8Array: false, mapsAsObjects: true });

/** Puts `body` on b's chat stream toward a as the Data frame with `seq`, sealed by b's real link. */
function injectChatPayload(p: ConversationPair, seq: number, body: Uint8Array): void {
  const frame = encode({ t: MsgType.Data, cid: p.a.localCid, seq, more: false, body });
  const sealed = p.b.link.seal([frame], p.a.localCid, p.now);
  assert.equal(sealed.t, MsgType.Sealed);
  if (sealed.t === MsgType.Sealed) p.a.receiveSealed(sealed, { kind: 'direct', addr: ['192.0.2.2', 4001] }, p.now);
  p.pump();
}

describe('conversation: chat messages', () => {
  it('delivers msgId, seq and sentAt as the sender chose them, and marks ours delivered under the same', () => {
    const p = new ConversationPair().open();
    const sent = [chat('hello', 1, 1_700_000_000_001), chat('again', 2, 1_700_000_000_002), chat('', 3, 1_700_000_000_003)];
    for (const m of sent) assert.equal(p.a.send(m, p.now), true);
    p.pump();
    p.run(p.now + 1_000);
    assert.deepEqual(
      p.of('b', 'message'),
      sent.map(({ msgId, seq, text, sentAt }) => ({ kind: 'message', msgId, seq, text, sentAt })),
    );
    assert.deepEqual(
      p.of('a', 'acked'),
      sent.map(({ msgId, seq, ref }) => ({ kind: 'acked', ref, msgId, seq })),
    );
    assert.equal(p.a.hasPending(), false);
  });

  it('puts chat frames on the wire without a stream id: as small as before streams existed', () => {
    const p = new ConversationPair().open();
    const inner: Uint8Array[] = [];
    const seal = p.a.link.seal.bind(p.a.link);
    p.a.link.seal = (frames, cid, now) => {
      inner.push(...frames);
      return seal(frames, cid, now);
    };
    p.a.send(chat('small', 1), p.now);
    p.pump();
    p.run(p.now + 500);
    const data = inner.map((f) => decode(f)).filter((d) => d.ok && d.msg.t === MsgType.Data);
    assert.equal(data.length, 1);
    assert.equal(data[0]?.ok && 'sid' in data[0].msg, false);
  });

  it('holds messages sent while connecting and sends them, in order, once open', () => {
    const p = new ConversationPair();
    const early = [chat('first', 1), chat('second', 2)];
    for (const m of early) assert.equal(p.a.send(m, 0), true);
    assert.equal(p.a.hasPending(), true);
    p.open();
    p.run(p.now + 1_000);
    assert.deepEqual(p.of('b', 'message').map((m) => [m.msgId, m.seq, m.text]), early.map((m) => [m.msgId, m.seq, m.text]));
  });

  it('delivers a payload from a newer client: unknown fields and a higher version are ignored', () => {
    const p = new ConversationPair().open();
    const msgId = 'ab'.repeat(16);
    injectChatPayload(p, 0, cbor.encode({ v: 7, msgId, seq: 42, sentAt: 1_700_000_123_456, text: 'from the future', reactions: ['+1'], edit: { of: 3 } }));
    assert.deepEqual(p.of('a', 'message'), [{ kind: 'message', msgId, seq: 42, text: 'from the future', sentAt: 1_700_000_123_456 }]);
    assert.deepEqual(p.of('a', 'undecodable'), []);
  });

  it('reports a malformed payload as undecodable and counts it, and goes on delivering', () => {
    const p = new ConversationPair().open();
    injectChatPayload(p, 0, Uint8Array.of(0xff, 0x00, 0x13)); // not CBOR
    injectChatPayload(p, 1, cbor.encode({ v: 1, msgId: 'not hex', seq: 1, sentAt: 0, text: 'x' }));
    injectChatPayload(p, 2, cbor.encode({ text: 'a v0 payload', sentAt: 5 })); // no version, no msgId
    assert.deepEqual(p.of('a', 'undecodable').map((o) => o.reason), ['chat payload not-cbor', 'chat payload bad-field', 'chat payload bad-version']);
    assert.equal(p.a.dropCounts()['chat-undecodable'], 3);
    assert.deepEqual(p.of('a', 'message'), []);
    const ok = cbor.encode({ v: 1, msgId: 'cd'.repeat(16), seq: 9, sentAt: 1, text: 'fine' });
    injectChatPayload(p, 3, ok);
    assert.deepEqual(p.of('a', 'message').map((m) => m.text), ['fine']);
  });

  it('counts a frame for a stream that does not exist, and drops it', () => {
    const p = new ConversationPair().open();
    const frame = encode({ t: MsgType.Data, cid: p.a.localCid, sid: 9, seq: 0, more: false, body: new Uint8Array(1) });
    const sealed = p.b.link.seal([frame], p.a.localCid, p.now);
    if (sealed.t === MsgType.Sealed) p.a.receiveSealed(sealed, { kind: 'direct', addr: ['192.0.2.2', 4001] }, p.now);
    assert.equal(p.a.dropCounts()['unknown-stream'], 1);
  });

  it('refuses a text of 64 KiB (its payload is longer than the stream carries) without throwing, and sends one just under', () => {
    const p = new ConversationPair().open();
    const tooLong = chat('x'.repeat(MAX_MESSAGE_BYTES), 1);
    assert.equal(p.a.send(tooLong, p.now), false);
    assert.equal(p.a.hasPending(), false, 'nothing was queued');
    const fits = chat('y'.repeat(MAX_MESSAGE_BYTES - 100), 1);
    assert.equal(p.a.send(fits, p.now), true);
    p.pump();
    p.run(p.now + 5_000);
    const got = p.of('b', 'message');
    assert.equal(got.length, 1);
    assert.equal(got[0]?.text.length, MAX_MESSAGE_BYTES - 100);
    assert.equal(got[0]?.msgId, fits.msgId);
  });

  it('fails a message the peer never acknowledges with MESSAGE_TIMEOUT, under its msgId and seq', () => {
    // The peer stays 'alive' (it pings) for longer than the give-up time: the channel gives up, not liveness.
    const p = new ConversationPair({ timings: { peerSilentTimeoutMs: 10 * MESSAGE_GIVE_UP_MS } }).open();
    p.drop = (from, msg) => from === 'a' && msg.t === MsgType.Sealed; // a's frames are lost; b still pings
    const m = chat('into the void', 1);
    p.a.send(m, p.now);
    p.pump();
    p.run(p.now + MESSAGE_GIVE_UP_MS + 1_000);
    const failed = p.of('a', 'undelivered');
    assert.equal(failed.length, 1);
    assert.deepEqual([failed[0]?.msgId, failed[0]?.seq, failed[0]?.code, failed[0]?.ref], [m.msgId, 1, 'MESSAGE_TIMEOUT', m.ref]);
    assert.equal(failed[0]?.reason, `not acknowledged within ${MESSAGE_GIVE_UP_MS / 1000} s`);
    assert.equal(p.a.state, 'connected');
  });

  it('on close, fails what waits and what is unacknowledged, and later sends fail at once', () => {
    const p = new ConversationPair();
    const waiting = chat('never sent', 1);
    p.a.send(waiting, 0);
    p.a.close('QUIT', 'you quit', 0);
    p.pump();
    assert.deepEqual(p.of('a', 'undelivered').map((f) => [f.msgId, f.code, f.reason]), [[waiting.msgId, 'MESSAGE_TIMEOUT', 'you quit']]);
    assert.deepEqual(p.of('a', 'connect_failed'), [], 'quitting is not a failure to report');
    const late = chat('too late', 2);
    assert.equal(p.a.send(late, 0), true);
    p.pump();
    assert.deepEqual(p.of('a', 'undelivered').map((f) => f.msgId), [waiting.msgId, late.msgId]);
  });
});
