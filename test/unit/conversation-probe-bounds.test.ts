// What one introduction can make a client send, bounded: which candidates are probed at all
// (addresses only; LAN ones in LAN ranges), how many candidates a conversation keeps, how many
// probes one attempt sends, how many probes one address gets whatever asks, and the 3x budget
// toward an address that is not validated.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PathValidation } from '../../client/core/path-validation.ts';
import { ProbeBudget } from '../../client/core/probe-budget.ts';
import { PunchScheduler } from '../../client/core/punch.ts';
import { isLanCandidate, isProbeableAddress } from '../../src/candidates.ts';
import { MAX_DIRECT_CANDIDATES, MAX_PROBES_PER_ATTEMPT, PATH_CHALLENGE_SENDS, PROBES_PER_ADDRESS_BURST } from '../../src/constants.ts';
import type { Endpoint } from '../../src/wire.ts';

describe('probe bounds', () => {
  test('only IP literals are probed, never multicast, broadcast or unspecified; LAN ones in LAN ranges', () => {
    const yes: Endpoint[] = [['198.51.100.7', 4000], ['10.1.2.3', 1], ['2001:db8::1', 9], ['::1', 5]];
    const no: Endpoint[] = [['bad.cafe', 4000], ['224.0.0.251', 5353], ['239.1.1.1', 1], ['255.255.255.255', 9], ['0.0.0.0', 1], ['::', 1], ['ff02::1', 1], ['10.0.0.1', 0]];
    for (const a of yes) assert.ok(isProbeableAddress(a), JSON.stringify(a));
    for (const a of no) assert.ok(!isProbeableAddress(a), JSON.stringify(a));
    assert.ok(!isLanCandidate(['198.51.100.7', 4000]), 'a public address is no LAN candidate');
  });

  test('a conversation keeps at most MAX_DIRECT_CANDIDATES; an address the peer used takes the oldest place', () => {
    const s = new PunchScheduler(0);
    for (let i = 0; i < MAX_DIRECT_CANDIDATES + 5; i++) s.addDirect('lan', ['10.0.0.' + (i + 1), 4000]);
    const first = s.due(0);
    assert.equal(first.length, MAX_DIRECT_CANDIDATES);
    s.addDirect('peer-reflexive', ['198.51.100.9', 4000]);
    const next = s.due(50);
    assert.equal(next.filter((p) => p.kind === 'direct').length, MAX_DIRECT_CANDIDATES);
    assert.ok(next.some((p) => p.kind === 'direct' && p.addr[0] === '198.51.100.9'));
  });

  test('one attempt sends at most MAX_PROBES_PER_ATTEMPT direct probes, however many candidates', () => {
    const s = new PunchScheduler(0);
    for (let i = 0; i < MAX_DIRECT_CANDIDATES; i++) s.addDirect('public', ['198.51.100.' + (i + 1), 4000]);
    let sent = 0;
    for (let now = 0; now <= 10_000; now += 10) sent += s.due(now).filter((p) => p.kind === 'direct').length;
    assert.ok(sent <= MAX_PROBES_PER_ATTEMPT + MAX_DIRECT_CANDIDATES, `sent ${sent}`); // + the first probe of each fresh candidate
  });

  test('one address gets a burst of probes, then one a second, whoever asks', () => {
    const b = new ProbeBudget();
    let ok = 0;
    for (let i = 0; i < 1_000; i++) if (b.take(['198.51.100.1', 4000], 0)) ok++;
    assert.equal(ok, PROBES_PER_ADDRESS_BURST);
    assert.equal(b.take(['198.51.100.1', 4000], 500), false);
    assert.equal(b.take(['198.51.100.1', 4000], 1_000), true);
    assert.equal(b.take(['198.51.100.2', 4000], 0), true, 'per address');
  });

  test('a path check sends a few challenges, within 3x of what came from the address', () => {
    const v = new PathValidation((n) => new Uint8Array(n).fill(5));
    const path = { kind: 'direct' as const, addr: ['198.51.100.1', 4000] as Endpoint };
    assert.equal(v.spend(path, 10), false, 'nothing came from it: nothing goes to it');
    v.credit(path, 100);
    assert.equal(v.spend(path, 301), false);
    assert.equal(v.spend(path, 300), true);
    assert.equal(v.spend(path, 1), false);
    v.start(path, 0);
    let challenges = 0;
    for (let now = 0; now < 5_000; now += 100) challenges += v.due(now).length;
    assert.equal(challenges, PATH_CHALLENGE_SENDS);
    assert.equal(v.answered(new Uint8Array(16).fill(6)), undefined, 'a wrong answer validates nothing');
    v.start(path, 5_000);
    assert.deepEqual(v.answered(new Uint8Array(16).fill(5)), path);
  });
});
