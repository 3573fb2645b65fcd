// Who is online: sans-IO, driven by `now`. Behind an interface so a shared (e.g. Redis)
// registry can replace the in-memory one without touching the server engine.
//
// Costs with n entries: join/leave O(log n + chunk) in the chunked sorted id list, heartbeats
// O(1), byEndpoint O(1), expire O(expired), page O(log n + page size).

import { MAX_DATAGRAM_BYTES, MAX_ID_LENGTH, REGISTRY_ENTRY_TTL_MS } from '../../src/constants.ts';
import { encodedSize } from '../../src/codec.ts';
import { endpointKey, sameEndpoint } from '../../src/address.ts';
import { MsgType, type Endpoint, type PeerSummary } from '../../src/wire.ts';
import { SortedIds } from '../data/sorted-ids.ts';

export interface RegistryEntry {
  readonly id: string;
  readonly name: string;
  readonly lan: readonly Endpoint[];
  /** The source address:port of the client's datagrams, as the server sees it (STUN's reflexive address). */
  readonly observed: Endpoint;
  /** Kept up to date while the entry is listed (a removed entry's is not kept: read it before removing). */
  readonly lastSeen: number;
  /**
   * A small integer unique among live entries, reused after an entry is removed: the server
   * engine keeps per-entry numbers (rate limits, the cached token) in typed-array columns
   * indexed by it, so a listed client costs no extra object or map slot. A shared registry
   * numbers the entries it holds locally.
   */
  readonly slot: number;
}

export type RegistryInput = Omit<RegistryEntry, 'lastSeen' | 'slot'>;

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
  /** `key`: endpointKey(observed), when the caller has it already. */
  byEndpoint(observed: Endpoint, key?: string): RegistryEntry | undefined;
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

/**
 * lastSeen and queuedAt of every entry, by slot: numbers in typed arrays, not fields (a
 * fractional number in an object field is a separate 16-byte heap number).
 */
class Times {
  seen = new Float64Array(1_024);
  queued = new Float64Array(1_024);

  ensure(slot: number): void {
    if (slot < this.seen.length) return;
    const n = Math.max(this.seen.length * 2, slot + 1);
    const seen = new Float64Array(n);
    seen.set(this.seen);
    this.seen = seen;
    const queued = new Float64Array(n);
    queued.set(this.queued);
    this.queued = queued;
  }
}

/** One entry as the registry holds it: mutated in place by heartbeats (no allocation per beat). */
class Entry implements RegistryEntry {
  constructor(
    private readonly times: Times,
    readonly slot: number,
    readonly id: string,
    public name: string,
    public lan: readonly Endpoint[],
    public observed: Endpoint,
    now: number,
    /** Encoded size of { id, name } in a PeerList, measured once per join or rename. */
    public summaryBytes: number,
  ) {
    times.ensure(slot);
    times.seen[slot] = now;
    times.queued[slot] = now;
  }

  get lastSeen(): number {
    return this.times.seen[this.slot] as number;
  }

  set lastSeen(now: number) {
    this.times.seen[this.slot] = now;
  }

  /** lastSeen when the entry took its place in the expiry queue; lastSeen > queuedAt means refreshed since. */
  get queuedAt(): number {
    return this.times.queued[this.slot] as number;
  }

  set queuedAt(at: number) {
    this.times.queued[this.slot] = at;
  }
}

/** Most clients report no LAN address: they all share this one empty list. */
const NO_LAN: readonly Endpoint[] = Object.freeze([]);

