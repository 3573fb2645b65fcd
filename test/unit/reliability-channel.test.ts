// One ReliableChannel driven by hand: fragmentation, in-order exactly-once delivery, ack
// coalescing, windows, selective acks, fast retransmit, giving up, and failAll.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACK_DELAY_MS, ACK_EVERY_FRAGMENTS, MAX_MESSAGE_BYTES, MESSAGE_GIVE_UP_MS, RECEIVE_WINDOW_FRAGMENTS, SEND_WINDOW_FRAGMENTS } from '../../src/constants.ts';
import { ReliableChannel, type DataFrame } from '../../src/reliability/channel.ts';
import { MsgType } from '../../src/wire.ts';
import { ack, acks, data, dataSeqs, drain, events, text } from './helpers/channel-io.ts';

describe('sending: fragments and ids', () => {
  it('splits a message into numbered fragments, `more` on all but the last', () => {
    const ch = new ReliableChannel({ maxFragmentBody: 1_000 });
    const body = Uint8Array.from({ length: 2_500 }, (_, i) => i & 0xff);
    assert.equal(ch.send(body, 0), 0);
    const frames = drain(ch) as DataFrame[];
    assert.deepEqual(frames.map((f) => [f.seq, f.more, f.body.length]), [[0, true, 1_000], [1, true, 1_000], [2, false, 500]]);
    assert.deepEqual(Uint8Array.from(frames.flatMap((f) => [...f.body])), body);
    assert.equal(ch.send(new Uint8Array(0), 0), 3, 'the next message starts at the next seq');
    assert.deepEqual(drain(ch), [{ t: MsgType.Data, seq: 3, more: false, body: new Uint8Array(0) }], 'an empty message is one empty fragment');
    assert.equal(ch.stats.sent, 2);
  });

  it('refuses a message over MAX_MESSAGE_BYTES, and accepts one of exactly that size', () => {
    const ch = new ReliableChannel();
    assert.throws(() => ch.send(new Uint8Array(MAX_MESSAGE_BYTES + 1), 0), RangeError);
    assert.equal(ch.hasUnacked(), false);
    ch.send(new Uint8Array(MAX_MESSAGE_BYTES), 0);
    assert.equal(dataSeqs(drain(ch)).length, Math.ceil(MAX_MESSAGE_BYTES / 1_000));
  });

  it('copies the body: the caller may reuse its buffer while we still retransmit', () => {
    const ch = new ReliableChannel();
    const buf = new TextEncoder().encode('first');
    ch.send(buf, 0);
    drain(ch);
    buf.fill(0);
    ch.handleTimeout(500);
    assert.equal(text((drain(ch)[0] as DataFrame).body), 'first');
  });
});

describe('receiving: in order, exactly once', () => {
  it('reassembles fragments into one message, delivered under the seq of its first fragment', () => {
    const ch = new ReliableChannel();
    ch.receive(data(0, 'hel', true), 0);
    ch.receive(data(1, 'lo', false), 0);
    ch.receive(data(2, '!', false), 0);
    assert.deepEqual(events(ch).map((e) => e.type === 'deliver' && [e.msgId, text(e.body)]), [[0, 'hello'], [2, '!']]);
    assert.equal(ch.stats.delivered, 2);
  });

  it('holds early fragments until the gap fills, then delivers in order', () => {
    const ch = new ReliableChannel();
    ch.receive(data(2, 'c'), 0);
    ch.receive(data(1, 'b'), 0);
    assert.deepEqual(events(ch), []);
    assert.deepEqual(acks(drain(ch)).at(-1), { t: MsgType.Ack, cum: 0, sack: [[1, 3]] }, 'early data is acked at once, selectively');
    ch.receive(data(0, 'a'), 1);
    assert.deepEqual(events(ch).map((e) => e.type === 'deliver' && text(e.body)), ['a', 'b', 'c']);
    assert.deepEqual(drain(ch), [{ t: MsgType.Ack, cum: 3, sack: [] }], 'filling the gap is acked at once');
  });

  it('drops duplicates, below the cumulative point and among held fragments, and still acks them', () => {
    const ch = new ReliableChannel();
    ch.receive(data(0, 'a'), 0);
    ch.receive(data(0, 'a'), 1);
    ch.receive(data(5, 'f'), 2);
    ch.receive(data(5, 'f'), 3);
    assert.equal(events(ch).length, 1);
    assert.equal(ch.stats.duplicatesDropped, 2);
    assert.deepEqual(drain(ch), [{ t: MsgType.Ack, cum: 1, sack: [[5, 6]] }], 'our earlier ack may have been lost: answer again');
  });

  it(`buffers up to RECEIVE_WINDOW_FRAGMENTS (${RECEIVE_WINDOW_FRAGMENTS}) ahead of the next expected seq, no farther`, () => {
    const ch = new ReliableChannel();
    ch.receive(data(RECEIVE_WINDOW_FRAGMENTS, 'too far'), 0);
    assert.equal(ch.stats.outOfWindowDropped, 1);
    ch.receive(data(RECEIVE_WINDOW_FRAGMENTS - 1, 'last in window'), 0);
    assert.equal(ch.stats.outOfWindowDropped, 1);
    for (let seq = 0; seq < RECEIVE_WINDOW_FRAGMENTS - 1; seq++) ch.receive(data(seq, 'x'), 1);
    const delivered = events(ch);
    assert.equal(delivered.length, RECEIVE_WINDOW_FRAGMENTS, 'the one inside the window was kept, the one past it was not');
    const last = delivered.at(-1);
    assert.equal(last?.type === 'deliver' && text(last.body), 'last in window');
  });

  it('discards a message that grows past MAX_MESSAGE_BYTES instead of growing memory, and goes on', () => {
    const ch = new ReliableChannel();
    const chunk = new Uint8Array(1_000);
    const n = Math.ceil(MAX_MESSAGE_BYTES / 1_000) + 1;
    for (let seq = 0; seq < n; seq++) ch.receive(data(seq, chunk, true), 0);
    ch.receive(data(n, chunk, false), 0);
    ch.receive(data(n + 1, 'next'), 0);
    assert.deepEqual(events(ch).map((e) => e.type === 'deliver' && [e.msgId, text(e.body)]), [[n + 1, 'next']]);
    assert.equal(ch.stats.malformedDropped, 1);
  });
});

