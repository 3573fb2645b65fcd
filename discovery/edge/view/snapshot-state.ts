// A NetworkState from what one process can read directly: its servers' snapshots and the
// status probe's answers (for servers of this process and others). The terminal view renders
// it when the full NetworkView (network-view.ts: event history, outcome counts) is not given.
// Rates come from samples of the counters taken by sample() once a second.

import { endpointToString } from '../../../src/wire.ts';
import type { ServerSnapshot } from '../../core/server-events.ts';
import type { StatusReply } from '../../core/status.ts';
import { dropWords } from './drop-words.ts';
import type { ClientView, NetworkState, PathView, Rates, ServerView } from './network-state.ts';

export interface LocalServer {
  /** HOST:PORT as clients are given it. */
  addr: string;
  snapshot(): ServerSnapshot;
}

/** A server edge's `now` (monotonic, performance.now() of this process) as wall-clock ms. */
const wall = (now: number): number => Math.floor(performance.timeOrigin + now);

type Status = { up: boolean; reply?: StatusReply; lastSeen?: number };

/** Samples kept: 5 min at one a second. */
const SAMPLES_KEPT = 301;

export class SnapshotState {
  private readonly samples = new Map<string, { at: number; requests: number; relayedBytes: number }[]>();
  private readonly statuses = new Map<string, Status>();

  constructor(
    private readonly local: readonly LocalServer[],
    /** Every server shown (local ones first), HOST:PORT. */
    private readonly shown: readonly string[],
  ) {}

  setStatus(addr: string, status: Status): void {
    this.statuses.set(addr, status);
  }

  /** Records each server's counters (from its last status reply); call once a second. */
  sample(nowMs: number): void {
    for (const addr of this.shown) {
      const reply = this.statuses.get(addr)?.reply;
      if (!reply) continue;
      const list = this.samples.get(addr) ?? [];
      list.push({ at: nowMs, requests: reply.requests, relayedBytes: reply.relayedBytes });
      if (list.length > SAMPLES_KEPT) list.shift();
      this.samples.set(addr, list);
    }
  }

  state(): NetworkState {
    const snaps = this.local.map((s) => ({ addr: s.addr, snap: s.snapshot() }));
    return { servers: this.shown.map((addr) => this.server(addr)), ...this.clientsAndPaths(snaps) };
  }

  private rates(addr: string, field: 'requests' | 'relayedBytes'): Rates {
    const list = this.samples.get(addr) ?? [];
    const last = list.at(-1);
    const over = (ms: number): number => {
      if (!last) return 0;
      const first = list.find((s) => s.at >= last.at - ms) ?? last;
      return last.at > first.at ? ((last[field] - first[field]) * 1000) / (last.at - first.at) : 0;
    };
    return { r10s: over(10_000), r1m: over(60_000), r5m: over(300_000) };
  }

  private server(addr: string): ServerView {
    const st = this.statuses.get(addr);
    const r = st?.reply;
    const local = this.local.some((s) => s.addr === addr);
    const drops: Record<string, number> = {};
    for (const [reason, n] of r?.drops ?? []) drops[dropWords(reason)] = (drops[dropWords(reason)] ?? 0) + n;
    return {
      addr,
      up: st?.up ?? false,
      ...(st?.up && r ? { uptimeMs: r.uptimeMs } : {}),
      ...(st?.lastSeen !== undefined ? { lastSeen: st.lastSeen } : {}),
      clients: r?.clients ?? 0,
      requests: this.rates(addr, 'requests'),
      introductions: r?.introductions ?? 0,
      relayedSessions: r?.relayedSessions ?? 0,
      relayedBytes: r?.relayedBytes ?? 0,
      relayedBytesRate: this.rates(addr, 'relayedBytes'),
      drops,
      mailboxDepth: r?.mailboxDepth ?? 0,
      local,
    };
  }

  private clientsAndPaths(snaps: { addr: string; snap: ServerSnapshot }[]): { clients: ClientView[]; paths: PathView[] } {
    const clients = new Map<string, ClientView>();
    const claims = new Map<string, Map<string, { via: PathView['via']; server?: string; since: number; reason?: string }>>();
    for (const { addr, snap } of snaps) {
      for (const e of snap.entries) {
        const c = clients.get(e.id);
        if (c) {
          c.servers.push(addr);
          c.since = Math.min(c.since, wall(e.since));
          c.lastSeen = Math.max(c.lastSeen, wall(e.lastSeen));
        } else {
          const observed = endpointToString(e.observed);
          clients.set(e.id, { id: e.id, name: e.name, shortId: e.id.slice(0, 8), fingerprint: e.id.slice(0, 16).replace(/(.{4})(?=.)/g, '$1 '), nat: e.report?.nat ?? e.nat, observed, servers: [addr], since: wall(e.since), lastSeen: wall(e.lastSeen) });
        }
        if (e.report && !claims.has(e.id)) {
          const mine = new Map<string, { via: PathView['via']; server?: string; since: number; reason?: string }>();
          for (const p of e.report.paths) {
            mine.set(p.peerId, { via: p.outcome, ...(p.relayServer ? { server: p.relayServer } : {}), since: p.since ?? wall(e.report.at), ...(p.reason ? { reason: p.reason } : {}) });
          }
          claims.set(e.id, mine);
        }
      }
    }
    const paths = new Map<string, PathView>();
    for (const [from, mine] of claims) {
      for (const [to, claim] of mine) {
        const [a, b] = from < to ? [from, to] : [to, from];
        const key = `${a} ${b}`;
        const other = claims.get(to)?.get(from);
        const confirmed = other !== undefined && other.via === claim.via && other.server === claim.server;
        if (paths.has(key) && !confirmed) continue;
        paths.set(key, {
          a,
          b,
          via: claim.via,
          ...(claim.server ? { server: claim.server } : {}),
          confirmed,
          since: claim.since,
          introductions: 0,
          outcomes: { direct: 0, relay: 0, failed: 0 },
          ...(claim.reason ? { lastFailure: claim.reason } : {}),
        });
      }
    }
    return { clients: [...clients.values()], paths: [...paths.values()] };
  }
}
