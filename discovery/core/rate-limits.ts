// Rate limits charged to identities (after authentication: no one can drain someone else's
// allowance), and the server-wide limit on error replies. A listed id's buckets live in its
// entry's local columns (Registry.local); an id that is not listed keeps them here, in a
// capped map, until it gets listed (handOver) or goes idle (sweep).

import { MAX_TRACKED_IDENTITIES, SERVER_ERROR_BURST, SERVER_ERROR_RATE_PER_S } from '../../src/constants.ts';
import { TokenBucket, takeToken, type BucketState } from '../../src/token-bucket.ts';
import { BoundedMap } from '../data/bounded-map.ts';
import type { EntryLocals, RegistryEntry } from './registry.ts';
import { IDLE_FORGET_MS } from './source-accounts.ts';

/**
 * The buckets of a listed entry, by index into its local columns (ENTRY_BUCKETS of them).
 * Source: the request bucket of the endpoint the entry holds (SourceAccount's, once proven).
 */
export const Bucket = { Register: 0, Heartbeat: 1, Connect: 2, Relay: 3, Source: 4 } as const;
export type IdentityBucket = typeof Bucket.Register | typeof Bucket.Heartbeat | typeof Bucket.Connect | typeof Bucket.Relay;

/** The buckets of an identity that is not listed. */
interface IdentityLimits {
  /** Indexed by IdentityBucket; created full at first use. */
  buckets: (BucketState | undefined)[];
  lastUsed: number;
}

export class RateLimits {
  private readonly identities = new BoundedMap<string, IdentityLimits>(MAX_TRACKED_IDENTITIES);
  private errorReplies: TokenBucket | undefined;

  constructor(private readonly local: EntryLocals) {}

  /** Identities that are not listed and hold buckets. */
  get size(): number {
    return this.identities.size;
  }

  /** Charges `id`, listed as `entry` (the registry's entry for `id`) or not listed (undefined). */
  take(id: string, entry: RegistryEntry | undefined, kind: IdentityBucket, now: number, ratePerS: number, burst: number): boolean {
    if (entry !== undefined) return this.local.take(entry, kind, now, ratePerS, burst);
    const limits = this.identities.getOrCreate(id, () => ({ buckets: [], lastUsed: now }));
    limits.lastUsed = now;
    const bucket = (limits.buckets[kind] ??= { tokens: burst, last: now });
    return takeToken(bucket, now, ratePerS, burst);
  }

  /** `id` was just listed as `entry`: its buckets move into the entry's columns. */
  handOver(id: string, entry: RegistryEntry): void {
    const limits = this.identities.peek(id);
    if (!limits) return;
    limits.buckets.forEach((b, kind) => b && this.local.setBucket(entry, kind, b.tokens, b.last));
    this.identities.delete(id);
  }

  forget(id: string): void {
    this.identities.delete(id);
  }

  /** Error replies, server-wide: a flood of bad requests must not become a flood of answers. */
  takeErrorReply(now: number): boolean {
    this.errorReplies ??= new TokenBucket(SERVER_ERROR_RATE_PER_S, SERVER_ERROR_BURST, now);
    return this.errorReplies.take(now);
  }

  sweep(now: number): void {
    this.identities.sweep((l) => l.lastUsed < now - IDLE_FORGET_MS);
  }
}
