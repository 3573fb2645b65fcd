import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REPLAY_WINDOW_BITS } from '../../src/constants.ts';
import { ReplayWindow, type ReplayVerdict } from '../../src/crypto/replay-window.ts';

/** Each row: counters committed in order, then the verdict expected for each. */
const table: { name: string; bits?: number; steps: [number, ReplayVerdict][] }[] = [
  { name: 'in order', steps: [[0, 'ok'], [1, 'ok'], [2, 'ok'], [3, 'ok']] },
  { name: 'out of order within the window', steps: [[5, 'ok'], [2, 'ok'], [4, 'ok'], [0, 'ok'], [1, 'ok'], [3, 'ok']] },
  { name: 'duplicate', steps: [[0, 'ok'], [1, 'ok'], [1, 'replay'], [0, 'replay'], [2, 'ok'], [2, 'replay']] },
  { name: 'too old (64-bit window: 2 blocks, 32 usable)', bits: 64, steps: [[100, 'ok'], [69, 'ok'], [68, 'too-old'], [0, 'too-old'], [69, 'replay']] },
  { name: 'far jump ahead clears old marks', bits: 128, steps: [[1, 'ok'], [2, 'ok'], [1_000_000, 'ok'], [999_999, 'ok'], [2, 'too-old'], [1_000_000, 'replay']] },
  { name: 'jump of exactly one ring clears the reused blocks', bits: 64, steps: [[3, 'ok'], [67, 'ok'], [35, 'too-old'], [66, 'ok'], [36, 'ok'], [36, 'replay']] },
  { name: 'invalid counters', steps: [[-1, 'invalid'], [1.5, 'invalid'], [2 ** 53, 'invalid'], [0, 'ok']] },
  { name: 'beyond 2^32', steps: [[2 ** 40, 'ok'], [2 ** 40 - 1, 'ok'], [2 ** 40 + 31, 'ok'], [2 ** 40 + 31, 'replay'], [2 ** 40 - 1, 'replay']] },
];

describe('replay window (RFC 6479)', () => {
  for (const row of table) {
    it(row.name, () => {
      const w = new ReplayWindow(row.bits);
      for (const [counter, verdict] of row.steps) assert.equal(w.commit(counter), verdict, `counter ${counter}`);
    });
  }

  it(`default size holds ${REPLAY_WINDOW_BITS - 32} counters behind the highest`, () => {
    const w = new ReplayWindow();
    assert.equal(w.size, REPLAY_WINDOW_BITS - 32);
    w.commit(10_000);
    assert.equal(w.check(10_000 - w.size + 1), 'ok');
    assert.equal(w.check(10_000 - w.size), 'too-old');
  });

  it('check() does not record: only commit() does', () => {
    const w = new ReplayWindow();
    assert.equal(w.check(5), 'ok');
    assert.equal(w.check(5), 'ok');
    assert.equal(w.highest, -1);
    w.commit(5);
    assert.equal(w.check(5), 'replay');
  });

  it('accepts every counter once under heavy reordering', () => {
    const w = new ReplayWindow(256);
    const order = Array.from({ length: 5000 }, (_, i) => i);
    // shuffle within blocks of 100 (well inside the 224-counter window)
    for (let b = 0; b < order.length; b += 100) {
      for (let i = b + 99; i > b; i--) {
        const j = b + ((i * 7919) % (i - b + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
    }
    for (const c of order) assert.equal(w.commit(c), 'ok');
    for (const c of order.slice(-150)) assert.equal(w.commit(c), 'replay');
  });
});