export class MemoryRegistry implements Registry {
  private readonly entries = new Map<string, Entry>();
  private readonly idByEndpoint = new Map<string, string>();
  /** Slots of removed entries, reused first; nextSlot is one past the highest ever used. */
  private readonly freeSlots: number[] = [];
  private readonly times = new Times();
  private nextSlot = 0;
  private readonly sortedIds = new SortedIds();
  /**
   * Expiry queue in queuedAt order, each live entry once (removed ones are skipped lazily).
   * A heartbeat only bumps lastSeen; an entry that was refreshed is re-queued at the tail
   * when it reaches the head. Re-ordering a Map on every heartbeat instead left deleted
   * slots at its front, which every head lookup (once per datagram) had to skip.
   */
  private queue: (Entry | undefined)[] = [];
  private queueHead = 0;
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
    if (prev && prev.name === input.name && sameEndpoint(prev.observed, input.observed) && sameLan(prev.lan, input.lan)) {
      // A heartbeat: the common case, no allocation but the result.
      if (now > prev.lastSeen) prev.lastSeen = now;
      return { entry: prev, isNew: false, endpointChanged: false, renamed: false };
    }
    const key = endpointKey(input.observed);
    const holderId = this.idByEndpoint.get(key);
    const displaced = holderId !== undefined && holderId !== input.id ? this.remove(holderId) : undefined;
    // Copies: the caller's arrays (e.g. a decoded message) must not alias registry state.
    const lan = input.lan.length === 0 ? NO_LAN : input.lan.map(([h, p]): Endpoint => [h, p]);
    if (!prev) {
      const slot = this.freeSlots.length > 0 ? (this.freeSlots.pop() as number) : this.nextSlot++;
      const entry = new Entry(this.times, slot, input.id, input.name, lan, [input.observed[0], input.observed[1]], now, summarySize(input.id, input.name));
      this.entries.set(input.id, entry);
      this.idByEndpoint.set(flat(key), input.id);
      this.sortedIds.insert(input.id);
      this.queue.push(entry);
      this.ver++;
      return displaced ? { entry, isNew: true, endpointChanged: false, renamed: false, displaced } : { entry, isNew: true, endpointChanged: false, renamed: false };
    }
    let previousObserved: Endpoint | undefined;
    let previousName: string | undefined;
    if (!sameEndpoint(prev.observed, input.observed)) {
      // Roaming: the client's NAT mapping changed (or it moved networks). Same id, new address.
      this.idByEndpoint.delete(endpointKey(prev.observed));
      previousObserved = prev.observed;
      prev.observed = [input.observed[0], input.observed[1]];
      this.idByEndpoint.set(flat(key), input.id);
    }
    if (prev.name !== input.name) {
      previousName = prev.name;
      prev.name = input.name;
      prev.summaryBytes = summarySize(input.id, input.name);
      this.ver++;
    }
    prev.lan = lan;
    if (now > prev.lastSeen) prev.lastSeen = now;
    const result: { -readonly [K in keyof UpsertResult]: UpsertResult[K] } = { entry: prev, isNew: false, endpointChanged: previousObserved !== undefined, renamed: previousName !== undefined };
    if (previousObserved) result.previousObserved = previousObserved;
    if (previousName !== undefined) result.previousName = previousName;
    if (displaced) result.displaced = displaced;
    return result;
  }

  remove(id: string): RegistryEntry | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    this.entries.delete(id);
    const key = endpointKey(entry.observed);
    if (this.idByEndpoint.get(key) === id) this.idByEndpoint.delete(key);
    this.sortedIds.delete(id);
    this.freeSlots.push(entry.slot);
    this.ver++;
    return entry;
  }

  get(id: string): RegistryEntry | undefined {
    return this.entries.get(id);
  }

  byEndpoint(observed: Endpoint, key: string = endpointKey(observed)): RegistryEntry | undefined {
    const id = this.idByEndpoint.get(key);
    return id === undefined ? undefined : this.entries.get(id);
  }

  expire(now: number): RegistryEntry[] {
    // `now` never goes backwards at the edge (monotonic clock); if it did, expiry would come late, never early.
    const removed: RegistryEntry[] = [];
    for (let head = this.oldest(); head && head.lastSeen + this.ttlMs <= now; head = this.oldest()) {
      this.queueHead++;
      this.remove(head.id);
      removed.push(head);
    }
    this.compactQueue();
    return removed;
  }

  nextExpiry(): number | undefined {
    const oldest = this.oldest();
    return oldest === undefined ? undefined : oldest.lastSeen + this.ttlMs;
  }

  page(cursor: string | undefined, maxBytes: number = MAX_DATAGRAM_BYTES): Page {
    const total = this.entries.size;
    let budget = maxBytes - envelopeBytes(this.ver, total);
    const peers: PeerSummary[] = [];
    let more = false;
    for (const id of this.sortedIds.after(cursor)) {
      const entry = this.entries.get(id) as Entry;
      if (peers.length >= MAX_PEERS_PER_PAGE || entry.summaryBytes > budget) {
        more = true;
        break;
      }
      budget -= entry.summaryBytes;
      peers.push({ id: entry.id, name: entry.name });
    }
    const next = more ? peers[peers.length - 1]?.id : undefined;
    return { ver: this.ver, peers, ...(next !== undefined ? { next } : {}), total };
  }

  /**
   * The live entry with the smallest lastSeen, settling the queue's head on the way: removed
   * entries are dropped, refreshed ones re-queued at the tail. Amortized O(1): an entry is
   * re-queued at most once per refresh.
   */
  private oldest(): Entry | undefined {
    while (this.queueHead < this.queue.length) {
      const head = this.queue[this.queueHead] as Entry;
      if (this.entries.get(head.id) !== head) {
        this.queue[this.queueHead++] = undefined;
        continue;
      }
      if (head.lastSeen === head.queuedAt) return head;
      this.queue[this.queueHead++] = undefined;
      head.queuedAt = head.lastSeen;
      this.queue.push(head);
      this.compactQueue();
    }
    return undefined;
  }

  private compactQueue(): void {
    if (this.queueHead >= 1_024 && this.queueHead * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
  }
}

/**
 * A flat copy of `s`. endpointKey's result is a tree of string pieces (V8 concatenation),
 * three heap objects that a map key keeps for the entry's lifetime; the copy is one (~48 B
 * less per entry). Only on join and move: lookups use the unflattened key.
 */
function flat(s: string): string {
  return JSON.parse(JSON.stringify(s)) as string;
}

function sameLan(a: readonly Endpoint[], b: readonly Endpoint[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameEndpoint(a[i] as Endpoint, b[i] as Endpoint)) return false;
  return true;
}

/** The envelope with the longest possible `next`, plus one byte for the array header growing past 23 items. */
function envelopeBytes(ver: number, total: number): number {
  return encodedSize(peerList(ver, [], 'f'.repeat(MAX_ID_LENGTH), total)) + 1;
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