describe('ack scheduling', () => {
  it(`acks lone in-order data on the next timer turn (ACK_DELAY_MS = ${ACK_DELAY_MS}), not a delay later`, () => {
    const ch = new ReliableChannel();
    ch.receive(data(0, 'a'), 100);
    assert.deepEqual(drain(ch), [], 'not within receive(): the rest of this I/O batch may share the ack');
    assert.equal(ch.nextTimeout(), 100 + ACK_DELAY_MS, 'due now: the driver runs it right after the batch');
    ch.receive(data(1, 'b'), 100);
    assert.deepEqual(drain(ch), [], 'more frames of the same batch wait for the same ack');
    ch.handleTimeout(100 + ACK_DELAY_MS);
    assert.deepEqual(drain(ch), [{ t: MsgType.Ack, cum: 2, sack: [] }], 'one ack for the batch, on the timer turn');
    ch.receive(data(2, 'c'), 103);
    ch.handleTimeout(103 + ACK_DELAY_MS);
    assert.deepEqual(drain(ch), [{ t: MsgType.Ack, cum: 3, sack: [] }], 'a lone message waits no longer than the timer turn');
    assert.equal(ch.nextTimeout(), undefined, 'nothing left to do');
  });

  it(`acks every ${ACK_EVERY_FRAGMENTS}th in-order frame at once, so a long burst is acked as it goes`, () => {
    const ch = new ReliableChannel();
    for (let seq = 0; seq < ACK_EVERY_FRAGMENTS - 1; seq++) ch.receive(data(seq), 0);
    assert.deepEqual(drain(ch), []);
    ch.receive(data(ACK_EVERY_FRAGMENTS - 1), 0);
    assert.deepEqual(drain(ch), [{ t: MsgType.Ack, cum: ACK_EVERY_FRAGMENTS, sack: [] }]);
    assert.equal(ch.nextTimeout(), undefined, 'the delayed-ack timer went with it');
  });

  it(`reports at most MAX_SACK_RANGES ranges: the latest arrivals' blocks first, newest first, then the lowest`, () => {
    const ch = new ReliableChannel();
    for (let seq = 2; seq < 80; seq += 2) ch.receive(data(seq), 0); // 39 one-fragment islands
    const last = acks(drain(ch)).at(-1)!;
    assert.equal(last.cum, 0);
    assert.equal(last.sack.length, 16);
    assert.deepEqual(last.sack.slice(0, 4), [[78, 79], [76, 77], [74, 75], [72, 73]], 'each new block is repeated in the next acks: one lost ack hides nothing (RFC 2018 §4)');
    assert.deepEqual(last.sack.slice(4, 7), [[2, 3], [4, 5], [6, 7]]);
  });
});

