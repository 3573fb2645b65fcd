// The network as the operator's views show it (the web page, /status.json, the terminal
// table): servers, clients and the paths between pairs of peers, as plain JSON-able data.
// network-view.ts builds it from the servers' events, snapshots, status probes and the
// clients' path reports; the views only render it.

export type PathVia = 'direct' | 'relay';

export interface Rates {
  /** Per second, averaged over the last 10 s, 1 min and 5 min. */
  r10s: number;
  r1m: number;
  r5m: number;
}

export interface ServerView {
  /** HOST:PORT, as clients are given it. */
  addr: string;
  up: boolean;
  /** ms since the server started (from its status reply); undefined while down. */
  uptimeMs?: number;
  /** ms since epoch of the last status reply. */
  lastSeen?: number;
  clients: number;
  requests: Rates;
  introductions: number;
  relayedSessions: number;
  relayedBytes: number;
  relayedBytesRate: Rates;
  /** Drops by reason, in plain words (the key is the words), since start. */
  drops: Record<string, number>;
  /** Items held for offline recipients (0 until mailboxes exist). */
  mailboxDepth: number;
  /** false for servers of another process (--view-servers): only what the status reply says. */
  local: boolean;
}

export interface ClientView {
  id: string;
  name: string;
  /** First 8 hex of the id. */
  shortId: string;
  fingerprint: string;
  /** The client's own claim (path reports), else what one server can tell ('none' or 'unknown'). */
  nat: string;
  /** HOST:PORT as the first server saw it. */
  observed: string;
  /** The servers (HOST:PORT) it is registered with. */
  servers: string[];
  /** ms since epoch. */
  since: number;
  lastSeen: number;
}

export interface PathView {
  /** The two peer ids, a < b. */
  a: string;
  b: string;
  via: PathVia | 'failed';
  /** For a relayed path: the server (HOST:PORT) relaying it. */
  server?: string;
  /** Both ends reported this path; false: one-sided claim. */
  confirmed: boolean;
  /** ms since epoch the current path holds. */
  since: number;
  introductions: number;
  outcomes: { direct: number; relay: number; failed: number };
  /** The last failure's reason, in plain words. */
  lastFailure?: string;
}

export interface NetworkState {
  servers: ServerView[];
  clients: ClientView[];
  paths: PathView[];
}

/** One change pushed over /events (and to the terminal view): `id` increases by one per change. */
export type NetworkChange =
  | { id: number; kind: 'server'; server: ServerView }
  | { id: number; kind: 'client'; client: ClientView }
  | { id: number; kind: 'client_gone'; clientId: string }
  | { id: number; kind: 'path'; path: PathView }
  | { id: number; kind: 'path_gone'; a: string; b: string }
  /** A line for the event log (already merged across the ports of one process). */
  | { id: number; kind: 'log'; at: number; text: string };
