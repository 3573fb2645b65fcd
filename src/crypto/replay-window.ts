// Anti-replay sliding window over explicit packet counters, RFC 6479 style (as in
// wireguard-go's replay package): a ring of 32-bit blocks; moving the window forward
// clears whole blocks instead of shifting bits, so each check is O(1) even on a far jump.
// Usable window: REPLAY_WINDOW_BITS - 32 counters behind the highest one seen.
//
// Checking and committing are separate on purpose: a counter is committed only after its
// datagram authenticated, so forged counters can never slide the window forward.

import { REPLAY_WINDOW_BITS } from '../constants.ts';

export type ReplayVerdict = 'ok' | 'replay' | 'too-old' | 'invalid';

const BLOCK_BITS = 32;

export class ReplayWindow {
  readonly #blocks: Uint32Array;
  readonly #blockMask: number;
  /** Counters this far behind the highest one are still accepted once. */
  readonly size: number;
  /** Highest committed counter; -1 before the first. */
  #top = -1;

  constructor(bits: number = REPLAY_WINDOW_BITS) {
    // A power of two number of blocks, at least two (one is always partly stale).
    let blocks = 2;
    while (blocks * BLOCK_BITS < bits) blocks *= 2;
    this.#blocks = new Uint32Array(blocks);
    this.#blockMask = blocks - 1;
    this.size = (blocks - 1) * BLOCK_BITS;
  }

  get highest(): number {
    return this.#top;
  }

  /** Would `counter` be accepted? Does not change the window. */
  check(counter: number): ReplayVerdict {
    if (!Number.isSafeInteger(counter) || counter < 0) return 'invalid';
    if (counter > this.#top) return 'ok';
    if (this.#top - counter >= this.size) return 'too-old';
    const block = this.#blocks[Math.floor(counter / BLOCK_BITS) & this.#blockMask] ?? 0;
    return (block >>> (counter % BLOCK_BITS)) & 1 ? 'replay' : 'ok';
  }

  /** Records `counter` as seen (call after the datagram authenticated). Returns check()'s verdict. */
  commit(counter: number): ReplayVerdict {
    const verdict = this.check(counter);
    if (verdict !== 'ok') return verdict;
    const index = Math.floor(counter / BLOCK_BITS);
    if (counter > this.#top) {
      const topIndex = this.#top < 0 ? -1 : Math.floor(this.#top / BLOCK_BITS);
      // Clear every block the window slid over; a jump past the whole ring clears it all.
      const steps = Math.min(index - topIndex, this.#blocks.length);
      for (let i = 1; i <= steps; i++) this.#blocks[(index - steps + i) & this.#blockMask] = 0;
      this.#top = counter;
    }
    const slot = index & this.#blockMask;
    this.#blocks[slot] = ((this.#blocks[slot] ?? 0) | (1 << (counter % BLOCK_BITS))) >>> 0;
    return 'ok';
  }

  reset(): void {
    this.#blocks.fill(0);
    this.#top = -1;
  }
}
