// The liveness timers alone, as a table over a fake clock: keepalive when idle, probes every
// PATH_PROBE_INTERVAL_MS once a reply is overdue, one stale report per episode, peer lost.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Liveness } from '../../client/core/liveness.ts';
import { PATH_PROBE_INTERVAL_MS } from '../../src/constants.ts';

const T = { keepaliveIntervalMs: 10_000, pathStaleAfterMs: 4_000, peerSilentTimeoutMs: 30_000 };

describe('liveness', () => {
  it('pings after the keepalive interval of quiet, and only then', () => {
    const l = new Liveness(0, T);
    assert.equal(l.nextTimeout(), 10_000);
    assert.deepEqual(l.check(9_999), { stale: false, ping: false });
    assert.deepEqual(l.check(10_000), { stale: false, ping: true });
  });

  it('an overdue reply: probes every second, goes stale once, recovers when a path is confirmed', () => {
    const l = new Liveness(0, T);
    l.sent(1_000, true);
    const table: [number, boolean, boolean][] = [
      // now, stale, ping
      [1_500, false, false],
      [2_000, false, true],
      [4_999, false, true],
      [5_000, true, true],
      [6_000, false, true],
    ];
    for (const [now, stale, ping] of table) assert.deepEqual(l.check(now), { stale, ping }, `at ${now}`);
    assert.equal(l.recovering, true);
    assert.equal(l.nextTimeout(), 1_000 + PATH_PROBE_INTERVAL_MS, 'no stale deadline while recovering');
    l.heard(6_100);
    l.pathConfirmed();
    assert.equal(l.recovering, false);
    l.sent(7_000, true);
    assert.equal(l.check(11_000).stale, true, 'a new episode may go stale again');
  });

  it('acks, pongs and byes expect no answer: they never make a path stale', () => {
    const l = new Liveness(0, T);
    l.sent(1_000, false);
    assert.deepEqual(l.check(9_000), { stale: false, ping: false });
  });

  it('loses the peer after the silence timeout, counting from the last thing heard', () => {
    const l = new Liveness(0, T);
    l.heard(5_000);
    assert.equal(l.peerLost(34_999), undefined);
    assert.equal(l.peerLost(35_000), 30_000);
  });
});
