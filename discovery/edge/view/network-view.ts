// The network as one process sees it, for the operator's views: NetworkState (what
// /status.json returns and the pages render) and the stream of NetworkChanges (what /events
// pushes), numbered and kept in a bounded ring so a reconnecting page resumes without loss.
//
// Inputs, all with the wall-clock `now` (ms) so unit tests drive it with a fake clock:
// - observe(): the servers' events (introductions and path-outcome changes are counted here;
//   the merged event log comes in through log());
// - setStatus(): the status probe's answers (up/down and every server figure, local or not);
// - sample(): once a second, the counters behind the 10 s / 1 min / 5 min rates;
// - refresh(): rebuilds the state from the servers' snapshots and pushes one change per
//   server, client or path that differs from what was last pushed (so the stream and the
//   state can never disagree).

import { endpointToString } from '../../../src/wire.ts';
import type { ServerEvent, ServerSnapshot } from '../../core/server-events.ts';
import type { StatusReply } from '../../core/status.ts';
import { dropWords } from './drop-words.ts';
import type { ClientView, NetworkChange, NetworkState, Rates, ServerView } from './network-state.ts';
import { PairBook, type HeldClaim } from './network-view-paths.ts';

export interface LocalSource {
  /** HOST:PORT as clients are given it. */
  addr: string;
  snapshot(): ServerSnapshot;
}

export interface ServerStatusInput {
  up: boolean;
  reply?: StatusReply;
  /** Wall-clock ms of the last believed reply. */
  lastSeen?: number;
}

export interface NetworkViewOptions {
  local: readonly LocalSource[];
  /** Every server shown, HOST:PORT (the local ones and --view-servers). */
  shown: readonly string[];
  /** Changes kept for Last-Event-ID resumption. Default 2,000. */
  ringSize?: number;
  /** Log lines kept for a fresh page. Default 50. */
  logKept?: number;
  /** A snapshot's time (the server's monotonic `now`) as wall-clock ms. Default: performance.timeOrigin + t. */
  toWall?: (t: number) => number;
}

type Change = NetworkChange;
type ChangeBody = Change extends infer C ? (C extends { id: number } ? Omit<C, 'id'> : never) : never;

/** Counter samples kept per server: 5 min at one a second, and one more. */
const SAMPLES_KEPT = 301;
const RATE_WINDOWS = { r10s: 10_000, r1m: 60_000, r5m: 300_000 } as const;

interface Sample {
  at: number;
  requests: number;
  relayedBytes: number;
}

export class NetworkView {
  private readonly local: readonly LocalSource[];
  private readonly shown: readonly string[];
  private readonly ringSize: number;
  private readonly logKept: number;
  private readonly toWall: (t: number) => number;
  private readonly statuses = new Map<string, ServerStatusInput>();
  private readonly samples = new Map<string, Sample[]>();
  private readonly pairs = new PairBook();
  private readonly ring: Change[] = [];
  private readonly logs: Extract<Change, { kind: 'log' }>[] = [];
  private readonly listeners = new Set<(c: Change) => void>();
  /** What was last pushed, per entity, as JSON: the diff base. */
  private readonly pushed = { servers: new Map<string, string>(), clients: new Map<string, string>(), paths: new Map<string, string>() };
  private current: NetworkState = { servers: [], clients: [], paths: [] };
  private nextId = 1;

  constructor(options: NetworkViewOptions) {
    this.local = options.local;
    this.shown = options.shown;
    this.ringSize = options.ringSize ?? 2_000;
    this.logKept = options.logKept ?? 50;
    this.toWall = options.toWall ?? ((t) => Math.floor(performance.timeOrigin + t));
  }

  /** A server event (from any server of the process). */
  observe(ev: ServerEvent, now: number): void {
    if (ev.type === 'introduction') this.pairs.introduction(ev.from.id, ev.to.id, now);
    else if (ev.type === 'path_report') this.pairs.outcome(ev.from.id, ev.peerId, ev.outcome, ev.relayServer, ev.reason);
  }

  setStatus(addr: string, status: ServerStatusInput): void {
    this.statuses.set(addr, status);
  }

  /** Records each server's counters from its last reply; call once a second. */
  sample(now: number): void {
    for (const addr of this.shown) {
      const reply = this.statuses.get(addr)?.reply;
      if (!reply) continue;
      const list = this.samples.get(addr) ?? [];
      list.push({ at: now, requests: reply.requests, relayedBytes: reply.relayedBytes });
      if (list.length > SAMPLES_KEPT) list.shift();
      this.samples.set(addr, list);
    }
  }

  /** A line of the merged event log. */
  log(text: string, at: number): void {
    const change = this.push({ kind: 'log', at, text }) as Extract<Change, { kind: 'log' }>;
    this.logs.push(change);
    if (this.logs.length > this.logKept) this.logs.shift();
  }

