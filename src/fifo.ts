// A first-in first-out queue read from a head index: push and shift are O(1). Array.shift()
// is O(n) once V8 stops left-trimming the backing store (large queues, long-lived arrays),
// which a server handling tens of thousands of datagrams a second cannot afford. Bounded when
// given a capacity: a push beyond it drops the oldest item and says so, so a flood can never
// grow a queue without limit.

export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  /** `capacity` undefined: unbounded (the caller bounds what it pushes). */
  constructor(readonly capacity?: number) {}

  get length(): number {
    return this.items.length - this.head;
  }

  /** Appends; returns the item dropped from the front to make room (bounded queues only). */
  push(item: T): T | undefined {
    let dropped: T | undefined;
    if (this.capacity !== undefined && this.length >= this.capacity) dropped = this.shift();
    this.items.push(item);
    return dropped;
  }

  /** True if there is room without dropping anything. */
  hasRoom(): boolean {
    return this.capacity === undefined || this.length < this.capacity;
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined; // let it be collected
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      // Compact now and then so a queue that never empties does not keep its whole history.
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  clear(): void {
    this.items.length = 0;
    this.head = 0;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i] as T;
  }
}
