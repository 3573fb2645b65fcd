// Who asked to reach whom: the relay forwards A -> B only while both have asked for the other
// within RELAY_CONSENT_MS (A sent a Connect for B or a Relay to B, and B for A). Without it any
// registered client could pour relayed datagrams on any listed peer who never agreed. Two
// peers that punch each other both ask: the requester with its Connect, the introduced side
// with its own relay probes (the client falls back to the relay from both ends), so the first
// relayed datagrams of the side that starts first are dropped until the other side joins.
//
// Records live in a capped LRU map keyed "asker>target"; every Relay refreshes its own, so an
// active pair stays at the fresh end, and the sweep drops records older than the window.

import { MAX_RELAY_CONSENTS, RELAY_CONSENT_MS } from '../../src/constants.ts';
import { BoundedMap } from '../data/bounded-map.ts';

export class RelayConsent {
  /** When each asker last asked for each target, oldest first. */
  private readonly asked: BoundedMap<string, number>;

  constructor(
    readonly windowMs = RELAY_CONSENT_MS,
    capacity = MAX_RELAY_CONSENTS,
  ) {
    this.asked = new BoundedMap(capacity);
  }

  get size(): number {
    return this.asked.size;
  }

  /** `asker` asked to reach `target` now (a Connect, or a Relay attempt). */
  ask(asker: string, target: string, now: number): void {
    this.asked.set(`${asker}>${target}`, now);
  }

  /** True when `asker` asked for `target` within the window. */
  hasAsked(asker: string, target: string, now: number): boolean {
    const at = this.asked.peek(`${asker}>${target}`);
    return at !== undefined && now - at <= this.windowMs;
  }

  /** Forgets the records older than the window (oldest first: each ask moves its record to the end). */
  sweep(now: number): void {
    this.asked.sweepOldest((at) => now - at > this.windowMs);
  }
}
