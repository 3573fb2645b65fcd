// Token buckets driven by `now` (no timers): `ratePerS` tokens a second, at most `burst` saved.
// One refill rule for every bucket in natter, whatever holds its two numbers: this class,
// a plain { tokens, last } object (takeToken), or typed-array columns (refilled).

/** Tokens after refilling from `last` to `now`. A clock that goes backwards refills nothing. */
export function refilled(tokens: number, last: number, now: number, ratePerS: number, burst: number): number {
  return now > last ? Math.min(burst, tokens + ((now - last) * ratePerS) / 1000) : tokens;
}

/** A bucket as two numbers: its tokens, and the time they were last refilled to. */
export interface BucketState {
  tokens: number;
  last: number;
}

/** Refills `b` to `now` and takes one token if there is one. */
export function takeToken(b: BucketState, now: number, ratePerS: number, burst: number): boolean {
  b.tokens = refilled(b.tokens, b.last, now, ratePerS, burst);
  if (now > b.last) b.last = now;
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

export class TokenBucket {
  private readonly state: BucketState;

  constructor(
    private readonly ratePerS: number,
    private readonly burst: number,
    now: number,
  ) {
    this.state = { tokens: burst, last: now };
  }

  /** Takes one token if there is one. */
  take(now: number): boolean {
    return takeToken(this.state, now, this.ratePerS, this.burst);
  }
}
