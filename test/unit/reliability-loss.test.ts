// Loss detection that does not wait for the RTO, told against a fake clock: RACK's reorder
// window (RFC 8985, RFC 9002 §6.1) finds lost fragments, lost retransmissions included, from
// later acks; a tail loss probe (RFC 8985 §7) rescues the last fragments of a burst; and on a
// 1 ms path with 30% loss each way, every loss costs about one retransmission.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MIN_RTO_MS } from '../../src/constants.ts';
import { ReliableChannel } from '../../src/reliability/channel.ts';
import { ack, dataSeqs, drain, events } from './helpers/channel-io.ts';
import { ChannelPair } from './helpers/lossy-link.ts';

/** A channel that has sent one-fragment messages 0..n-1 at t=0. */
function sentAtZero(n: number): ReliableChannel {
  const ch = new ReliableChannel();
  for (let i = 0; i < n; i++) ch.send(new Uint8Array([i]), 0);
  assert.equal(dataSeqs(drain(ch)).length, n);
  return ch;
}

describe('RACK: loss found by later acks, not by the RTO', () => {
  it('a lost retransmission is resent as soon as something sent after it is acked and 9/8·RTT has passed', () => {
    const ch = sentAtZero(6);
    ch.receive(ack(0, [[1, 4]]), 10); // RTT 10 ms; three later fragments arrived: 0 is lost
    assert.deepEqual(dataSeqs(drain(ch)), [0], 'first retransmission, at 10 ms');
    ch.send(new Uint8Array([6]), 12);
    assert.deepEqual(dataSeqs(drain(ch)), [6]);

    // That retransmission is lost too. Seq 6, sent after it, is acked at 21: 11 ms after the
    // retransmission, inside the 11.25 ms reorder window, so not yet.
    ch.receive(ack(0, [[1, 7]]), 21);
    assert.deepEqual(dataSeqs(drain(ch)), [], 'it could still be on its way');
    assert.equal(ch.nextTimeout(), 10 + (9 / 8) * ch.srttMs!, 'the reorder timer, far before the RTO');
    ch.handleTimeout(ch.nextTimeout()!);
    assert.deepEqual(dataSeqs(drain(ch)), [0], 'second retransmission at 21.25 ms, not at the 100 ms RTO');

    ch.receive(ack(7), 32);
    assert.equal(events(ch).filter((e) => e.type === 'acked').length, 7);
    assert.deepEqual(ch.stats, { ...ch.stats, retransmits: 2, lossesDetected: 2, timeouts: 0, probes: 0 });
    assert.equal(ch.rtoMs, MIN_RTO_MS, 'and the RTO never backed off');
  });

  it('reordering inside the window is not loss: no spurious retransmission', () => {
    const ch = sentAtZero(4);
    ch.receive(ack(0, [[1, 2]]), 10); // 1 overtook 0
    assert.deepEqual(dataSeqs(drain(ch)), []);
    assert.ok(ch.nextTimeout()! < 12, 'a reorder timer is armed');
    ch.receive(ack(4), 11); // 0 was only late
    ch.handleTimeout(12);
    assert.deepEqual(dataSeqs(drain(ch)), []);
    assert.equal(ch.stats.retransmits, 0);
    assert.equal(ch.nextTimeout(), undefined);
  });
});

describe('tail loss probe', () => {
  /** One message acked after 10 ms (srtt 10, RTO at its 100 ms floor), then two more sent at 20 and lost. */
  function lostTail(): ReliableChannel {
    const ch = sentAtZero(1);
    ch.receive(ack(1), 10);
    ch.send(new Uint8Array([1]), 20);
    ch.send(new Uint8Array([2]), 20);
    assert.deepEqual(dataSeqs(drain(ch)), [1, 2]);
    events(ch);
    return ch;
  }

  it('resends the newest fragment 2·srtt after the tail went quiet, and the ack of the probe finds the rest', () => {
    const ch = lostTail();
    assert.equal(ch.nextTimeout(), 20 + 2 * 10, 'probe at 40 ms; the RTO would wait until 120');
    ch.handleTimeout(40);
    assert.deepEqual(dataSeqs(drain(ch)), [2], 'the newest fragment, once');
    assert.equal(ch.rtoMs, MIN_RTO_MS, 'a probe does not back the RTO off');

    ch.receive(ack(1, [[2, 3]]), 50); // the probe arrived; 1, sent before it, did not
    assert.deepEqual(dataSeqs(drain(ch)), [1], 'RACK: resent at once');
    ch.receive(ack(3), 60);
    assert.deepEqual(events(ch).map((e) => e.type), ['acked', 'acked']);
    assert.deepEqual(ch.stats, { ...ch.stats, retransmits: 2, lossesDetected: 1, timeouts: 0, probes: 1 });
  });

  it('probes back off, and the RTO still fires on its own schedule when every probe is lost', () => {
    const ch = lostTail();
    const times: [number, number[]][] = [];
    for (let t = ch.nextTimeout(); t !== undefined && t <= 130; t = ch.nextTimeout()) {
      ch.handleTimeout(t);
      times.push([t, dataSeqs(drain(ch))]);
    }
    // probes at 40, then 40 + 2·20, then the RTO of seq 1 (sent at 20) at 120; seq 2's RTO
    // was re-armed by each probe (sent again at 80: due at 180).
    assert.deepEqual(times, [[40, [2]], [80, [2]], [120, [1]]]);
    assert.deepEqual(ch.stats, { ...ch.stats, probes: 2, timeouts: 1, retransmits: 3 });
    assert.equal(ch.rtoMs, 2 * MIN_RTO_MS, 'the timeout, not the probes, doubled the RTO');
  });

  it('does not probe before the first RTT sample: the 500 ms initial RTO rules', () => {
    const ch = sentAtZero(1);
    assert.equal(ch.nextTimeout(), 500);
  });
});

describe('1,000 messages over a 1 ms path with 30% loss each way', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: all delivered in order within 60 RTTs, about one retransmission per lost frame`, () => {
      const pair = new ChannelPair(seed, { loss: 0.3, duplicate: 0, minDelayMs: 1, maxDelayMs: 1 });
      for (let i = 0; i < 1_000; i++) pair.a.channel.send(Uint8Array.of(i >> 8, i & 0xff), 0);
      assert.ok(pair.runUntil(() => !pair.a.channel.hasUnacked(), 60_000));
      const got = pair.b.events.flatMap((e) => (e.type === 'deliver' ? [(e.body[0]! << 8) | e.body[1]!] : []));
      assert.deepEqual(got, Array.from({ length: 1_000 }, (_, i) => i));
      assert.ok(pair.now <= 120, `took ${pair.now} ms (lossless: 3 ms; one 100 ms RTO would not fit twice)`);
      const s = pair.a.channel.stats;
      assert.equal(s.retransmits, s.lossesDetected + s.timeouts + s.probes);
      const lost = pair.aToB.counts.lost; // a sends only data, so these are all data frames
      assert.ok(s.retransmits <= 1.1 * lost, `${s.retransmits} retransmissions for ${lost} lost frames`);
      assert.ok(pair.b.channel.stats.duplicatesDropped <= 0.1 * lost, 'few spurious retransmissions');
    });
  }
});
