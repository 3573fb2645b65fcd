// Who is online: sans-IO, driven by `now`. Behind an interface so a shared (e.g. Redis)
// registry can replace the in-memory one without touching the server engine.
//
// Costs with n entries: join/leave O(log n + chunk) in the chunked sorted id list, heartbeats
// O(1), byEndpoint O(1), expire O(expired), page O(log n + page size).

import { MAX_DATAGRAM_BYTES, MAX_ID_LENGTH, REGISTRY_ENTRY_TTL_MS } from '../src/constants.ts';
import { encodedSize } from '../src/codec.ts';
import { endpointKey, sameEndpoint } from '../src/net/address.ts';
import { MsgType, type Endpoint, type PeerSummary } from '../src/wire.ts';
import { SortedIds } from './sorted-ids.ts';

export interface RegistryEntry {
  readonly id: string;
  readonly name: string;
  readonly lan: readonly Endpoint[];
  /** The source address:port of the client's datagrams, as the server sees it (STUN's reflexive address). */
  readonly observed: Endpoint;
  readonly lastSeen: number;
}

export type RegistryInput = Omit<RegistryEntry, 'lastSeen'>;

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

export interface Registry {
  /** Bumped on every join, leave and rename; not on plain heartbeats. */
  readonly version: number;
  readonly size: number;
  /** Register and heartbeat: inserts or refreshes the entry, stamped lastSeen = now. */
  upsert(input: RegistryInput, now: number): UpsertResult;
  remove(id: string): RegistryEntry | undefined;
  get(id: string): RegistryEntry | undefined;
  byEndpoint(observed: Endpoint): RegistryEntry | undefined;
  /** Removes and returns every entry whose TTL ran out at `now`. */
  expire(now: number): RegistryEntry[];
  /** When the oldest entry expires, or undefined when empty. */
  nextExpiry(): number | undefined;
  /** Peers sorted by id after `cursor`, as many as fit a PeerList of at most `maxBytes`. */
  page(cursor: string | undefined, maxBytes?: number): Page;
}

/** PeerList's schema allows at most this many peers per page. */
const MAX_PEERS_PER_PAGE = 64;

export interface MemoryRegistryOptions {
  ttlMs?: number;
  /**
   * Where `version` starts. A restarted server should not start where the last one did, or a
   * client holding an old version would be told "unchanged"; the edge passes a random value.
   */
  initialVersion?: number;
}

export class MemoryRegistry implements Registry {
  /** Insertion order is lastSeen order (every upsert re-inserts), so expiry reads only the head. */
  private readonly entries = new Map<string, RegistryEntry>();
  private readonly idByEndpoint = new Map<string, string>();
  private readonly sortedIds = new SortedIds();
  /** Encoded size of each entry's { id, name } in a PeerList, measured once per join or rename. */
  private readonly summaryBytes = new Map<string, number>();
  private readonly ttlMs: number;
  private ver: number;

  constructor(options: MemoryRegistryOptions = {}) {
    this.ttlMs = options.ttlMs ?? REGISTRY_ENTRY_TTL_MS;
    this.ver = options.initialVersion ?? 0;
  }

  get version(): number {
    return this.ver;
  }

  get size(): number {
    return this.entries.size;
  }

