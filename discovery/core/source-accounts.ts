// Per-source accounting: what the server knows about each source endpoint that holds no
// listed entry (strangers, and clients whose address is not proven yet). Two jobs:
// - the request bucket (SOURCE_RATE_PER_S): a flood from one source drains its own bucket;
// - the anti-amplification budget (natter's rule, stricter than RFC 9000 §8.1's 3x): until a
//   source has proven its address, the bytes sent to it never exceed the bytes received from it.
// A listed client's source bucket lives in its entry's local columns instead (handOver /
// takeBack): a hundred thousand listed clients need no SourceAccount.

import { MAX_TRACKED_SOURCES } from '../../src/constants.ts';
import { refilled } from '../../src/token-bucket.ts';
import { BoundedMap } from '../data/bounded-map.ts';
import type { AmplificationStats } from './server-events.ts';

/** Idle sources and identities are forgotten after this long (their buckets would be full again). */
export const IDLE_FORGET_MS = 60_000;

/** One small object per tracked source (its token bucket inline, refilled as datagrams arrive). */
export class SourceAccount {
  /** The request bucket, refilled up to lastSeen. */
  tokens: number;
  lastSeen: number;
  /** Bytes received and sent while the address was unproven. */
  bytesIn = 0;
  bytesOut = 0;
  proven = false;

  constructor(tokens: number, lastSeen: number) {
    this.tokens = tokens;
    this.lastSeen = lastSeen;
  }
}

export class SourceAccounts {
  private readonly accounts = new BoundedMap<string, SourceAccount>(MAX_TRACKED_SOURCES);

  constructor(
    readonly ratePerS: number,
    readonly burst: number,
  ) {}

  get size(): number {
    return this.accounts.size;
  }

  /** The account of the source `key`, refilled to `now` (created full), with `bytes` charged if unproven. */
  arrive(key: string, bytes: number, now: number): SourceAccount {
    let src = this.accounts.get(key);
    if (src === undefined) {
      src = new SourceAccount(this.burst, now);
      this.accounts.set(key, src);
    } else this.touch(src, now);
    if (!src.proven) src.bytesIn += bytes; // garbage counts too: it is what the sender paid
    return src;
  }

  take(src: SourceAccount): boolean {
    if (src.tokens < 1) return false;
    src.tokens -= 1;
    return true;
  }

  peek(key: string): Readonly<SourceAccount> | undefined {
    return this.accounts.peek(key);
  }

  /** May `size` more bytes go to this unproven source? */
  fits(src: SourceAccount, size: number): boolean {
    return src.bytesOut + size <= src.bytesIn;
  }

  charge(src: SourceAccount, size: number): void {
    src.bytesOut += size;
  }

  /** An entry now holds `key`: its bucket leaves this table (returned, refilled to `now`). */
  handOver(key: string, now: number): { tokens: number; last: number } {
    const src = this.accounts.peek(key);
    if (src === undefined) return { tokens: this.burst, last: now };
    this.touch(src, now);
    this.accounts.delete(key);
    return { tokens: src.tokens, last: src.lastSeen };
  }

  /**
   * No entry holds `key` any more: its bucket comes back as an unproven account (the address
   * stays proven only while an entry holds it: a NAT may give the port to someone else), with
   * a fresh byte account. An idle one is not kept: it would be full anyway.
   */
  takeBack(key: string, tokens: number, last: number, now: number): void {
    if (!(last >= now - IDLE_FORGET_MS)) return;
    this.accounts.set(key, new SourceAccount(tokens, last));
  }

  sweep(now: number): void {
    this.accounts.sweepOldest((s) => s.lastSeen < now - IDLE_FORGET_MS);
  }

  /** Bytes in and out over every tracked source that has not proven its address. */
  amplification(): AmplificationStats {
    const out: AmplificationStats = { unprovenSources: 0, bytesIn: 0, bytesOut: 0, worstRatio: 0 };
    for (const [, s] of this.accounts.entries()) {
      if (s.proven) continue;
      out.unprovenSources++;
      out.bytesIn += s.bytesIn;
      out.bytesOut += s.bytesOut;
      if (s.bytesIn > 0) out.worstRatio = Math.max(out.worstRatio, s.bytesOut / s.bytesIn);
    }
    return out;
  }

  private touch(src: SourceAccount, now: number): void {
    src.tokens = refilled(src.tokens, src.lastSeen, now, this.ratePerS, this.burst);
    if (now > src.lastSeen) src.lastSeen = now;
  }
}
