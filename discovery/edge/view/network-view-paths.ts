// The pairs of peers as the views show them: the claims both ends made (their latest path
// reports, merged across the servers of the process), what the servers saw happen between
// them (introductions) and the outcomes the ends reported over time. A path is shown only when
// at least one end claims one; it is `confirmed` when both ends claim the same way (same via,
// same relaying server), one-sided otherwise. Claims are never evidence of anything else.

import type { PathClaimView } from '../../core/server-events.ts';
import type { PathView } from './network-state.ts';

/** Two introduction events for one pair this close together are one (the servers of a process, and retries). */
export const INTRODUCTION_DEDUP_MS = 1_000;

/** One end's latest claim about its path to a peer. */
export interface HeldClaim {
  claim: PathClaimView;
  /** Wall-clock ms the view got the report holding it. */
  at: number;
}

interface PairStats {
  introductions: number;
  lastIntroductionAt: number;
  outcomes: { direct: number; relay: number; failed: number };
  lastFailure?: string;
  /** The current path's signature (via and server) and since when it holds. */
  current?: { sig: string; since: number };
}

export const pairKey = (x: string, y: string): string => (x < y ? `${x} ${y}` : `${y} ${x}`);

const claimSig = (c: PathClaimView): string => `${c.outcome}|${c.relayServer ?? ''}`;

export class PairBook {
  private readonly pairs = new Map<string, PairStats>();
  /** The last outcome counted per pair. */
  private readonly counted = new Map<string, string>();

  private stats(key: string): PairStats {
    let s = this.pairs.get(key);
    if (!s) {
      s = { introductions: 0, lastIntroductionAt: -Infinity, outcomes: { direct: 0, relay: 0, failed: 0 } };
      this.pairs.set(key, s);
    }
    return s;
  }

  /** A server introduced `from` to `to` (one Connect is seen by every server it was sent to). */
  introduction(from: string, to: string, now: number): void {
    const s = this.stats(pairKey(from, to));
    if (now - s.lastIntroductionAt < INTRODUCTION_DEDUP_MS) return;
    s.introductions++;
    s.lastIntroductionAt = now;
  }

  /**
   * `from` reported a changed claim about `peer`. Counted once per change of the pair's path:
   * the same change arrives from every server of the process, and from both ends.
   */
  outcome(from: string, peer: string, outcome: PathClaimView['outcome'], relayServer: string | undefined, reason: string | undefined): void {
    const sig = `${outcome}|${relayServer ?? ''}|${reason ?? ''}`;
    const key = pairKey(from, peer);
    if (this.counted.get(key) === sig) return;
    this.counted.set(key, sig);
    const s = this.stats(key);
    s.outcomes[outcome]++;
    if (outcome === 'failed' && reason !== undefined) s.lastFailure = reason;
  }

  /**
   * The paths between registered clients, from each end's latest claims (`claims`: from → peer →
   * claim). Forgets what it kept about pairs with an end no longer registered (bounded memory).
   */
  paths(claims: Map<string, Map<string, HeldClaim>>, registered: Set<string>, now: number): PathView[] {
    const out = new Map<string, PathView>();
    for (const [from, mine] of claims) {
      if (!registered.has(from)) continue;
      for (const [to, held] of mine) {
        if (!registered.has(to) || to === from) continue;
        const key = pairKey(from, to);
        if (out.has(key)) continue;
        out.set(key, this.path(key, held, claims.get(to)?.get(from), now));
      }
    }
    for (const key of this.pairs.keys()) {
      const [a = '', b = ''] = key.split(' ');
      if (!registered.has(a) || !registered.has(b)) this.pairs.delete(key);
    }
    for (const key of this.counted.keys()) {
      const [a = '', b = ''] = key.split(' ');
      if (!registered.has(a) || !registered.has(b)) this.counted.delete(key);
    }
    return [...out.values()].sort((x, y) => (x.a + x.b < y.a + y.b ? -1 : 1));
  }

  private path(key: string, mine: HeldClaim, theirs: HeldClaim | undefined, now: number): PathView {
    const [a = '', b = ''] = key.split(' ');
    const confirmed = theirs !== undefined && claimSig(theirs.claim) === claimSig(mine.claim);
    // One-sided or disagreeing: show the claim that says the pair talks (a failure on one side
    // while the other side talks is the older news), else the latest.
    let shown = mine;
    if (theirs && !confirmed) {
      const talks = (h: HeldClaim): boolean => h.claim.outcome !== 'failed';
      if (talks(theirs) !== talks(mine)) shown = talks(theirs) ? theirs : mine;
      else if (theirs.at > mine.at) shown = theirs;
    }
    const c = shown.claim;
    const s = this.stats(key);
    const sig = claimSig(c);
    if (s.current?.sig !== sig) {
      // The client's own `since` when it is plausible (a claim: never in the future), else now.
      const since = c.since !== undefined && c.since <= now ? c.since : now;
      s.current = { sig, since };
    }
    return {
      a,
      b,
      via: c.outcome,
      ...(c.outcome === 'relay' && c.relayServer !== undefined ? { server: c.relayServer } : {}),
      confirmed,
      since: s.current.since,
      introductions: s.introductions,
      outcomes: { ...s.outcomes },
      ...(c.outcome === 'failed' && c.reason !== undefined ? { lastFailure: c.reason } : s.lastFailure !== undefined ? { lastFailure: s.lastFailure } : {}),
    };
  }
}