describe('sender windows and selective acks', () => {
  it(`keeps at most SEND_WINDOW_FRAGMENTS (${SEND_WINDOW_FRAGMENTS}) in flight and sends more as acks open the window`, () => {
    const ch = new ReliableChannel();
    for (let i = 0; i < SEND_WINDOW_FRAGMENTS + 100; i++) ch.send(new Uint8Array([i & 0xff]), 0);
    assert.equal(dataSeqs(drain(ch)).length, SEND_WINDOW_FRAGMENTS);
    ch.receive(ack(0, [[1, SEND_WINDOW_FRAGMENTS]]), 10);
    assert.deepEqual(dataSeqs(drain(ch)), [0], 'only the hole is resent (fast retransmit): a hole at the bottom holds the window in place');
    ch.receive(ack(SEND_WINDOW_FRAGMENTS), 20);
    assert.deepEqual(dataSeqs(drain(ch)), Array.from({ length: 100 }, (_, i) => SEND_WINDOW_FRAGMENTS + i), 'filling it opens the whole window');
  });

  it('does not retransmit what a selective ack covered', () => {
    const ch = new ReliableChannel();
    const ids = [ch.send(new Uint8Array([1]), 0), ch.send(new Uint8Array([2]), 0), ch.send(new Uint8Array([3]), 0)];
    drain(ch);
    ch.receive(ack(0, [[1, 3]]), 50);
    assert.deepEqual(events(ch), [{ type: 'acked', msgId: ids[1] }, { type: 'acked', msgId: ids[2] }]);
    ch.handleTimeout(500);
    assert.deepEqual(dataSeqs(drain(ch)), [0]);
  });

  it('fast-retransmits a fragment once three later ones are acked, before its timer, and only once', () => {
    const ch = new ReliableChannel();
    for (let i = 0; i < 6; i++) ch.send(new Uint8Array([i]), 0);
    drain(ch);
    ch.receive(ack(0, [[1, 3]]), 40);
    assert.deepEqual(dataSeqs(drain(ch)), [], 'two later fragments could be reordering');
    ch.receive(ack(0, [[1, 4]]), 41);
    assert.deepEqual(dataSeqs(drain(ch)), [0], 'three is loss');
    ch.receive(ack(0, [[1, 6]]), 42);
    assert.deepEqual(dataSeqs(drain(ch)), [], 'not again');
    assert.equal(ch.stats.retransmits, 1);
  });
});

describe('giving up', () => {
  it('fails the oldest message at 60 s and every later unacked one with it, but not those already acked', () => {
    const ch = new ReliableChannel();
    const lost = ch.send(new TextEncoder().encode('lost'), 0);
    const acked = ch.send(new TextEncoder().encode('acked'), 1_000);
    const later = ch.send(new TextEncoder().encode('later'), 30_000);
    drain(ch);
    ch.receive(ack(0, [[acked, acked + 1]]), 1_050);
    assert.deepEqual(events(ch), [{ type: 'acked', msgId: acked }]);

    ch.handleTimeout(MESSAGE_GIVE_UP_MS);
    assert.deepEqual(events(ch), [
      { type: 'failed', msgId: lost, reason: 'MESSAGE_TIMEOUT' },
      // only 30 s old, but the peer can never deliver it past the hole `lost` leaves
      { type: 'failed', msgId: later, reason: 'PREVIOUS_MESSAGE_FAILED' },
    ]);
    assert.equal(ch.hasUnacked(), false);

    const afterwards = ch.send(new TextEncoder().encode('too late'), 60_001);
    assert.deepEqual(events(ch), [{ type: 'failed', msgId: afterwards, reason: 'CHANNEL_FAILED' }]);
    assert.deepEqual(drain(ch), []);
  });

  it('failAll fails every unacked message, queued ones included, with the given reason', () => {
    const ch = new ReliableChannel();
    const first = ch.send(new Uint8Array([1]), 0);
    drain(ch);
    ch.receive(ack(1), 10);
    events(ch);
    const ids = Array.from({ length: SEND_WINDOW_FRAGMENTS + 2 }, (_, i) => ch.send(new Uint8Array([i]), 20));
    drain(ch); // two of them still wait for the window
    ch.failAll('PEER_GONE');
    assert.deepEqual(events(ch), ids.map((msgId) => ({ type: 'failed', msgId, reason: 'PEER_GONE' })));
    assert.ok(!ids.includes(first));
    assert.equal(ch.hasUnacked(), false);
    assert.equal(ch.nextTimeout(), undefined, 'no timers left');
    ch.handleTimeout(100_000);
    assert.deepEqual(drain(ch), [], 'nothing retransmitted');
    assert.deepEqual(events(ch), [], 'nothing fails twice');
    // the peer's direction still works: its messages are still delivered
    ch.receive(data(0, 'still here'), 100_001);
    assert.deepEqual(events(ch).map((e) => e.type), ['deliver']);
  });
});
