// What this client tells its discovery servers about its own paths (the operator's view shows
// them; `--no-report` turns it off): its NAT type, and for at most MAX_PATH_CLAIMS peers, the
// most recent first, whether the path is direct, relayed (through which server) or failed
// (with a short reason). Nothing else: no addresses, no names, no message counts. A peer we
// disconnected from is no longer claimed.
//
// The facade tells it what happened; the discovery client sends the current set at once
// when it changed and again with every heartbeat's answer (a restarted server relearns it).
// Sans-IO: it holds the set and a "changed" mark; it sends nothing itself.

import { MAX_PATH_CLAIMS, MAX_PATH_REASON_LENGTH, endpointToString, type Endpoint, type PathClaim } from '../../src/wire.ts';
import type { NatType } from './events.ts';

/** The body of a PathReport without id and token (the discovery client adds them per server). */
export interface ReportBody {
  nat: NatType;
  paths: PathClaim[];
}

/** A reason as the wire accepts it: printable ASCII, bounded (anything else becomes '?'). */
export function sanitizeReason(reason: string): string {
  return reason.replace(/[^\x20-\x7e]/g, '?').slice(0, MAX_PATH_REASON_LENGTH);
}

export class PathReporter {
  /** By peer id, in insertion order: the most recent change last. */
  private readonly claims = new Map<string, PathClaim>();
  private changed = false;

  /** A path to `peerId` is up (or moved): direct, or relayed through `server`. */
  connected(peerId: string, via: { kind: 'direct' } | { kind: 'relay'; server: Endpoint }): void {
    const before = this.claims.get(peerId);
    const relay = via.kind === 'relay' ? endpointToString(via.server) : undefined;
    const outcome = via.kind;
    if (before && before.outcome === outcome && before.relay === relay) return;
    this.set(peerId, { peer: peerId, outcome, ...(relay !== undefined ? { relay } : {}) });
  }

  failed(peerId: string, reason: string): void {
    this.set(peerId, { peer: peerId, outcome: 'failed', reason: sanitizeReason(reason) });
  }

  /** The conversation ended: the path is no longer claimed. */
  disconnected(peerId: string): void {
    if (this.claims.delete(peerId)) this.changed = true;
  }

  /** True once after a change (the facade sends a report at once). */
  takeChanged(): boolean {
    const c = this.changed;
    this.changed = false;
    return c;
  }

  /**
   * The current set, the most recent MAX_PATH_CLAIMS claims. A claim's `since` is the wall
   * clock of the first report that carries it (reports go out at once on a change).
   */
  body(nat: NatType, wallNow: number): ReportBody {
    for (const c of this.claims.values()) c.since ??= Math.floor(wallNow);
    const all = [...this.claims.values()];
    return { nat, paths: all.slice(Math.max(0, all.length - MAX_PATH_CLAIMS)).map((c) => ({ ...c })) };
  }

  private set(peerId: string, claim: PathClaim): void {
    this.claims.delete(peerId); // re-inserted last: the most recent
    this.claims.set(peerId, claim);
    // Bounded: older claims than the wire carries are forgotten.
    while (this.claims.size > MAX_PATH_CLAIMS) this.claims.delete(this.claims.keys().next().value as string);
    this.changed = true;
  }
}
