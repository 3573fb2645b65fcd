// A binary min-heap of (deadline, seq): one retransmission timer per fragment without one
// host timer per fragment. Entries are never removed early; the owner recognises stale
// ones (fragment acked or re-armed) when they surface, which keeps acks O(1) each.

export interface Deadline {
  readonly at: number;
  readonly seq: number;
}

export class DeadlineHeap {
  private items: Deadline[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): Deadline | undefined {
    return this.items[0];
  }

  push(at: number, seq: number): void {
    const items = this.items;
    items.push({ at, seq });
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(items[i]!, items[parent]!)) break;
      swap(items, i, parent);
      i = parent;
    }
  }

  pop(): Deadline | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    items[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let least = i;
      if (l < items.length && before(items[l]!, items[least]!)) least = l;
      if (r < items.length && before(items[r]!, items[least]!)) least = r;
      if (least === i) break;
      swap(items, i, least);
      i = least;
    }
    return top;
  }

  /** Replaces the contents (used to shed stale entries in one O(n) pass). */
  rebuild(entries: Deadline[]): void {
    this.items = entries.sort((a, b) => a.at - b.at || a.seq - b.seq); // a sorted array is a valid heap
  }

  clear(): void {
    this.items = [];
  }
}

// Ties go to the lower seq so retransmissions leave in sequence order.
const before = (a: Deadline, b: Deadline): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

function swap(items: Deadline[], i: number, j: number): void {
  const t = items[i]!;
  items[i] = items[j]!;
  items[j] = t;
}
