// Who asked to reach whom: the relay forwards A -> B only while both have asked for the other
// within RELAY_CONSENT_MS (A sent a Connect for B or a Relay to B, and B for A). Without it any
// registered client could pour relayed datagrams on any listed peer who never agreed. Two
// peers that punch each other both ask: the requester with its Connect, the introduced side
// with its own relay probes (the client falls back to the relay from both ends), so the first
// relayed datagrams of the side that starts first are dropped until the other side joins.
//
// Records live in capped LRU maps keyed "asker>target"; every Relay refreshes its own, so an
// active pair stays at the fresh end, and the sweep drops records older than the window.
// Asking by a Relay the target never asked for (so not forwarded) is kept apart, in a smaller
// map: a sender pouring relays on every listed id (200/s per identity) only churns that map,
// and cannot push established pairs or recent Connects out of the main one.

import { MAX_RELAY_CONSENTS, RELAY_CONSENT_MS } from '../../src/constants.ts';
import { BoundedMap } from '../data/bounded-map.ts';

export class RelayConsent {
  /** When each asker last asked for each target (a Connect, or a forwarded Relay), oldest first. */
  private readonly asked: BoundedMap<string, number>;
  /** The same for Relays the target had not asked for: unanswered, so kept apart. */
  private readonly unanswered: BoundedMap<string, number>;

  constructor(
    readonly windowMs = RELAY_CONSENT_MS,
    capacity = MAX_RELAY_CONSENTS,
  ) {
    this.asked = new BoundedMap(capacity);
    this.unanswered = new BoundedMap(Math.max(1, Math.floor(capacity / 4)));
  }

  get size(): number {
    return this.asked.size + this.unanswered.size;
  }

  /** `asker` asked to reach `target` now: a Connect, or a Relay the target had asked for (answered). */
  ask(asker: string, target: string, now: number): void {
    const key = `${asker}>${target}`;
    this.unanswered.delete(key);
    this.asked.set(key, now);
  }

  /** `asker` relayed to `target`, who had not asked for it: asking too, but unanswered so far. */
  askUnanswered(asker: string, target: string, now: number): void {
    this.unanswered.set(`${asker}>${target}`, now);
  }

  /** True when `asker` asked for `target` within the window. */
  hasAsked(asker: string, target: string, now: number): boolean {
    const key = `${asker}>${target}`;
    const at = this.asked.peek(key) ?? this.unanswered.peek(key);
    return at !== undefined && now - at <= this.windowMs;
  }

  /** Forgets the records older than the window (oldest first: each ask moves its record to the end). */
  sweep(now: number): void {
    this.asked.sweepOldest((at) => now - at > this.windowMs);
    this.unanswered.sweepOldest((at) => now - at > this.windowMs);
  }
}