  upsert(input: RegistryInput, now: number): UpsertResult {
    const prev = this.entries.get(input.id);
    const key = endpointKey(input.observed);
    const holderId = this.idByEndpoint.get(key);
    const displaced = holderId !== undefined && holderId !== input.id ? this.remove(holderId) : undefined;

    let endpointChanged = false;
    let renamed = false;
    if (prev) {
      if (!sameEndpoint(prev.observed, input.observed)) {
        // Roaming: the client's NAT mapping changed (or it moved networks). Same id, new address.
        this.idByEndpoint.delete(endpointKey(prev.observed));
        endpointChanged = true;
      }
      if (prev.name !== input.name) {
        renamed = true;
        this.ver++;
        this.summaryBytes.set(input.id, summarySize(input.id, input.name));
      }
      this.entries.delete(input.id); // re-inserted below, at the tail: the newest lastSeen
    } else {
      this.sortedIds.insert(input.id);
      this.summaryBytes.set(input.id, summarySize(input.id, input.name));
      this.ver++;
    }
    // Copies: the caller's arrays (e.g. a decoded message) must not alias registry state.
    const entry: RegistryEntry = {
      id: input.id,
      name: input.name,
      lan: input.lan.map(([h, p]): Endpoint => [h, p]),
      observed: [input.observed[0], input.observed[1]],
      lastSeen: now,
    };
    this.entries.set(input.id, entry);
    this.idByEndpoint.set(key, input.id);
    return {
      entry,
      isNew: !prev,
      endpointChanged,
      renamed,
      ...(endpointChanged && prev ? { previousObserved: prev.observed } : {}),
      ...(renamed && prev ? { previousName: prev.name } : {}),
      ...(displaced ? { displaced } : {}),
    };
  }

  remove(id: string): RegistryEntry | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    this.entries.delete(id);
    const key = endpointKey(entry.observed);
    if (this.idByEndpoint.get(key) === id) this.idByEndpoint.delete(key);
    this.sortedIds.delete(id);
    this.summaryBytes.delete(id);
    this.ver++;
    return entry;
  }

  get(id: string): RegistryEntry | undefined {
    return this.entries.get(id);
  }

  byEndpoint(observed: Endpoint): RegistryEntry | undefined {
    const id = this.idByEndpoint.get(endpointKey(observed));
    return id === undefined ? undefined : this.entries.get(id);
  }

  expire(now: number): RegistryEntry[] {
    // `now` never goes backwards at the edge (monotonic clock); if it did, expiry would come late, never early.
    const due: string[] = [];
    for (const entry of this.entries.values()) {
      if (entry.lastSeen + this.ttlMs > now) break;
      due.push(entry.id);
    }
    const removed: RegistryEntry[] = [];
    for (const id of due) {
      const entry = this.remove(id);
      if (entry) removed.push(entry);
    }
    return removed;
  }

  nextExpiry(): number | undefined {
    const oldest = this.entries.values().next();
    return oldest.done ? undefined : oldest.value.lastSeen + this.ttlMs;
  }

  page(cursor: string | undefined, maxBytes: number = MAX_DATAGRAM_BYTES): Page {
    const total = this.entries.size;
    // The envelope with the longest possible `next`, plus one byte for the array header growing past 23 items.
    const envelope = encodedSize(peerList(this.ver, [], 'f'.repeat(MAX_ID_LENGTH), total)) + 1;
    let budget = maxBytes - envelope;
    const peers: PeerSummary[] = [];
    let more = false;
    for (const id of this.sortedIds.after(cursor)) {
      const entry = this.entries.get(id) as RegistryEntry;
      const size = this.summaryBytes.get(id) ?? summarySize(entry.id, entry.name);
      if (peers.length >= MAX_PEERS_PER_PAGE || size > budget) {
        more = true;
        break;
      }
      budget -= size;
      peers.push({ id: entry.id, name: entry.name });
    }
    const next = more ? peers[peers.length - 1]?.id : undefined;
    return { ver: this.ver, peers, ...(next !== undefined ? { next } : {}), total };
  }
}

const peerList = (ver: number, peers: PeerSummary[], next: string | undefined, total: number) =>
  ({ t: MsgType.PeerList, ver, peers, ...(next !== undefined ? { next } : {}), total }) as const;

/**
 * Encoded size of one { id, name } inside a PeerList, measured with the real encoder (cbor-x
 * may size a string's header by its worst-case UTF-8 length, so a hand count can be short).
 */
function summarySize(id: string, name: string): number {
  return encodedSize(peerList(0, [{ id, name }], undefined, 0)) - EMPTY_PEER_LIST_BYTES;
}
const EMPTY_PEER_LIST_BYTES = encodedSize(peerList(0, [], undefined, 0));
