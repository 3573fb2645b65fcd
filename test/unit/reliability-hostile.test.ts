// Frames a broken or malicious peer could send. None may throw, and none may corrupt the
// channel: afterwards it must still deliver, ack and retransmit exactly as before.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReliableChannel, type ChannelFrame } from '../../src/reliability/channel.ts';
import { MsgType } from '../../src/wire.ts';
import { ack, data, dataSeqs, drain, events, text } from './helpers/channel-io.ts';

const MAX = Number.MAX_SAFE_INTEGER; // 2^53 - 1

/** A channel with two one-fragment messages in flight (seqs 0 and 1), sent at t=0. */
function channelWithTwoInFlight(): ReliableChannel {
  const ch = new ReliableChannel();
  ch.send(new TextEncoder().encode('m0'), 0);
  ch.send(new TextEncoder().encode('m1'), 0);
  assert.deepEqual(dataSeqs(drain(ch)), [0, 1]);
  return ch;
}

describe('hostile data frames', () => {
  const cases: [string, ChannelFrame][] = [
    ['seq 2^53-1', data(MAX, 'x')],
    ['seq 2^53 (unsafe)', data(2 ** 53, 'x')],
    ['seq -1', data(-1, 'x')],
    ['seq 1.5', data(1.5, 'x')],
    ['seq NaN', data(Number.NaN, 'x')],
    ['seq Infinity', data(Number.POSITIVE_INFINITY, 'x')],
    ['body that is not bytes', { t: MsgType.Data, seq: 0, more: false, body: 'text' as unknown as Uint8Array }],
    ['`more` that is not a boolean, far away', { t: MsgType.Data, seq: 9, more: 'yes' as unknown as boolean, body: new Uint8Array(1) }],
  ];
  for (const [name, frame] of cases) {
    it(`${name}: no throw, no delivery, and seq 0 still delivers next`, () => {
      const ch = new ReliableChannel();
      assert.doesNotThrow(() => ch.receive(frame, 0));
      assert.deepEqual(events(ch), []);
      ch.receive(data(0, 'real'), 1);
      assert.deepEqual(events(ch).map((e) => e.type === 'deliver' && [e.msgId, text(e.body)]), [[0, 'real']]);
    });
  }

  it('counts impossible seqs as malformed and far ones as out of window, and does not ack the impossible', () => {
    const ch = new ReliableChannel();
    ch.receive(data(-1), 0);
    ch.receive(data(0.5), 0);
    assert.equal(ch.stats.malformedDropped, 2);
    assert.deepEqual(drain(ch), []);
    assert.equal(ch.nextTimeout(), undefined);
    ch.receive(data(MAX), 0);
    assert.equal(ch.stats.outOfWindowDropped, 1);
    assert.deepEqual(drain(ch), [{ t: MsgType.Ack, cum: 0, sack: [] }], 'a real seq, just far: ack our state so the sender can resync');
  });

  it('ignores frames that are not frames at all', () => {
    const ch = new ReliableChannel();
    for (const junk of [null, undefined, 42, { t: 99 }, { t: MsgType.Ping }]) {
      assert.doesNotThrow(() => ch.receive(junk as unknown as ChannelFrame, 0));
    }
    assert.deepEqual([drain(ch), events(ch)], [[], []]);
  });
});

describe('hostile acks', () => {
  const cases: [string, ChannelFrame][] = [
    ['cum beyond anything sent', ack(5)],
    ['cum 2^53-1', ack(MAX)],
    ['cum negative', ack(-3)],
    ['cum NaN', ack(Number.NaN)],
    ['sack inverted', ack(0, [[2, 0]])],
    ['sack empty range', ack(0, [[1, 1]])],
    ['sack huge', ack(0, [[0, MAX]])],
    ['sack starting beyond what was sent', ack(0, [[5, 9]])],
    ['sack with unsafe and fractional numbers', ack(0, [[0.5, 1.5], [2 ** 60, 2 ** 61]])],
    ['sack with negative start', ack(0, [[-10, 1]])],
    ['sack that is not a list', { t: MsgType.Ack, cum: 0, sack: 'all' as unknown as [number, number][] }],
    ['sack entries that are not pairs', { t: MsgType.Ack, cum: 0, sack: [null, 7, []] as unknown as [number, number][] }],
  ];
  for (const [name, frame] of cases) {
    it(`${name}: no throw, nothing falsely acked, retransmission and real acks still work`, () => {
      const ch = channelWithTwoInFlight();
      assert.doesNotThrow(() => ch.receive(frame, 10));
      assert.deepEqual(events(ch), [], 'no message may be marked acked by a lie about unsent or impossible seqs');
      assert.equal(ch.srttMs, undefined, 'and no RTT sample taken from it');
      assert.equal(ch.hasUnacked(), true);

      ch.handleTimeout(500);
      assert.deepEqual(dataSeqs(drain(ch)), [0, 1], 'both still retransmitted on time');
      ch.receive(ack(2), 520);
      assert.deepEqual(events(ch), [{ type: 'acked', msgId: 0 }, { type: 'acked', msgId: 1 }]);
      assert.equal(ch.hasUnacked(), false);
    });
  }

  it('an ack claiming unsent data is counted as malformed and ignored whole, valid-looking sack included', () => {
    const ch = channelWithTwoInFlight();
    ch.receive(ack(3, [[0, 2]]), 10);
    assert.equal(ch.stats.malformedDropped, 1);
    assert.equal(ch.hasUnacked(), true);
  });

  it('an old, reordered ack after a newer one changes nothing', () => {
    const ch = channelWithTwoInFlight();
    ch.receive(ack(2), 30);
    events(ch);
    ch.receive(ack(1), 31);
    ch.receive(ack(0, [[0, 2]]), 32);
    assert.deepEqual(events(ch), []);
    assert.equal(ch.stats.acked, 2);
    assert.equal(ch.srttMs, 30, 'only the first ack gave a sample');
  });
});
