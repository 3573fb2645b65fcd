// Path reports: what a listed client claims about its own paths (its NAT type; per peer,
// direct, relayed through which server, or failed and why). They are claims, not evidence:
// the server only checks that they come from the client they name (the address token of the
// entry listed at the source, the same bar as a Heartbeat), keeps the latest set per client
// and tells what changed (`path_report`, one event per changed claim). Views show a path as
// confirmed only when both ends claim it.
//
// Bounds: one set per listed entry (forgotten with the entry), at most MAX_PATH_CLAIMS claims
// a set (the schema), a per-client bucket like the heartbeat's. Never answered: a report
// earns nothing, so a spoofed one amplifies nothing.

import { HEARTBEAT_BURST } from '../../src/constants.ts';
import { takeToken, type BucketState } from '../../src/token-bucket.ts';
import type { Endpoint, MessageOf, MsgType, PathClaim } from '../../src/wire.ts';
import type { DropSink } from './drop-summary.ts';
import type { RegistryEntry } from './registry.ts';
import { peerRef, type PathClaimView, type ReportView, type ServerEvent } from './server-events.ts';

export type { PathClaimView, ReportView } from './server-events.ts';

/**
 * Reports per client per second: one at each path change and one a heartbeat. A burst for a
 * client that connects to many peers at once.
 */
export const PATH_REPORT_RATE_PER_S = 2;
export const PATH_REPORT_BURST = 2 * HEARTBEAT_BURST;

interface Held {
  nat: string | undefined;
  paths: Map<string, PathClaimView>;
  at: number;
  bucket: BucketState;
}

export interface PathReportsDeps {
  drops: DropSink;
  emit: (event: ServerEvent) => void;
  /** True when `token` is the address token of `entry` at `from` (registration.ts holdsToken). */
  holdsToken: (entry: RegistryEntry, from: Endpoint, token: Uint8Array, now: number) => boolean;
}

const claimView = (c: PathClaim): PathClaimView => ({
  peerId: c.peer,
  outcome: c.outcome,
  ...(c.relay !== undefined ? { relayServer: c.relay } : {}),
  ...(c.reason !== undefined ? { reason: c.reason } : {}),
  ...(c.since !== undefined ? { since: c.since } : {}),
});

const sameClaim = (x: PathClaimView, y: PathClaimView): boolean => x.outcome === y.outcome && x.relayServer === y.relayServer && x.reason === y.reason;

/** Why a set of claims is refused as a whole (the schema checked each field already). */
function refusal(id: string, paths: readonly PathClaim[]): string | undefined {
  const peers = new Set<string>();
  for (const c of paths) {
    if (c.peer === id) return 'report-self-claim';
    if (peers.has(c.peer)) return 'report-duplicate-peer';
    peers.add(c.peer);
    // A relay is named only for a relayed path, a reason only for a failed one.
    if ((c.relay !== undefined) !== (c.outcome === 'relay') || (c.reason !== undefined && c.outcome !== 'failed')) return 'report-bad-claim';
  }
  return undefined;
}

export class PathReports {
  private readonly byId = new Map<string, Held>();

  constructor(private readonly deps: PathReportsDeps) {}

  get size(): number {
    return this.byId.size;
  }

  /** `listed`: the entry listed at `from`, if any. */
  onReport(msg: MessageOf<typeof MsgType.PathReport>, from: Endpoint, listed: RegistryEntry | undefined, now: number): void {
    const { drops, emit, holdsToken } = this.deps;
    if (listed === undefined || listed.id !== msg.id) {
      drops.add('report-not-listed');
      return;
    }
    if (!holdsToken(listed, from, msg.token, now)) {
      drops.add('report-bad-token');
      return;
    }
    const bad = refusal(msg.id, msg.paths);
    if (bad !== undefined) {
      drops.add(bad);
      return;
    }
    let held = this.byId.get(msg.id);
    if (held === undefined) {
      held = { nat: undefined, paths: new Map(), at: now, bucket: { tokens: PATH_REPORT_BURST, last: now } };
      this.byId.set(msg.id, held);
    }
    if (!takeToken(held.bucket, now, PATH_REPORT_RATE_PER_S, PATH_REPORT_BURST)) {
      drops.add('report-rate-limited');
      return;
    }
    const next = new Map<string, PathClaimView>();
    for (const c of msg.paths) next.set(c.peer, claimView(c));
    const nat = msg.nat;
    const who = peerRef(listed);
    for (const [peerId, claim] of next) {
      const before = held.paths.get(peerId);
      // Unchanged (a heartbeat repeating the set): nothing to tell. A new NAT claim is told with every path.
      if (before !== undefined && sameClaim(before, claim) && held.nat === nat) continue;
      emit({
        type: 'path_report',
        from: who,
        peerId,
        outcome: claim.outcome,
        ...(claim.relayServer !== undefined ? { relayServer: claim.relayServer } : {}),
        ...(claim.reason !== undefined ? { reason: claim.reason } : {}),
        ...(nat !== undefined ? { nat } : {}),
      });
    }
    held.nat = nat;
    held.paths = next;
    held.at = now;
  }

  /** The latest report of `id`, as plain data; undefined when it sent none. */
  reportOf(id: string): ReportView | undefined {
    const held = this.byId.get(id);
    if (held === undefined) return undefined;
    return { ...(held.nat !== undefined ? { nat: held.nat } : {}), paths: [...held.paths.values()].map((c) => ({ ...c })), at: held.at };
  }

  /** The entry of `id` is gone (left, expired, replaced): so are its claims. */
  forget(id: string): void {
    this.byId.delete(id);
  }
}
