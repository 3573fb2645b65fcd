// The sending half of a channel: numbers fragments, keeps at most a window of them in
// flight, retires them on cumulative and selective acks, retransmits on timeout (RFC 6298)
// or after three later fragments were acked (RFC 9002 §6.1.1), and gives a message up
// MESSAGE_GIVE_UP_MS after send(). Work per ack is proportional to what it newly acks.

import { FAST_RETRANSMIT_THRESHOLD_FRAGMENTS, MAX_SACK_RANGES, MESSAGE_GIVE_UP_MS } from '../constants.ts';
import { MsgType } from '../wire.ts';
import { DeadlineHeap, type Deadline } from './deadline-heap.ts';
import { splitIntoFragments } from './fragment.ts';
import { RttEstimator } from './rto.ts';
import { FailReason, type ChannelEvent, type ChannelStats, type DataFrame } from './types.ts';

interface OutMessage {
  readonly id: number;
  remaining: number; // fragments not yet acked
  readonly giveUpAt: number;
}

interface Fragment {
  readonly seq: number;
  readonly msg: OutMessage;
  readonly more: boolean;
  readonly body: Uint8Array;
  transmissions: number;
  sentAt: number;
  deadline: number; // retransmission time of the latest transmission
  retries: number; // timeouts so far; drives the per-fragment back-off
  queued: boolean; // waiting in the retransmit queue
}

export class SendWindow {
  readonly rtt = new RttEstimator();
  private nextSeq = 0; // next seq to assign
  private nextNew = 0; // lowest seq never transmitted: [nextNew, nextSeq) waits for the window
  private una = 0; // lowest unacked seq; the window is [una, una + windowFragments)
  private largestAcked = -1;
  private lossScan = 0; // seqs below this were already judged by the fast-retransmit rule
  private readonly fragments = new Map<number, Fragment>(); // every unacked fragment
  private readonly messages = new Map<number, OutMessage>(); // unacked, in send order = give-up order
  private retransmitQueue: number[] = [];
  private retransmitHead = 0;
  private readonly timers = new DeadlineHeap();
  private failedWith: string | undefined;

  constructor(
    private readonly maxFragmentBody: number,
    private readonly windowFragments: number,
    private readonly stats: ChannelStats,
    private readonly emit: (event: ChannelEvent) => void,
  ) {}

  get hasUnacked(): boolean {
    return this.messages.size > 0;
  }

  enqueue(body: Uint8Array, now: number): number {
    const id = this.nextSeq;
    this.stats.sent++;
    if (this.failedWith !== undefined) {
      this.nextSeq++; // a unique id, never transmitted: the peer is stuck below it anyway
      this.emit({ type: 'failed', msgId: id, reason: FailReason.ChannelFailed });
      return id;
    }
    // Copy: the caller may reuse its buffer (Node pools small Buffers) while we still retransmit.
    const parts = splitIntoFragments(new Uint8Array(body), this.maxFragmentBody);
    const msg: OutMessage = { id, remaining: parts.length, giveUpAt: now + MESSAGE_GIVE_UP_MS };
    for (let i = 0; i < parts.length; i++) {
      const seq = id + i;
      const more = i < parts.length - 1;
      this.fragments.set(seq, { seq, msg, more, body: parts[i]!, transmissions: 0, sentAt: 0, deadline: 0, retries: 0, queued: false });
    }
    this.nextSeq += parts.length;
    this.messages.set(id, msg);
    return id;
  }

  /** The next data frame to put on the wire: retransmissions first, then new data the window allows. */
  nextFrame(now: number): DataFrame | undefined {
    while (this.retransmitHead < this.retransmitQueue.length) {
      const f = this.fragments.get(this.retransmitQueue[this.retransmitHead++]!);
      if (f === undefined || !f.queued) continue; // acked (or failed) while it waited
      f.queued = false;
      this.stats.retransmits++;
      return this.transmit(f, now);
    }
    this.retransmitQueue = [];
    this.retransmitHead = 0;
    if (this.nextNew < this.nextSeq && this.nextNew < this.una + this.windowFragments) {
      const f = this.fragments.get(this.nextNew);
      this.nextNew++;
      if (f !== undefined) return this.transmit(f, now);
    }
    return undefined;
  }

