// Two channels talk across a simulated network that loses, duplicates and reorders frames.
// Whatever the network does, each side must deliver exactly what the other sent, in order,
// exactly once, and every sent message must come back `acked`.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_FRAGMENT_BODY_BYTES, SEND_WINDOW_FRAGMENTS } from '../../src/constants.ts';
import { ChannelPair, PERFECT_LINK, type LinkOptions, type Side } from './helpers/lossy-link.ts';

const HOSTILE_NETWORK: LinkOptions = { loss: 0.3, duplicate: 0.1, minDelayMs: 10, maxDelayMs: 80 };

/** A recognisable message: its index in the first bytes, a size that varies, some of 3 KB. */
function message(from: string, i: number): Uint8Array {
  const size = i % 10 === 3 ? 3_000 : i % 17 === 0 ? 0 : 1 + ((i * 37) % 300);
  const body = new Uint8Array(size);
  for (let j = 0; j < size; j++) body[j] = (i * 31 + j + from.charCodeAt(0)) & 0xff;
  return body;
}

interface Conversation {
  sentIds: number[];
  sentBodies: Uint8Array[];
}

/** Schedules `count` messages from `side`, spread over the first `spreadMs` of the clock. */
function chatter(pair: ChannelPair, side: Side, name: string, count: number, spreadMs: number): Conversation {
  const convo: Conversation = { sentIds: [], sentBodies: [] };
  for (let i = 0; i < count; i++) {
    const body = message(name, i);
    pair.at(Math.floor((i * spreadMs) / count), () => {
      convo.sentIds.push(side.channel.send(body, pair.now));
      convo.sentBodies.push(body);
    });
  }
  return convo;
}

const delivered = (side: Side) => side.events.filter((e) => e.type === 'deliver');
const ackedIds = (side: Side) => side.events.filter((e) => e.type === 'acked').map((e) => e.msgId);
const failures = (side: Side) => side.events.filter((e) => e.type === 'failed');

function assertExchangedExactly(sender: Side, receiver: Side, convo: Conversation): void {
  const got = delivered(receiver);
  assert.equal(got.length, convo.sentBodies.length, 'every message delivered exactly once');
  assert.deepEqual(
    got.map((e) => e.msgId),
    convo.sentIds,
    'delivered in send order, under the sender-side msgId',
  );
  got.forEach((e, i) => assert.deepEqual(e.body, convo.sentBodies[i], `message ${i} intact`));
  assert.deepEqual([...ackedIds(sender)].sort((x, y) => x - y), convo.sentIds, 'every message acked exactly once');
  assert.deepEqual(failures(sender), []);
  assert.equal(sender.channel.hasUnacked(), false);
}

describe('two channels over a lossy, duplicating, reordering network', () => {
  for (const seed of [1, 2, 3, 42, 1337]) {
    it(`seed ${seed}: 250 messages each way (some 3 KB) arrive exactly once, in order, and are all acked`, () => {
      const pair = new ChannelPair(seed, HOSTILE_NETWORK);
      const fromA = chatter(pair, pair.a, 'a', 250, 3_000);
      const fromB = chatter(pair, pair.b, 'b', 250, 3_000);

      const finished = pair.runUntil(
        () => fromA.sentIds.length === 250 && fromB.sentIds.length === 250 && !pair.a.channel.hasUnacked() && !pair.b.channel.hasUnacked() && delivered(pair.a).length === 250 && delivered(pair.b).length === 250,
        10 * 60_000,
      );

      assert.ok(finished, `the conversation completes (clock stopped at ${pair.now} ms)`);
      assertExchangedExactly(pair.a, pair.b, fromA);
      assertExchangedExactly(pair.b, pair.a, fromB);
      // The network really was hostile, and the channel really had to work for it.
      assert.ok(pair.aToB.counts.lost > 100 && pair.aToB.counts.duplicated > 20);
      assert.ok(pair.a.channel.stats.retransmits > 50);
      assert.ok(pair.b.channel.stats.duplicatesDropped > 20);
      // Heavy loss delays but never fails: well under the 60 s give-up.
      assert.ok(pair.now < 60_000, `took ${pair.now} ms`);
    });
  }

  it('on a clean path nothing is retransmitted and the RTT estimate matches the path', () => {
    const pair = new ChannelPair(7, PERFECT_LINK); // 20 ms each way, no loss
    const fromA = chatter(pair, pair.a, 'a', 200, 2_000);

    assert.ok(pair.runUntil(() => fromA.sentIds.length === 200 && !pair.a.channel.hasUnacked(), 60_000));

    assertExchangedExactly(pair.a, pair.b, fromA);
    assert.equal(pair.a.channel.stats.retransmits, 0);
    assert.equal(pair.b.channel.stats.duplicatesDropped, 0);
    const srtt = pair.a.channel.srttMs;
    assert.ok(srtt !== undefined && srtt >= 40 && srtt <= 40 + 5 + 1, `srtt ${srtt} ≈ 40 ms RTT + at most the 5 ms ack delay`);
  });

  it('a burst larger than the send window flows through it without loss of order', () => {
    const pair = new ChannelPair(9, { loss: 0.05, duplicate: 0.05, minDelayMs: 5, maxDelayMs: 30 });
    const count = SEND_WINDOW_FRAGMENTS * 3;
    const fromA = chatter(pair, pair.a, 'a', count, 0); // all at t=0
    assert.ok(pair.runUntil(() => fromA.sentIds.length === count && !pair.a.channel.hasUnacked(), 10 * 60_000));
    assertExchangedExactly(pair.a, pair.b, fromA);
    assert.ok(fromA.sentBodies.some((b) => b.length > MAX_FRAGMENT_BODY_BYTES));
  });
});
