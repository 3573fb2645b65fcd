// Retransmission timing, told against a fake clock: RFC 6298's estimator, Karn's rule,
// exponential back-off capped at MAX_RTO_MS, and the 60 s give-up.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INITIAL_RTO_MS, MAX_RTO_MS, MESSAGE_GIVE_UP_MS, MIN_RTO_MS } from '../../src/constants.ts';
import { ReliableChannel } from '../../src/reliability/channel.ts';
import { RttEstimator } from '../../src/reliability/rto.ts';
import { ack, dataSeqs, drain, events } from './helpers/channel-io.ts';

/** Follows the channel's own timer, as a driver would, and records when each retransmission left. */
function retransmissionTimesUntil(ch: ReliableChannel, untilMs: number): number[] {
  const times: number[] = [];
  for (let t = ch.nextTimeout(); t !== undefined && t <= untilMs; t = ch.nextTimeout()) {
    ch.handleTimeout(t);
    for (const _ of dataSeqs(drain(ch))) times.push(t);
  }
  return times;
}

describe('retransmission timeout (RFC 6298)', () => {
  it('an unanswered message is resent at 500 ms, then after 1, 2, 4 s, then every 5 s, and fails at 60 s', () => {
    const ch = new ReliableChannel();
    const id = ch.send(new TextEncoder().encode('hello?'), 0);
    assert.deepEqual(dataSeqs(drain(ch)), [0], 'sent at once');
    assert.equal(ch.nextTimeout(), INITIAL_RTO_MS);

    const resent = retransmissionTimesUntil(ch, MESSAGE_GIVE_UP_MS - 1);
    assert.deepEqual(resent.slice(0, 6), [500, 1_500, 3_500, 7_500, 12_500, 17_500]);
    // from then on, capped: one every MAX_RTO_MS
    resent.slice(4).forEach((t, i, all) => i > 0 && assert.equal(t - all[i - 1]!, MAX_RTO_MS));
    assert.equal(resent.at(-1), 57_500);

    ch.handleTimeout(MESSAGE_GIVE_UP_MS - 1);
    assert.deepEqual(events(ch), [], 'not failed at 59,999 ms: heavy loss delays, it does not fail');
    assert.equal(ch.nextTimeout(), MESSAGE_GIVE_UP_MS, 'the give-up is the next thing to happen');

    ch.handleTimeout(MESSAGE_GIVE_UP_MS);
    assert.deepEqual(events(ch), [{ type: 'failed', msgId: id, reason: 'MESSAGE_TIMEOUT' }]);
    assert.deepEqual(drain(ch), [], 'and it is never sent again');
    assert.equal(ch.nextTimeout(), undefined);
    assert.equal(ch.hasUnacked(), false);
  });

  it("Karn's rule: the ack of a retransmitted fragment gives no RTT sample, and the back-off stays", () => {
    const ch = new ReliableChannel();
    ch.send(new Uint8Array([1]), 0);
    drain(ch);
    ch.handleTimeout(500);
    assert.deepEqual(dataSeqs(drain(ch)), [0], 'retransmitted at 500 ms');
    ch.receive(ack(1), 520); // 20 ms after the copy, 520 ms after the original: ambiguous
    assert.deepEqual(events(ch), [{ type: 'acked', msgId: 0 }]);
    assert.equal(ch.srttMs, undefined, 'no sample taken');
    assert.equal(ch.rtoMs, 2 * INITIAL_RTO_MS, 'the doubled RTO carries over to new data');

    // The next message uses the backed-off RTO; its clean ack is a fresh sample, which resets it.
    ch.send(new Uint8Array([2]), 1_000);
    drain(ch);
    assert.equal(ch.nextTimeout(), 1_000 + 2 * INITIAL_RTO_MS);
    ch.receive(ack(2), 1_040);
    assert.equal(ch.srttMs, 40);
    assert.equal(ch.rtoMs, 40 + 4 * 20, 'srtt + 4·rttvar with rttvar = R/2');
  });

  it('RTO = srtt + 4·rttvar after several samples (a known case)', () => {
    const ch = new ReliableChannel();
    ch.send(new Uint8Array([1]), 0);
    drain(ch);
    ch.receive(ack(1), 200); // R=200: srtt 200, rttvar 100 -> 600
    assert.equal(ch.rtoMs, 600);
    ch.send(new Uint8Array([2]), 1_000);
    drain(ch);
    ch.receive(ack(2), 1_100); // R=100: rttvar = 3/4·100 + 1/4·|200-100| = 100; srtt = 7/8·200 + 1/8·100 = 187.5
    assert.equal(ch.srttMs, 187.5);
    assert.equal(ch.rtoMs, 587.5);
    assert.equal(ch.nextTimeout(), undefined, 'nothing left in flight');
  });

  it('is clamped: never below MIN_RTO_MS on a fast path, never above MAX_RTO_MS on a slow one', () => {
    const fast = new ReliableChannel();
    for (let i = 0; i < 5; i++) {
      fast.send(new Uint8Array([i]), i * 10);
      drain(fast);
      fast.receive(ack(i + 1), i * 10 + 1); // 1 ms RTT: srtt + 4·rttvar is a few ms
    }
    assert.ok(fast.srttMs! < 2);
    assert.equal(fast.rtoMs, MIN_RTO_MS);

    const slow = new ReliableChannel();
    slow.send(new Uint8Array([1]), 0);
    drain(slow);
    slow.receive(ack(1), 3_000); // 3 s RTT: 3000 + 4·1500 = 9000
    assert.equal(slow.rtoMs, MAX_RTO_MS);
  });

  it('takes one sample per ack, from the newest transmission it covers', () => {
    const ch = new ReliableChannel();
    ch.send(new Uint8Array([1]), 0);
    ch.send(new Uint8Array([2]), 0);
    drain(ch);
    ch.send(new Uint8Array([3]), 50);
    drain(ch);
    ch.receive(ack(3), 150); // covers fragments sent at 0 and at 50: sample 100, not 150
    assert.equal(ch.srttMs, 100);
  });
});

describe('RttEstimator', () => {
  it('ignores impossible samples', () => {
    const rtt = new RttEstimator();
    rtt.sample(Number.NaN);
    rtt.sample(-5);
    rtt.sample(Number.POSITIVE_INFINITY);
    assert.equal(rtt.srttMs, undefined);
    assert.equal(rtt.rtoMs, INITIAL_RTO_MS);
  });

  it('doubles per retry and caps, whatever the retry count', () => {
    const rtt = new RttEstimator();
    assert.deepEqual([0, 1, 2, 3, 4, 1_000].map((r) => rtt.timeoutFor(r)), [500, 1_000, 2_000, 4_000, 5_000, 5_000]);
  });
});
