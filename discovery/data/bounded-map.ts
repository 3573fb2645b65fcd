// A Map with a hard cap on its size: the least recently touched entry goes first (an LRU
// on Map's insertion order). Per-source and per-identity state lives in these, so no flood
// of new addresses or ids can grow the server's memory without bound.
//
// When full, it forgets the least recent 1/16 at once: Map keeps deleted slots at its front
// until it rehashes, so finding the oldest key walks them; one walk per eviction measured
// tens of microseconds a call at 50,000 entries (a 100,000-client registry thrashes the
// per-source map). One walk per batch makes it O(1) amortized.

const EVICT_FRACTION = 16;

export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();
  /** Entries forgotten because the map was full. */
  evictions = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.map.size;
  }

  /** The value without changing its recency. */
  peek(key: K): V | undefined {
    return this.map.get(key);
  }

  /** The value, made the most recent. */
  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  /** Inserts or replaces as the most recent, forgetting the least recent if full. */
  set(key: K, value: V): void {
    this.map.delete(key);
    if (this.map.size >= this.capacity) this.evictOldest(Math.max(1, Math.ceil(this.capacity / EVICT_FRACTION)));
    this.map.set(key, value);
  }

  /** The value, created with `make` if absent; either way made the most recent. */
  getOrCreate(key: K, make: () => V): V {
    let value = this.get(key);
    if (value === undefined) {
      value = make();
      this.set(key, value);
    }
    return value;
  }

  private evictOldest(n: number): void {
    for (const key of this.map.keys()) {
      if (n-- <= 0) break;
      this.map.delete(key);
      this.evictions++;
    }
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  /** Least recent first. */
  entries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }

  /** Removes entries from the least recent end while `stale` holds (cheap periodic sweeps). */
  sweepOldest(stale: (value: V, key: K) => boolean): number {
    let removed = 0;
    for (const [key, value] of this.map) {
      if (!stale(value, key)) break;
      this.map.delete(key);
      removed++;
    }
    return removed;
  }

  /** Removes every entry for which `stale` holds (a full pass). */
  sweep(stale: (value: V, key: K) => boolean): number {
    let removed = 0;
    for (const [key, value] of this.map) {
      if (!stale(value, key)) continue;
      this.map.delete(key);
      removed++;
    }
    return removed;
  }
}
