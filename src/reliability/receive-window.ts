// The receiving half of a channel: drops duplicates, buffers fragments that arrive early
// (up to a window ahead of the next expected seq), hands whole messages over in seq order,
// and describes what it holds as a cumulative ack plus selective-ack ranges (RFC 2018).

import { MAX_MESSAGE_BYTES } from '../constants.ts';
import { Reassembler } from './fragment.ts';

/** How many of the latest early arrivals' blocks each ack repeats (RFC 2018 §4: report each block in several acks). */
const RECENT_BLOCKS = 4;

/** What became of one arriving fragment. */
export type Arrival = 'in-order' | 'buffered' | 'duplicate' | 'out-of-window' | 'malformed';

interface Held {
  readonly more: boolean;
  readonly body: Uint8Array;
}

export class ReceiveWindow {
  /** Every seq below this has been received: the cumulative ack. */
  private next = 0;
  /** Fragments above `next`, waiting for the gap below them to fill. */
  private readonly held = new Map<number, Held>();
  private highestHeld = -1;
  /** The latest early arrivals, newest last: RFC 2018 §4 reports their blocks first, newest first. */
  private recentHeld: number[] = [];
  private readonly reassembler = new Reassembler(MAX_MESSAGE_BYTES);
  private messageStart = 0;

  constructor(
    private readonly windowFragments: number,
    /** Called with each whole message, in order; msgId is the seq of its first fragment. */
    private readonly onMessage: (msgId: number, body: Uint8Array) => void,
    /** Called when a message grew past MAX_MESSAGE_BYTES and was discarded. */
    private readonly onOversized: () => void,
  ) {}

  get cumulative(): number {
    return this.next;
  }

  /** True while some fragment waits behind a gap. */
  get hasGaps(): boolean {
    return this.held.size > 0;
  }

  accept(seq: number, more: boolean, body: Uint8Array): Arrival {
    if (!Number.isSafeInteger(seq) || seq < 0 || !(body instanceof Uint8Array)) return 'malformed';
    if (seq < this.next) return 'duplicate';
    // Beyond the window: dropping bounds our memory; the sender retransmits it later.
    if (seq - this.next >= this.windowFragments) return 'out-of-window';
    if (seq !== this.next) {
      if (this.held.has(seq)) return 'duplicate';
      this.held.set(seq, { more, body });
      if (seq > this.highestHeld) this.highestHeld = seq;
      if (this.recentHeld.length >= RECENT_BLOCKS) this.recentHeld.shift();
      this.recentHeld.push(seq);
      return 'buffered';
    }
    this.consume(more, body);
    for (let h = this.held.get(this.next); h !== undefined; h = this.held.get(this.next)) {
      this.held.delete(this.next);
      this.consume(h.more, h.body);
    }
    return 'in-order';
  }

  /**
   * Up to `max` [start, end) ranges of held fragments. The blocks holding the latest few
   * arrivals come first, newest first, so every new block is reported by several acks and
   * one lost ack hides nothing (RFC 2018 §4), even when holes outnumber ranges; then the
   * lowest blocks, whose holes the sender should fill first. O(window) at worst, O(1) when
   * nothing is held (the common, loss-free case).
   */
  sackRanges(max: number): [number, number][] {
    const ranges: [number, number][] = [];
    if (this.held.size === 0 || max <= 0) return ranges;
    for (let i = this.recentHeld.length - 1; i >= 0 && ranges.length < max; i--) {
      const seq = this.recentHeld[i]!;
      if (!this.held.has(seq) || covers(ranges, seq, ranges.length)) continue;
      let start = seq;
      let end = seq + 1;
      while (this.held.has(start - 1)) start--;
      while (this.held.has(end)) end++;
      ranges.push([start, end]);
    }
    const recent = ranges.length;
    let seq = this.next + 1; // `next` itself is missing, or it would have been consumed
    while (seq <= this.highestHeld && ranges.length < max) {
      if (!this.held.has(seq)) {
        seq++;
        continue;
      }
      let end = seq + 1;
      while (this.held.has(end)) end++;
      if (!covers(ranges, seq, recent)) ranges.push([seq, end]);
      seq = end + 1;
    }
    return ranges;
  }

  private consume(more: boolean, body: Uint8Array): void {
    if (this.reassembler.atMessageStart) this.messageStart = this.next;
    this.next++;
    const whole = this.reassembler.push(body, more);
    if (whole === 'oversized') this.onOversized();
    else if (whole !== undefined) this.onMessage(this.messageStart, whole);
  }
}

/** Whether one of the first `count` ranges holds `seq`. */
function covers(ranges: [number, number][], seq: number, count: number): boolean {
  for (let i = 0; i < count; i++) if (ranges[i]![0] <= seq && seq < ranges[i]![1]) return true;
  return false;
}
