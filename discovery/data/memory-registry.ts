// The in-process registry: sans-IO, driven by `now`. Also the shape of a shared registry's
// local cache (see docs/MANUAL.md): entries as values, the server's per-entry numbers in
// columns indexed by a private slot.
//
// Costs with n entries: join/leave O(log n + chunk) in the chunked sorted id list, heartbeats
// O(1), byEndpoint O(1), expire O(expired), page O(log n + page size).

import { DISCOVERY_TOKEN_BYTES, MAX_DATAGRAM_BYTES, MAX_ID_LENGTH, REGISTRY_ENTRY_TTL_MS } from '../../src/constants.ts';
import { encodedSize } from '../../src/codec.ts';
import { endpointKey, sameEndpoint } from '../../src/address.ts';
import { Fifo } from '../../src/fifo.ts';
import { MsgType, type Endpoint, type PeerSummary } from '../../src/wire.ts';
import { ENTRY_BUCKETS, type EntryLocals, type Page, type Registry, type RegistryEntry, type RegistryInput, type UpsertResult } from '../core/registry.ts';
import { EntryColumns } from './entry-columns.ts';
import { SortedIds } from './sorted-ids.ts';

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
 * since, lastSeen and queuedAt of every entry, by slot: numbers in typed arrays, not fields
 * (a fractional number in an object field is a separate 16-byte heap number).
 */
class Times {
  since = new Float64Array(1_024);
  seen = new Float64Array(1_024);
  queued = new Float64Array(1_024);

  ensure(slot: number): void {
    if (slot < this.seen.length) return;
    const n = Math.max(this.seen.length * 2, slot + 1);
    this.since = grow(this.since, n);
    this.seen = grow(this.seen, n);
    this.queued = grow(this.queued, n);
  }
}

function grow(a: Float64Array, n: number): Float64Array<ArrayBuffer> {
  const out = new Float64Array(n);
  out.set(a);
  return out;
}

/** One entry as the registry holds it: mutated in place by heartbeats (no allocation per beat). */
class Entry implements RegistryEntry {
  constructor(
    private readonly times: Times,
    /** Unique among live entries, reused after removal: indexes Times and the local columns. */
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
    times.since[slot] = now;
    times.seen[slot] = now;
    times.queued[slot] = now;
  }

