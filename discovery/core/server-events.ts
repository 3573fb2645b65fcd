// What the discovery server tells its edge: a typed event stream (pollEvent) and, on demand,
// a snapshot of its state. A live view is built on these two, never on log lines.

import type { Endpoint } from '../../src/wire.ts';
import type { RegistryEntry } from './registry.ts';

export type PeerRef = { id: string; name: string; observed: Endpoint };

export const peerRef = (e: RegistryEntry): PeerRef => ({ id: e.id, name: e.name, observed: e.observed });

export type LeaveReason = 'left' | 'expired' | 'replaced';

export type ServerEvent =
  | { type: 'join'; peer: PeerRef }
  /** 'expired': its TTL ran out; 'replaced': another id was proven at its endpoint. */
  | { type: 'leave'; peer: PeerRef; reason: LeaveReason }
  | { type: 'endpoint'; peer: PeerRef; previous: Endpoint }
  | { type: 'rename'; peer: PeerRef; previousName: string }
  /** `from` asked (Connect) to be introduced to `to`; both were sent an Introduce. */
  | { type: 'introduction'; from: PeerRef; to: PeerRef }
  /** The first datagram relayed between a pair (either direction) since it was last idle. */
  | { type: 'relay_start'; from: PeerRef; to: PeerRef }
  /** A relayed pair went idle (nothing relayed either way for the idle time). */
  | { type: 'relay_stop'; pair: RelayPairView }
  /**
   * Datagrams dropped since the last summary, by reason: at most one summary a second, never
   * one event per datagram (the running totals are in stats().drops).
   */
  | { type: 'drops'; counts: Record<string, number>; total: number; sinceMs: number }
  /**
   * A registered client's claim about its path to a peer (sent at once on a change and again
   * in heartbeats; a claim, not evidence: views show a path confirmed only when both ends
   * report it). `relayServer`: HOST:PORT of the relaying server; `nat`: the client's own NAT
   * type; `reason`: why an attempt failed.
   */
  | { type: 'path_report'; from: PeerRef; peerId: string; outcome: 'direct' | 'relay' | 'failed'; relayServer?: string; reason?: string; nat?: string };

export type ServerEventType = ServerEvent['type'];

/** A relayed pair: `a` sent the first relayed datagram. Ids and names as they were then. */
export interface RelayPairView {
  a: { id: string; name: string };
  b: { id: string; name: string };
  since: number;
  lastAt: number;
  datagrams: number;
  bytes: number;
}

export interface AmplificationStats {
  /** Tracked sources that never proved their address. */
  unprovenSources: number;
  bytesIn: number;
  bytesOut: number;
  /** The largest bytesOut / bytesIn of any one of them (natter's rule: at most 1). */
  worstRatio: number;
}

export interface ServerStats {
  online: number;
  version: number;
  datagramsIn: number;
  datagramsOut: number;
  bytesIn: number;
  bytesOut: number;
  relayed: number;
  /** Dropped inputs (and refused outputs) by reason, since start. */
  drops: Record<string, number>;
  /** Sizes of the bounded tables: they must stay under their caps whatever arrives. */
  tracked: { sources: number; identities: number; pending: number };
}

/**
 * 'none': the observed endpoint is one of the entry's own LAN addresses (no NAT between it and
 * the server). Anything else needs more than one server's view: 'unknown' here.
 */
export type NatGuess = 'none' | 'unknown';

export interface EntryView {
  id: string;
  name: string;
  observed: Endpoint;
  lan: Endpoint[];
  nat: NatGuess;
  since: number;
  lastSeen: number;
  /** The client's latest path report (discovery/core/path-reports.ts); absent when it sent none (--no-report). */
  report?: ReportView;
}

/** One path claim of a client, as views read it. */
export interface PathClaimView {
  peerId: string;
  outcome: 'direct' | 'relay' | 'failed';
  /** HOST:PORT of the relaying server. */
  relayServer?: string;
  /** Why the attempt failed (printable ASCII, at most 64 characters). */
  reason?: string;
  /** The client's wall clock, ms, when this path began (a claim like the rest). */
  since?: number;
}

/** A client's latest report: its own NAT claim, its paths, and when the server got it (the server's `now`). */
export interface ReportView {
  nat?: string;
  paths: PathClaimView[];
  at: number;
}

export interface ServerSnapshot {
  entries: EntryView[];
  stats: ServerStats;
  relays: RelayPairView[];
}
