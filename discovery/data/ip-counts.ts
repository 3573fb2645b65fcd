// A count per IP address, compact: IPv4 addresses (nearly every client) live in an
// open-addressed table of typed arrays (linear probing, backward-shift deletion: no
// tombstones), 8 bytes a slot at most 4/5 full, so 100,000 listing addresses cost ~1 MB
// instead of a Map's ~4.5 MB (measured: a Map<string, number> added ~45 bytes per client to a
// 100,000-client registry whose budget is 1 KB). Other keys (IPv6 /64 prefixes) use a Map.
// A key whose count drops to zero is removed.

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const MIN_BITS = 4;

function ipv4Number(key: string): number | undefined {
  const m = IPV4.exec(key);
  if (!m) return undefined;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255) return undefined;
    n = n * 256 + octet;
  }
  return n >>> 0;
}

export class IpCounts {
  private bits = MIN_BITS;
  private keys = new Uint32Array(1 << MIN_BITS);
  /** 0: an empty slot. */
  private counts = new Uint32Array(1 << MIN_BITS);
  private used = 0;
  private readonly others = new Map<string, number>();

  /** Keys with a count above zero. */
  get size(): number {
    return this.used + this.others.size;
  }

  get(key: string): number {
    const v4 = ipv4Number(key);
    if (v4 === undefined) return this.others.get(key) ?? 0;
    const slot = this.find(v4);
    return slot < 0 ? 0 : (this.counts[slot] as number);
  }

  /** Adds `delta` (+1 or -1) to `key`'s count; a count that reaches 0 removes the key. */
  add(key: string, delta: number): void {
    const v4 = ipv4Number(key);
    if (v4 === undefined) {
      const n = (this.others.get(key) ?? 0) + delta;
      if (n > 0) this.others.set(key, n);
      else this.others.delete(key);
      return;
    }
    const slot = this.find(v4);
    if (slot >= 0) {
      const n = (this.counts[slot] as number) + delta;
      if (n > 0) this.counts[slot] = n;
      else this.remove(slot);
      return;
    }
    if (delta <= 0) return;
    if ((this.used + 1) * 5 > this.keys.length * 4) this.resize(this.bits + 1); // linear probing stays short below 4/5 (used only for new listings)
    this.insert(v4, delta);
  }

  private home(v4: number): number {
    return Math.imul(v4, 0x9e3779b1) >>> (32 - this.bits);
  }

  private find(v4: number): number {
    const mask = this.keys.length - 1;
    for (let i = this.home(v4); this.counts[i] !== 0; i = (i + 1) & mask) if (this.keys[i] === v4) return i;
    return -1;
  }

  private insert(v4: number, count: number): void {
    const mask = this.keys.length - 1;
    let i = this.home(v4);
    while (this.counts[i] !== 0) i = (i + 1) & mask;
    this.keys[i] = v4;
    this.counts[i] = count;
    this.used++;
  }

  /** Empties `slot` and shifts back the entries after it that probed past it. */
  private remove(slot: number): void {
    const mask = this.keys.length - 1;
    let hole = slot;
    this.counts[hole] = 0;
    this.used--;
    for (let j = (hole + 1) & mask; this.counts[j] !== 0; j = (j + 1) & mask) {
      const home = this.home(this.keys[j] as number);
      // Entry j may move into the hole only if its home is not in (hole, j] (cyclically).
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (between) continue;
      this.keys[hole] = this.keys[j] as number;
      this.counts[hole] = this.counts[j] as number;
      this.counts[j] = 0;
      hole = j;
    }
  }

  private resize(bits: number): void {
    const { keys, counts } = this;
    this.bits = bits;
    this.keys = new Uint32Array(1 << bits);
    this.counts = new Uint32Array(1 << bits);
    this.used = 0;
    for (let i = 0; i < keys.length; i++) if (counts[i] !== 0) this.insert(keys[i] as number, counts[i] as number);
  }
}