  /**
   * Applies an ack. Returns false, changing nothing, if it claims a seq we never sent: a
   * buggy or lying peer, so none of it can be trusted. Bad sack ranges are skipped alone.
   */
  onAck(cum: number, sack: unknown, now: number): boolean {
    if (!Number.isSafeInteger(cum) || cum < 0 || cum > this.nextNew) return false;
    let sampleSentAt = -1;
    for (let seq = this.una; seq < cum; seq++) sampleSentAt = this.ackOne(seq, sampleSentAt);
    if (cum - 1 > this.largestAcked) this.largestAcked = cum - 1;
    if (Array.isArray(sack)) {
      for (let i = 0; i < sack.length && i < MAX_SACK_RANGES; i++) {
        const range: unknown = sack[i];
        if (!Array.isArray(range)) continue;
        const [start, end] = range as unknown[];
        if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end)) continue;
        const s = start as number;
        const e = end as number;
        if (s < 0 || s >= e || e > this.nextNew) continue; // inverted, empty, or beyond what we sent
        // Clipped to [una, nextNew), so at most one window of lookups per range.
        for (let seq = Math.max(s, this.una); seq < e; seq++) sampleSentAt = this.ackOne(seq, sampleSentAt);
        if (e - 1 > this.largestAcked) this.largestAcked = e - 1;
      }
    }
    // One sample per ack, from the newest transmission it covers: closest to a true RTT.
    if (sampleSentAt >= 0) this.rtt.sample(now - sampleSentAt);
    while (this.una < this.nextNew && !this.fragments.has(this.una)) this.una++;
    this.detectLoss();
    return true;
  }

  /** Retransmits what timed out; gives up on messages older than MESSAGE_GIVE_UP_MS. */
  onTimeout(now: number): void {
    const oldest = this.oldestMessage();
    if (oldest !== undefined && oldest.giveUpAt <= now) this.failEverything(FailReason.Timeout, FailReason.PreviousFailed);
    for (let top = this.timers.peek(); top !== undefined && top.at <= now; top = this.timers.peek()) {
      this.timers.pop();
      const f = this.liveFragment(top);
      if (f === undefined) continue;
      f.retries++;
      this.rtt.backOff(f.retries);
      this.queueRetransmit(f);
    }
  }

  /** Earliest retransmission or give-up time. Sheds stale timer entries as it looks. */
  nextTimeout(): number | undefined {
    let top = this.timers.peek();
    while (top !== undefined && this.liveFragment(top) === undefined) {
      this.timers.pop();
      top = this.timers.peek();
    }
    const giveUp = this.oldestMessage()?.giveUpAt;
    if (top === undefined) return giveUp;
    return giveUp === undefined ? top.at : Math.min(top.at, giveUp);
  }

  /**
   * Fails every unacked message: the first with `firstReason`, later ones with `laterReason`.
   * Delivery is in order, so once one message is abandoned the peer's window is stuck below
   * it for good: nothing sent on this channel afterwards could ever be delivered. The
   * channel stays failed; later send() calls fail at once (CHANNEL_FAILED).
   */
  failEverything(firstReason: string, laterReason: string): void {
    this.failedWith = firstReason;
    let reason = firstReason;
    for (const msg of this.messages.values()) {
      this.emit({ type: 'failed', msgId: msg.id, reason });
      reason = laterReason;
    }
    this.messages.clear();
    this.fragments.clear();
    this.timers.clear();
    this.retransmitQueue = [];
    this.retransmitHead = 0;
    this.nextNew = this.una = this.lossScan = this.nextSeq;
  }

  private transmit(f: Fragment, now: number): DataFrame {
    f.transmissions++;
    f.sentAt = now;
    f.deadline = now + this.rtt.timeoutFor(f.retries);
    this.timers.push(f.deadline, f.seq);
    // Stale entries (acked fragments) leave the heap only when they reach its top; rebuild
    // when they dominate, so memory stays proportional to the window. Amortised O(1).
    if (this.timers.size > 2 * this.fragments.size + 64) {
      const live: Deadline[] = [];
      for (const g of this.fragments.values()) if (g.transmissions > 0 && !g.queued) live.push({ at: g.deadline, seq: g.seq });
      this.timers.rebuild(live);
    }
    return { t: MsgType.Data, seq: f.seq, more: f.more, body: f.body };
  }

  private ackOne(seq: number, sampleSentAt: number): number {
    const f = this.fragments.get(seq);
    if (f === undefined || f.transmissions === 0) return sampleSentAt;
    this.fragments.delete(seq);
    f.queued = false;
    const msg = f.msg;
    if (--msg.remaining === 0) {
      this.messages.delete(msg.id);
      this.stats.acked++;
      this.emit({ type: 'acked', msgId: msg.id });
    }
    // Karn's rule: an ack of a fragment sent more than once could answer either copy.
    return f.transmissions === 1 && f.sentAt > sampleSentAt ? f.sentAt : sampleSentAt;
  }

  /** RFC 9002 §6.1.1: a fragment is lost once one sent THRESHOLD seqs later was acked. Each seq is judged once. */
  private detectLoss(): void {
    if (this.lossScan < this.una) this.lossScan = this.una;
    while (this.lossScan + FAST_RETRANSMIT_THRESHOLD_FRAGMENTS <= this.largestAcked) {
      const f = this.fragments.get(this.lossScan++);
      // Only first transmissions: a retransmitted one is left to its (backed-off) timer.
      if (f !== undefined && f.transmissions === 1) this.queueRetransmit(f);
    }
  }

  private queueRetransmit(f: Fragment): void {
    if (f.queued) return;
    f.queued = true;
    this.retransmitQueue.push(f.seq);
  }

  /** The fragment a timer entry still stands for, or undefined if acked, queued or re-armed since. */
  private liveFragment(entry: Deadline): Fragment | undefined {
    const f = this.fragments.get(entry.seq);
    return f !== undefined && !f.queued && f.deadline === entry.at ? f : undefined;
  }

  private oldestMessage(): OutMessage | undefined {
    return this.messages.values().next().value;
  }
}