  /** Rebuilds the state and pushes a change for every server, client and path that differs. */
  refresh(now: number): void {
    const next = this.build(now);
    this.diff(this.pushed.servers, next.servers, (s) => s.addr, (server) => ({ kind: 'server', server }), undefined);
    this.diff(this.pushed.clients, next.clients, (c) => c.id, (client) => ({ kind: 'client', client }), (clientId) => ({ kind: 'client_gone', clientId }));
    this.diff(this.pushed.paths, next.paths, (p) => `${p.a} ${p.b}`, (path) => ({ kind: 'path', path }), (key) => {
      const [a = '', b = ''] = key.split(' ');
      return { kind: 'path_gone', a, b };
    });
    this.current = next;
  }

  /** The state as of the last refresh(). */
  state(): NetworkState {
    return this.current;
  }

  /** The id of the last change pushed (0: none yet). */
  lastId(): number {
    return this.nextId - 1;
  }

  /** The recent log lines, oldest first (for a page that just connected). */
  recentLog(): readonly Extract<Change, { kind: 'log' }>[] {
    return this.logs;
  }

  /** Every change after `id`, oldest first; undefined when some of them left the ring (send the full state). */
  changesAfter(id: number): Change[] | undefined {
    if (!Number.isInteger(id) || id < 0 || id > this.lastId()) return undefined;
    const first = this.ring[0]?.id ?? this.nextId;
    if (id + 1 < first) return undefined;
    return this.ring.slice(id + 1 - first);
  }

  onChange(listener: (c: Change) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private push(body: ChangeBody): Change {
    const change = { id: this.nextId++, ...body } as Change;
    this.ring.push(change);
    if (this.ring.length > this.ringSize) this.ring.shift();
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // A slow or broken page must not stop the others.
      }
    }
    return change;
  }

  private diff<T>(base: Map<string, string>, items: T[], keyOf: (x: T) => string, changed: (x: T) => ChangeBody, gone: ((key: string) => ChangeBody) | undefined): void {
    const seen = new Set<string>();
    for (const item of items) {
      const key = keyOf(item);
      seen.add(key);
      const json = JSON.stringify(item);
      if (base.get(key) === json) continue;
      base.set(key, json);
      this.push(changed(item));
    }
    for (const key of [...base.keys()]) {
      if (seen.has(key)) continue;
      base.delete(key);
      if (gone) this.push(gone(key));
    }
  }

  private build(now: number): NetworkState {
    const clients = new Map<string, ClientView>();
    const claims = new Map<string, Map<string, HeldClaim>>();
    const claimAt = new Map<string, number>();
    for (const src of this.local) {
      for (const e of src.snapshot().entries) {
        const since = this.toWall(e.since);
        const lastSeen = this.toWall(e.lastSeen);
        const c = clients.get(e.id);
        if (c) {
          c.servers.push(src.addr);
          c.since = Math.min(c.since, since);
          c.lastSeen = Math.max(c.lastSeen, lastSeen);
          if (e.report?.nat !== undefined) c.nat = e.report.nat;
        } else {
          clients.set(e.id, {
            id: e.id,
            name: e.name,
            shortId: e.id.slice(0, 8),
            // The id is the hash of the key: its first 64 bits are the fingerprint clients show.
            fingerprint: (e.id.slice(0, 16).match(/.{1,4}/g) ?? []).join('-'),
            nat: e.report?.nat ?? e.nat,
            observed: endpointToString(e.observed),
            servers: [src.addr],
            since,
            lastSeen,
          });
        }
        // The same client reports to every server: its latest report wins.
        if (e.report && e.report.at > (claimAt.get(e.id) ?? -Infinity)) {
          claimAt.set(e.id, e.report.at);
          const at = this.toWall(e.report.at);
          claims.set(e.id, new Map(e.report.paths.map((claim) => [claim.peerId, { claim, at }])));
        }
      }
    }
    const list = [...clients.values()].sort((x, y) => (x.id < y.id ? -1 : 1));
    return {
      servers: this.shown.map((addr) => this.server(addr)),
      clients: list,
      paths: this.pairs.paths(claims, new Set(clients.keys()), now),
    };
  }

  private rates(addr: string, field: 'requests' | 'relayedBytes'): Rates {
    const list = this.samples.get(addr) ?? [];
    const last = list.at(-1);
    const over = (ms: number): number => {
      if (!last) return 0;
      const first = list.find((s) => s.at >= last.at - ms) ?? last;
      // Counters restart with their server: a negative difference is a restart, not a rate.
      const diff = last[field] - first[field];
      return last.at > first.at && diff > 0 ? Math.round((diff * 1000 * 10) / (last.at - first.at)) / 10 : 0;
    };
    return { r10s: over(RATE_WINDOWS.r10s), r1m: over(RATE_WINDOWS.r1m), r5m: over(RATE_WINDOWS.r5m) };
  }

  private server(addr: string): ServerView {
    const st = this.statuses.get(addr);
    const r = st?.reply;
    const drops: Record<string, number> = {};
    for (const [reason, n] of r?.drops ?? []) {
      const words = dropWords(reason);
      drops[words] = (drops[words] ?? 0) + n;
    }
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
      local: this.local.some((s) => s.addr === addr),
    };
  }
}