  get since(): number {
    return this.times.since[this.slot] as number;
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

const slotOf = (entry: RegistryEntry): number => (entry as Entry).slot;

/** EntryLocals over columns indexed by the registry's slots; the replay record is the row's timestamp. */
class SlotLocals implements EntryLocals {
  constructor(private readonly cols: EntryColumns) {}
  take(e: RegistryEntry, bucket: number, now: number, ratePerS: number, burst: number): boolean {
    return this.cols.take(slotOf(e), bucket, now, ratePerS, burst);
  }
  setBucket(e: RegistryEntry, bucket: number, tokens: number, last: number): void {
    this.cols.setBucket(slotOf(e), bucket, tokens, last);
  }
  bucketTokens(e: RegistryEntry, bucket: number): number {
    return this.cols.bucketTokens(slotOf(e), bucket);
  }
  bucketLast(e: RegistryEntry, bucket: number): number {
    return this.cols.bucketLast(slotOf(e), bucket);
  }
  setToken(e: RegistryEntry, token: Uint8Array, epoch: number): void {
    this.cols.setToken(slotOf(e), token, epoch);
  }
  clearToken(e: RegistryEntry): void {
    this.cols.clearToken(slotOf(e));
  }
  tokenMatches(e: RegistryEntry, epoch: number, token: Uint8Array): boolean {
    return this.cols.tokenMatches(slotOf(e), epoch, token);
  }
  token(e: RegistryEntry): Uint8Array {
    return this.cols.token(slotOf(e));
  }
  registeredAt(e: RegistryEntry): number {
    return this.cols.timestamp(slotOf(e));
  }
  setRegisteredAt(e: RegistryEntry, ts: number): void {
    this.cols.setTimestamp(slotOf(e), ts);
  }
}

/** Most clients report no LAN address: they all share this one empty list. */
const NO_LAN: readonly Endpoint[] = Object.freeze([]);

export class MemoryRegistry implements Registry {
  readonly local: EntryLocals;
  private readonly columns = new EntryColumns(ENTRY_BUCKETS, DISCOVERY_TOKEN_BYTES);
  private readonly byId = new Map<string, Entry>();
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
  private readonly queue = new Fifo<Entry>();
  private readonly ttlMs: number;
  private ver: number;

  constructor(options: MemoryRegistryOptions = {}) {
    this.ttlMs = options.ttlMs ?? REGISTRY_ENTRY_TTL_MS;
    this.ver = options.initialVersion ?? 0;
    this.local = new SlotLocals(this.columns);
  }

  get version(): number {
    return this.ver;
  }

  get size(): number {
    return this.byId.size;
  }

  upsert(input: RegistryInput, now: number): UpsertResult {
    const prev = this.byId.get(input.id);
    if (prev && prev.name === input.name && sameEndpoint(prev.observed, input.observed) && sameLan(prev.lan, input.lan)) {
      // A heartbeat: the common case, no allocation but the result.
      if (now > prev.lastSeen) prev.lastSeen = now;
      return { entry: prev, isNew: false, endpointChanged: false, renamed: false };
    }
    const key = endpointKey(input.observed);
    const holderId = this.idByEndpoint.get(key);
    // A new entry's slot is taken before the displaced one is freed: the caller reads the
    // displaced entry's local columns after this upsert, so they must not be reset yet.
    const slot = prev ? -1 : this.freeSlots.length > 0 ? (this.freeSlots.pop() as number) : this.nextSlot++;
    const displaced = holderId !== undefined && holderId !== input.id ? this.remove(holderId) : undefined;
    // Copies: the caller's arrays (e.g. a decoded message) must not alias registry state.
    const lan = input.lan.length === 0 ? NO_LAN : input.lan.map(([h, p]): Endpoint => [h, p]);
    if (!prev) {
      const entry = new Entry(this.times, slot, input.id, input.name, lan, [input.observed[0], input.observed[1]], now, summarySize(input.id, input.name));
      this.columns.reset(slot); // a reused slot must not inherit the last holder's buckets or token
      this.byId.set(input.id, entry);
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
    const entry = this.byId.get(id);
    if (!entry) return undefined;
    this.byId.delete(id);
    const key = endpointKey(entry.observed);
    if (this.idByEndpoint.get(key) === id) this.idByEndpoint.delete(key);
    this.sortedIds.delete(id);
    this.freeSlots.push(entry.slot);
    this.ver++;
    return entry;
  }

  get(id: string): RegistryEntry | undefined {
    return this.byId.get(id);
  }

  byEndpoint(observed: Endpoint, key: string = endpointKey(observed)): RegistryEntry | undefined {
    const id = this.idByEndpoint.get(key);
    return id === undefined ? undefined : this.byId.get(id);
  }

  entries(): IterableIterator<RegistryEntry> {
    return this.byId.values();
  }

  expire(now: number): RegistryEntry[] {
    // `now` never goes backwards at the edge (monotonic clock); if it did, expiry would come late, never early.
    const removed: RegistryEntry[] = [];
    for (let head = this.oldest(); head && head.lastSeen + this.ttlMs <= now; head = this.oldest()) {
      this.queue.shift();
      this.remove(head.id);
      removed.push(head);
    }
    return removed;
  }

  nextExpiry(): number | undefined {
    const oldest = this.oldest();
    return oldest === undefined ? undefined : oldest.lastSeen + this.ttlMs;
  }

  page(cursor: string | undefined, maxBytes: number = MAX_DATAGRAM_BYTES): Page {
    const total = this.byId.size;
    let budget = maxBytes - envelopeBytes(this.ver, total);
    const peers: PeerSummary[] = [];
    let more = false;
    for (const id of this.sortedIds.after(cursor)) {
      const entry = this.byId.get(id) as Entry;
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
    for (let head = this.queue.peek(); head !== undefined; head = this.queue.peek()) {
      if (this.byId.get(head.id) !== head) {
        this.queue.shift();
        continue;
      }
      if (head.lastSeen === head.queuedAt) return head;
      this.queue.shift();
      head.queuedAt = head.lastSeen;
      this.queue.push(head);
    }
    return undefined;
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
