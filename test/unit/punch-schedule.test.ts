// The punch schedule as a table: a fake clock follows nextTimeout() and records which paths
// are probed when. A burst, then pacing that backs off to a steady probe; the relay joins at
// relayFallbackAfterMs; the attempt ends at punchTimeoutMs; a relay win leaves slow upgrade
// probing toward direct, a direct win ends probing.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PunchScheduler, type Path } from '../../client/core/punch.ts';
import type { Endpoint } from '../../src/wire.ts';

const A: Endpoint = ['198.51.100.1', 4000];
const B: Endpoint = ['10.0.0.2', 4000];
const R: Endpoint = ['203.0.113.10', 8000];

const label = (p: Path): string => (p.kind === 'relay' ? 'R' : p.addr[0] === A[0] ? 'A' : p.addr[0] === B[0] ? 'B' : 'C');

/** Runs the scheduler's own timer until `until` (or until it has none); returns "t:paths" rows. */
function follow(s: PunchScheduler, from: number, until: number, onStep?: (t: number) => void): string[] {
  const rows: string[] = [];
  let now = from;
  for (let i = 0; i < 1000; i++) {
    const probes = s.due(now);
    if (probes.length) rows.push(`${now}:${probes.map(label).join('')}`);
    onStep?.(now);
    const next = s.nextTimeout();
    if (next === undefined || next > until) break;
    now = Math.max(now, next);
  }
  return rows;
}

function scheduler(timings?: ConstructorParameters<typeof PunchScheduler>[1]): PunchScheduler {
  const s = new PunchScheduler(0, timings);
  s.addDirect('public', A);
  s.addDirect('lan', B);
  s.addRelay(R);
  return s;
}

test('defaults: burst, back-off, relay at 2.5 s, then a probe a second, until 10 s', () => {
  const s = scheduler();
  assert.deepEqual(follow(s, 0, 60_000), [
    '0:AB', '50:AB', '100:AB', '200:AB', '400:AB', '700:AB', '1000:AB', '1500:AB', '2000:AB',
    '2500:ABR', // the relay joins at its fallback time, between two steady probes
    '4000:ABR', '5000:ABR', '6000:ABR', '7000:ABR', '8000:ABR', '9000:ABR',
  ]);
  assert.equal(s.expired(10_000), true);
  assert.equal(s.nextTimeout(), undefined, 'a timed-out attempt has no timer');
});

test('timings are options: relay after 300 ms, give up after 1 s', () => {
  // The early relay round takes the place of the 400 ms step: the schedule goes on from there.
  const s = scheduler({ relayFallbackAfterMs: 300, punchTimeoutMs: 1_000 });
  assert.deepEqual(follow(s, 0, 60_000), ['0:AB', '50:AB', '100:AB', '200:AB', '300:ABR', '700:ABR']);
  assert.equal(s.expired(999), false);
  assert.equal(s.expired(1_000), true);
});

test('a candidate learned mid-burst is probed at once, alone', () => {
  const s = scheduler();
  const rows = follow(s, 0, 400, (t) => {
    if (t === 100) s.addDirect('peer-reflexive', ['192.0.2.7', 5000]);
  });
  assert.deepEqual(rows, ['0:AB', '50:AB', '100:AB', '100:C', '200:ABC', '400:ABC']);
});

test('a relay win leaves direct-only upgrade probing every directUpgradeIntervalMs; a direct win ends it', () => {
  const s = scheduler({ directUpgradeIntervalMs: 2_000 });
  follow(s, 0, 2_600);
  s.won({ kind: 'relay', server: R }, 2_600);
  assert.equal(s.nextTimeout(), 4_600);
  assert.deepEqual(follow(s, 4_600, 9_000), ['4600:AB', '6600:AB', '8600:AB']);
  assert.equal(s.expired(60_000), false, 'a won attempt never times out');
  s.won({ kind: 'direct', addr: A }, 9_000);
  assert.equal(s.nextTimeout(), undefined);
  assert.deepEqual(s.due(20_000), []);
});

test('recovery (restart with keepGoing) never times out: the peer-silence timer ends it', () => {
  const s = scheduler({ punchTimeoutMs: 1_000 });
  s.restart(50_000, true);
  const rows = follow(s, 50_000, 54_000);
  assert.equal(rows[0], '50000:AB');
  assert.ok(rows.includes('52500:ABR'), rows.join(' '));
  assert.equal(s.expired(100_000), false);
  assert.ok((s.nextTimeout() ?? 0) > 54_000);
});
