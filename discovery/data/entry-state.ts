// The server engine's per-entry numbers, in typed-array columns indexed by RegistryEntry.slot:
// a listed client's rate-limit buckets and its current address token cost no object, no
// boxed number and no map slot (100,000 listed clients: ~11 MB of columns in all). Only
// clients that are not listed (pending, or strangers) keep their state in the capped maps.

import { DISCOVERY_TOKEN_BYTES } from '../../src/constants.ts';

/** The per-identity buckets a listed entry holds (the engine's identity map holds them otherwise). */
export const Limit = { Register: 0, Heartbeat: 1, Connect: 2, Relay: 3 } as const;
export type LimitKind = (typeof Limit)[keyof typeof Limit];
const LIMITS = 4;

/** A token bucket as two numbers: refilled at `ratePerS` up to `burst`, a clock that goes backwards refills nothing. */
export interface BucketState {
  tokens: number;
  last: number;
}

/** Takes one token from a bucket held in a plain object (the identity map's form). */
export function takeBucket(b: BucketState, now: number, ratePerS: number, burst: number): boolean {
  if (now > b.last) {
    b.tokens = Math.min(burst, b.tokens + ((now - b.last) * ratePerS) / 1000);
    b.last = now;
  }
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

export class EntryState {
  /**
   * [slot * LIMITS + kind]: tokens and refill time of each bucket; NaN tokens: not created yet
   * (full at first use). Token counts are small (at most a burst) and need no more than
   * Float32's ~7 digits; the refill times are ms since the clock's origin and keep Float64.
   */
  private tokens = new Float32Array(0);
  private last = new Float64Array(0);
  /** The entry's current address token (issued for its listed address) and its epoch; -1: none. */
  private tokenBytes = new Uint8Array(0);
  private tokenEpoch = new Int32Array(0);
  /** The request bucket of the source endpoint a listed entry holds (SourceAccount's, for proven sources). */
  private srcTokens = new Float32Array(0);
  private srcLast = new Float64Array(0);
  /** The newest accepted Register timestamp of the listed id (its replay record); NaN: none. */
  private regTs = new Float64Array(0);

  /** Makes `slot` a fresh entry's: no buckets yet, no token. */
  reset(slot: number): void {
    this.ensure(slot);
    this.tokens.fill(Number.NaN, slot * LIMITS, slot * LIMITS + LIMITS);
    this.tokenEpoch[slot] = -1;
    this.regTs[slot] = Number.NaN;
  }

  /** The replay record of the entry's id (NaN: none). */
  registeredAt(slot: number): number {
    return this.regTs[slot] as number;
  }

  setRegisteredAt(slot: number, ts: number): void {
    this.regTs[slot] = ts;
  }

  /** The source bucket of the entry's endpoint (handed over from, or back to, a SourceAccount). */
  setSource(slot: number, tokens: number, last: number): void {
    this.ensure(slot);
    this.srcTokens[slot] = tokens;
    this.srcLast[slot] = last;
  }

  sourceTokens(slot: number): number {
    return this.srcTokens[slot] as number;
  }

  sourceLast(slot: number): number {
    return this.srcLast[slot] as number;
  }

  /** SourceAccount.touch then take, for a listed source. */
  takeSource(slot: number, now: number, ratePerS: number, burst: number): boolean {
    let tokens = this.srcTokens[slot] as number;
    const last = this.srcLast[slot] as number;
    if (now > last) {
      tokens = Math.min(burst, tokens + ((now - last) * ratePerS) / 1000);
      this.srcLast[slot] = now;
    }
    if (tokens < 1) {
      this.srcTokens[slot] = tokens;
      return false;
    }
    this.srcTokens[slot] = tokens - 1;
    return true;
  }

  /** Hands a bucket over from the identity map when the id gets listed. */
  setBucket(slot: number, kind: LimitKind, b: BucketState): void {
    this.tokens[slot * LIMITS + kind] = b.tokens;
    this.last[slot * LIMITS + kind] = b.last;
  }

  take(slot: number, kind: LimitKind, now: number, ratePerS: number, burst: number): boolean {
    const i = slot * LIMITS + kind;
    let tokens = this.tokens[i] as number;
    const last = this.last[i] as number;
    if (Number.isNaN(tokens)) {
      tokens = burst;
      this.last[i] = now;
    } else if (now > last) {
      tokens = Math.min(burst, tokens + ((now - last) * ratePerS) / 1000);
      this.last[i] = now;
    }
    if (tokens < 1) {
      this.tokens[i] = tokens;
      return false;
    }
    this.tokens[i] = tokens - 1;
    return true;
  }

  /** Remembers the token issued for the entry's listed address in `epoch`. */
  setToken(slot: number, token: Uint8Array, epoch: number): void {
    if (token.length !== DISCOVERY_TOKEN_BYTES) return;
    this.tokenBytes.set(token, slot * DISCOVERY_TOKEN_BYTES);
    this.tokenEpoch[slot] = epoch;
  }

  clearToken(slot: number): void {
    this.tokenEpoch[slot] = -1;
  }

  /** True when `token` is the one remembered for `slot` in `epoch`; constant time in the token's bytes. */
  tokenMatches(slot: number, epoch: number, token: Uint8Array): boolean {
    if (this.tokenEpoch[slot] !== epoch || token.length !== DISCOVERY_TOKEN_BYTES) return false;
    const at = slot * DISCOVERY_TOKEN_BYTES;
    let diff = 0;
    for (let i = 0; i < DISCOVERY_TOKEN_BYTES; i++) diff |= (this.tokenBytes[at + i] as number) ^ (token[i] as number);
    return diff === 0;
  }

  /** The remembered token (a view: copy before keeping it). */
  token(slot: number): Uint8Array {
    return this.tokenBytes.subarray(slot * DISCOVERY_TOKEN_BYTES, (slot + 1) * DISCOVERY_TOKEN_BYTES);
  }

  private ensure(slot: number): void {
    if (slot < this.tokenEpoch.length) return;
    const n = Math.max(1_024, this.tokenEpoch.length * 2, slot + 1);
    this.tokens = grow32(this.tokens, n * LIMITS);
    this.last = grow(this.last, n * LIMITS);
    const bytes = new Uint8Array(n * DISCOVERY_TOKEN_BYTES);
    bytes.set(this.tokenBytes);
    this.tokenBytes = bytes;
    const epochs = new Int32Array(n).fill(-1);
    epochs.set(this.tokenEpoch);
    this.tokenEpoch = epochs;
    this.srcTokens = grow32(this.srcTokens, n);
    this.srcLast = grow(this.srcLast, n);
    this.regTs = grow(this.regTs, n);
  }
}

function grow32(a: Float32Array, n: number): Float32Array<ArrayBuffer> {
  const out = new Float32Array(n);
  out.set(a);
  return out;
}

function grow(a: Float64Array, n: number): Float64Array<ArrayBuffer> {
  const out = new Float64Array(n);
  out.set(a);
  return out;
}
