// The compact per-IP count table agrees with a plain Map under random adds and removes
// (collisions, wrap-around, growth and backward-shift deletion included).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IpCounts } from '../../discovery/data/ip-counts.ts';
import { seededRandom } from '../helpers/prng.ts';

describe('IpCounts', () => {
  it('matches a Map over 200,000 random operations on few and many addresses, IPv4 and others', () => {
    for (const spread of [8, 300, 20_000]) {
      const random = seededRandom(spread);
      const table = new IpCounts();
      const model = new Map<string, number>();
      const key = (): string => {
        const k = Math.floor(random() * spread);
        return k % 17 === 0 ? `2001:db8:${k.toString(16)}::/64` : `${k & 255}.${(k >> 8) & 255}.${k % 7}.${k % 3}`;
      };
      for (let op = 0; op < 200_000 / 3; op++) {
        const k = key();
        const had = model.get(k) ?? 0;
        const delta = had > 0 && random() < 0.45 ? -1 : 1;
        table.add(k, delta);
        if (had + delta > 0) model.set(k, had + delta);
        else model.delete(k);
        if (op % 97 === 0) {
          const probe = key();
          assert.equal(table.get(probe), model.get(probe) ?? 0, `count of ${probe}`);
        }
      }
      assert.equal(table.size, model.size);
      for (const [k, n] of model) assert.equal(table.get(k), n);
      for (const k of [...model.keys()]) while (table.get(k) > 0) table.add(k, -1);
      assert.equal(table.size, 0, 'empty again');
    }
  });

  it('ignores removing what is not there, and reads 0 for unknown keys', () => {
    const t = new IpCounts();
    t.add('192.0.2.1', -1);
    assert.equal(t.size, 0);
    assert.equal(t.get('192.0.2.1'), 0);
    assert.equal(t.get('not an ip'), 0);
    t.add('0.0.0.0', 1);
    t.add('255.255.255.255', 2);
    assert.deepEqual([t.get('0.0.0.0'), t.get('255.255.255.255'), t.size], [1, 2, 2]);
  });
});
