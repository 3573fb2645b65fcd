// Per-entry numbers in typed-array columns indexed by a small integer (a slot): a hundred
// thousand rows cost no object, no boxed number and no map slot (~88 bytes a row with five
// buckets). The memory registry keeps its entries' server-local state here, indexed by its
// private slot; nothing outside the registry sees a slot.
//
// A row holds `buckets` token buckets (tokens and refill time; NaN tokens: not created yet,
// full at first use), one fixed-size token with its epoch (-1: none), and one timestamp.

import { refilled } from '../../src/token-bucket.ts';

export class EntryColumns {
  /**
   * [slot * buckets + bucket]. Token counts are small (at most a burst) and need no more than
   * Float32's ~7 digits; refill times are ms since the clock's origin and keep Float64.
   */
  private tokens = new Float32Array(0);
  private last = new Float64Array(0);
  private tokenBytes = new Uint8Array(0);
  private tokenEpoch = new Int32Array(0);
  private stamp = new Float64Array(0);
  private rows = 0;

  constructor(
    readonly buckets: number,
    readonly tokenLength: number,
  ) {}

  /** Makes `slot` a fresh row: no buckets yet, no token, no timestamp (NaN). */
  reset(slot: number): void {
    this.ensure(slot);
    this.tokens.fill(Number.NaN, slot * this.buckets, (slot + 1) * this.buckets);
    this.tokenEpoch[slot] = -1;
    this.stamp[slot] = Number.NaN;
  }

  /** Takes one token from a bucket (created full at first use). */
  take(slot: number, bucket: number, now: number, ratePerS: number, burst: number): boolean {
    const i = slot * this.buckets + bucket;
    const stored = this.tokens[i] as number;
    const last = this.last[i] as number;
    const tokens = Number.isNaN(stored) ? burst : refilled(stored, last, now, ratePerS, burst);
    if (Number.isNaN(stored) || now > last) this.last[i] = now;
    if (tokens < 1) {
      this.tokens[i] = tokens;
      return false;
    }
    this.tokens[i] = tokens - 1;
    return true;
  }

  setBucket(slot: number, bucket: number, tokens: number, last: number): void {
    const i = slot * this.buckets + bucket;
    this.tokens[i] = tokens;
    this.last[i] = last;
  }

  /** NaN when the bucket was never used. */
  bucketTokens(slot: number, bucket: number): number {
    return this.tokens[slot * this.buckets + bucket] as number;
  }

  bucketLast(slot: number, bucket: number): number {
    return this.last[slot * this.buckets + bucket] as number;
  }

  setToken(slot: number, token: Uint8Array, epoch: number): void {
    if (token.length !== this.tokenLength) return;
    this.tokenBytes.set(token, slot * this.tokenLength);
    this.tokenEpoch[slot] = epoch;
  }

  clearToken(slot: number): void {
    this.tokenEpoch[slot] = -1;
  }

  /** True when `token` is the one kept for `slot` in `epoch`; constant time in the token's bytes. */
  tokenMatches(slot: number, epoch: number, token: Uint8Array): boolean {
    if (this.tokenEpoch[slot] !== epoch || token.length !== this.tokenLength) return false;
    const at = slot * this.tokenLength;
    let diff = 0;
    for (let i = 0; i < this.tokenLength; i++) diff |= (this.tokenBytes[at + i] as number) ^ (token[i] as number);
    return diff === 0;
  }

  /** The kept token (a view: copy before keeping it). */
  token(slot: number): Uint8Array {
    return this.tokenBytes.subarray(slot * this.tokenLength, (slot + 1) * this.tokenLength);
  }

  timestamp(slot: number): number {
    return this.stamp[slot] as number;
  }

  setTimestamp(slot: number, ts: number): void {
    this.stamp[slot] = ts;
  }

  private ensure(slot: number): void {
    if (slot < this.rows) return;
    const n = Math.max(1_024, this.rows * 2, slot + 1);
    this.tokens = grow(this.tokens, new Float32Array(n * this.buckets));
    this.last = grow(this.last, new Float64Array(n * this.buckets));
    this.tokenBytes = grow(this.tokenBytes, new Uint8Array(n * this.tokenLength));
    this.tokenEpoch = grow(this.tokenEpoch, new Int32Array(n).fill(-1));
    this.stamp = grow(this.stamp, new Float64Array(n));
    this.rows = n;
  }
}

function grow<A extends Float32Array | Float64Array | Uint8Array | Int32Array>(from: A, to: A): A {
  to.set(from);
  return to;
}
