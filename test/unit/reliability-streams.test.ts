// The path sender: several streams, each with its own seqs and acks, over one window and
// one RTT estimator. Chat (priority 0) goes before a bulk stream; the window is shared; a
// frame reaches only its own stream.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SEND_WINDOW_FRAGMENTS } from '../../src/constants.ts';
import { CHAT_PRIORITY, CHAT_STREAM, PathSender, type StreamFrame } from '../../src/reliability/path-sender.ts';
import { MsgType } from '../../src/wire.ts';
import { ack, events } from './helpers/channel-io.ts';

/** A stream below chat, as the file transfer will add. */
const BULK = 1;
const BULK_PRIORITY = 10;

function drainAll(s: PathSender): StreamFrame[] {
  const out: StreamFrame[] = [];
  for (let f = s.pollTransmit(); f; f = s.pollTransmit()) out.push(f);
  return out;
}
const body = (n: number): Uint8Array => new Uint8Array(n).fill(7);

describe('path sender: streams over one window', () => {
  it('sends chat before a lower-priority stream, whichever was queued first', () => {
    const s = new PathSender();
    const bulk = s.open(BULK, BULK_PRIORITY); // opened first, queued first
    const chat = s.open(CHAT_STREAM, CHAT_PRIORITY);
    bulk.send(body(3_000), 0);
    chat.send(body(10), 0);
    const order = drainAll(s).map((f) => f.sid);
    assert.deepEqual(order, [CHAT_STREAM, BULK, BULK, BULK]);
  });

  it('numbers each stream from 0: seqs, acks and deliveries are per stream', () => {
    const s = new PathSender();
    const chat = s.open(CHAT_STREAM, CHAT_PRIORITY);
    const bulk = s.open(BULK, BULK_PRIORITY);
    assert.equal(chat.send(body(1), 0), 0);
    assert.equal(bulk.send(body(1), 0), 0);
    const frames = drainAll(s);
    assert.deepEqual(frames.map((f) => [f.sid, f.frame.t === MsgType.Data && f.frame.seq]), [[CHAT_STREAM, 0], [BULK, 0]]);
    // An ack for the bulk stream retires the bulk message only.
    assert.equal(s.receive(BULK, ack(1), 50), true);
    assert.deepEqual(events(bulk), [{ type: 'acked', msgId: 0 }]);
    assert.deepEqual(events(chat), []);
    assert.equal(s.hasUnacked(), true, 'chat still waits for its ack');
    assert.equal(s.receive(42, ack(1), 50), false, 'no such stream');
  });

  it('shares one window: a full bulk stream leaves no room for new chat data, acks make room', () => {
    const window = 8;
    const s = new PathSender({ windowFragments: window, maxFragmentBody: 100 });
    const bulk = s.open(BULK, BULK_PRIORITY);
    const chat = s.open(CHAT_STREAM, CHAT_PRIORITY);
    bulk.send(body(100 * 20), 0); // 20 fragments: more than the window
    assert.equal(drainAll(s).length, window, 'the window caps what is in flight');
    assert.equal(s.flightFragments, window);
    chat.send(body(10), 1);
    assert.deepEqual(drainAll(s), [], 'chat waits: the window is the path\'s, not the stream\'s');
    s.receive(BULK, ack(2), 60);
    assert.deepEqual(drainAll(s).map((f) => f.sid), [CHAT_STREAM, BULK], 'two slots freed: chat takes the first');
  });

  it('keeps the fixed window of today when chat is alone', () => {
    const s = new PathSender({ maxFragmentBody: 10 });
    const chat = s.open(CHAT_STREAM, CHAT_PRIORITY);
    chat.send(body(10 * (SEND_WINDOW_FRAGMENTS + 5)), 0);
    assert.equal(drainAll(s).length, SEND_WINDOW_FRAGMENTS);
  });

  it('sends a due ack of any stream even when the window is full', () => {
    const s = new PathSender({ windowFragments: 1, maxFragmentBody: 10 });
    const chat = s.open(CHAT_STREAM, CHAT_PRIORITY);
    s.open(BULK, BULK_PRIORITY);
    chat.send(body(30), 0);
    assert.equal(drainAll(s).length, 1);
    s.receive(BULK, { t: MsgType.Data, seq: 1, more: false, body: body(1) }, 5); // out of order: ack at once
    const frames = drainAll(s);
    assert.deepEqual(frames.map((f) => [f.sid, f.frame.t]), [[BULK, MsgType.Ack]]);
  });

  it('learns one RTT for the path, from every stream', () => {
    const s = new PathSender();
    const chat = s.open(CHAT_STREAM, CHAT_PRIORITY);
    const bulk = s.open(BULK, BULK_PRIORITY);
    bulk.send(body(1), 0);
    drainAll(s);
    s.receive(BULK, ack(1), 80);
    assert.equal(s.rtt.srttMs, 80);
    assert.equal(chat.srttMs, 80, 'chat times its retransmissions by the path RTT');
    assert.equal(s.nextTimeout(), undefined, 'idle');
  });

  it('refuses to open a stream twice', () => {
    const s = new PathSender();
    s.open(CHAT_STREAM, CHAT_PRIORITY);
    assert.throws(() => s.open(CHAT_STREAM, CHAT_PRIORITY), RangeError);
  });
});
