// Who is online: the seam between the server's protocol rules and where the entries live.
// MemoryRegistry (discovery/data/memory-registry.ts) is the one implementation today; a
// Redis-backed one can stand behind the same interface (a local cache fed from Redis, see
// docs/MANUAL.md), because nothing here is in-process only: entries are values, and the
// server's per-entry numbers sit behind `local`, which each server keeps for itself.

import type { Endpoint, PeerSummary } from '../../src/wire.ts';

export interface RegistryEntry {
  readonly id: string;
  readonly name: string;
  readonly lan: readonly Endpoint[];
  /** The source address:port of the client's datagrams, as the server sees it (STUN's reflexive address). */
  readonly observed: Endpoint;
  /** When the entry was listed (this id's current entry; a move or a rename keeps it). */
  readonly since: number;
  /** Kept up to date while the entry is listed (a removed entry's is not kept: read it before removing). */
  readonly lastSeen: number;
}

export type RegistryInput = Omit<RegistryEntry, 'lastSeen' | 'since'>;

export interface UpsertResult {
  readonly entry: RegistryEntry;
  readonly isNew: boolean;
  readonly endpointChanged: boolean;
  readonly previousObserved?: Endpoint;
  readonly renamed: boolean;
  readonly previousName?: string;
  /** Another id that held this observed endpoint: one socket is one client, so it is gone. */
  readonly displaced?: RegistryEntry;
}

export interface Page {
  readonly ver: number;
  readonly peers: PeerSummary[];
  /** Present when more peers follow: the cursor for the next ListPeers. */
  readonly next?: string;
  readonly total: number;
}

/** How many token buckets `EntryLocals` keeps per entry (the server's rate-limit kinds). */
export const ENTRY_BUCKETS = 5;

/**
 * This server's own numbers about each listed entry: its rate-limit buckets, the address token
 * it issued to the entry's endpoint, and the id's replay record (newest accepted Register
 * timestamp). They live and die with the entry: a newly listed entry starts with none (every
 * bucket full at first use, no token, NaN timestamp). A removed entry's (from remove, expire,
 * or an upsert's `displaced`) stay readable until the next upsert. Never shared between
 * servers: a shared registry keeps them in its local cache.
 */
export interface EntryLocals {
  /** Takes one token from bucket `bucket` (0 .. ENTRY_BUCKETS-1) of a listed entry. */
  take(entry: RegistryEntry, bucket: number, now: number, ratePerS: number, burst: number): boolean;
  setBucket(entry: RegistryEntry, bucket: number, tokens: number, last: number): void;
  /** NaN when the bucket was never used. */
  bucketTokens(entry: RegistryEntry, bucket: number): number;
  bucketLast(entry: RegistryEntry, bucket: number): number;
  /** Remembers the token issued for the entry's listed endpoint in `epoch`. */
  setToken(entry: RegistryEntry, token: Uint8Array, epoch: number): void;
  clearToken(entry: RegistryEntry): void;
  /** True when `token` is the one remembered for the entry in `epoch` (constant time). */
  tokenMatches(entry: RegistryEntry, epoch: number, token: Uint8Array): boolean;
  /** The remembered token (a view: copy before keeping it). Only meaningful after tokenMatches. */
  token(entry: RegistryEntry): Uint8Array;
  /** The id's replay record; NaN: none. */
  registeredAt(entry: RegistryEntry): number;
  setRegisteredAt(entry: RegistryEntry, ts: number): void;
}

export interface Registry {
  /** Bumped on every join, leave and rename; not on plain heartbeats. */
  readonly version: number;
  readonly size: number;
  /** This server's per-entry numbers (see EntryLocals). */
  readonly local: EntryLocals;
  /** Register and heartbeat: inserts or refreshes the entry, stamped lastSeen = now. */
  upsert(input: RegistryInput, now: number): UpsertResult;
  remove(id: string): RegistryEntry | undefined;
  get(id: string): RegistryEntry | undefined;
  /** `key`: endpointKey(observed), when the caller has it already. */
  byEndpoint(observed: Endpoint, key?: string): RegistryEntry | undefined;
  /** Removes and returns every entry whose TTL ran out at `now`. */
  expire(now: number): RegistryEntry[];
  /** When the oldest entry expires, or undefined when empty. */
  nextExpiry(): number | undefined;
  /** Peers sorted by id after `cursor`, as many as fit a PeerList of at most `maxBytes`. */
  page(cursor: string | undefined, maxBytes?: number): Page;
  /** Every listed entry, in no particular order (snapshots; O(n)). */
  entries(): IterableIterator<RegistryEntry>;
}
