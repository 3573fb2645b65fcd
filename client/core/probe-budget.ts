// How many Punch probes this client sends to one address, whichever conversations ask: a token
// bucket per address (PROBES_PER_ADDRESS_BURST, then PROBES_PER_ADDRESS_PER_S). A whole honest
// punch attempt to a candidate fits in the burst; but no number of introductions, forged
// Punches or restarts makes us a reflector aimed at one third party. The buckets are bounded
// (the oldest forgotten first), so claimed addresses cannot grow memory either.

import { MAX_PROBE_BUDGETS, PROBES_PER_ADDRESS_BURST, PROBES_PER_ADDRESS_PER_S } from '../../src/constants.ts';
import { endpointKey } from '../../src/address.ts';
import { takeToken, type BucketState } from '../../src/token-bucket.ts';
import type { Endpoint } from '../../src/wire.ts';

export class ProbeBudget {
  private readonly buckets = new Map<string, BucketState>();

  /** Takes one probe to `addr` from its budget; false when it is spent. */
  take(addr: Endpoint, now: number): boolean {
    const key = endpointKey(addr);
    let b = this.buckets.get(key);
    if (b) {
      // Most recently used last: eviction takes the address probed longest ago.
      this.buckets.delete(key);
    } else {
      if (this.buckets.size >= MAX_PROBE_BUDGETS) this.buckets.delete(this.buckets.keys().next().value as string);
      b = { tokens: PROBES_PER_ADDRESS_BURST, last: now };
    }
    this.buckets.set(key, b);
    return takeToken(b, now, PROBES_PER_ADDRESS_PER_S, PROBES_PER_ADDRESS_BURST);
  }
}
