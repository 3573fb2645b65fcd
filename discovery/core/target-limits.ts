// Token buckets per *target* id: what one client may be made to receive, whoever asks. The
// requester's own buckets (rate-limits.ts) stop one identity from flooding; these stop many
// identities (or one, across servers' worth of retries) from aiming at one client. Kept in a
// capped map (not the entry's columns) so a listed client that nobody targets costs nothing;
// a bucket that has refilled is forgotten at the sweep (it would be created full anyway).

import { MAX_TRACKED_TARGETS } from '../../src/constants.ts';
import { refilled, takeToken, type BucketState } from '../../src/token-bucket.ts';
import { BoundedMap } from '../data/bounded-map.ts';

export class TargetBuckets {
  private readonly buckets: BoundedMap<string, BucketState>;

  constructor(
    readonly ratePerS: number,
    readonly burst: number,
    capacity = MAX_TRACKED_TARGETS,
  ) {
    this.buckets = new BoundedMap(capacity);
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Takes one token from `target`'s bucket (created full). */
  take(target: string, now: number): boolean {
    const b = this.buckets.getOrCreate(target, () => ({ tokens: this.burst, last: now }));
    return takeToken(b, now, this.ratePerS, this.burst);
  }

  /** Forgets the buckets that are full again. */
  sweep(now: number): void {
    this.buckets.sweep((b) => refilled(b.tokens, b.last, now, this.ratePerS, this.burst) >= this.burst);
  }
}
