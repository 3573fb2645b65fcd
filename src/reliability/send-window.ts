// The sending half of a channel: numbers fragments, keeps at most a window of them in
// flight, retires them on cumulative and selective acks, retransmits what the loss detector
// finds lost (RACK, packet threshold, tail probe: loss-detection.ts) or what times out
// (RFC 6298), and gives a message up MESSAGE_GIVE_UP_MS after send(). Work per ack is
// proportional to what it newly acks and what it finds lost.

import { MAX_SACK_RANGES, MESSAGE_GIVE_UP_MS } from '../constants.ts';
import { MsgType } from '../wire.ts';
import { DeadlineHeap, type Deadline } from './deadline-heap.ts';
import { splitIntoFragments } from './fragment.ts';
import { LossDetector, type Tracked } from './loss-detection.ts';
import type { RttEstimator } from './rto.ts';
import { FailReason, type ChannelEvent, type ChannelStats, type DataFrame } from './types.ts';

interface OutMessage {
  readonly id: number;
  remaining: number; // fragments not yet acked
  readonly giveUpAt: number;
}

interface Fragment extends Tracked {
  readonly seq: number;
  readonly msg: OutMessage;
  readonly more: boolean;
  readonly body: Uint8Array;
  deadline: number; // retransmission time of the latest transmission
  retries: number; // timeouts so far; drives the per-fragment back-off
  queued: boolean; // waiting in the retransmit queue
}

export class SendWindow {
  private nextSeq = 0; // next seq to assign
  private nextNew = 0; // lowest seq never transmitted: [nextNew, nextSeq) waits for the window
  private una = 0; // lowest unacked seq; the window is [una, una + windowFragments)
  private readonly fragments = new Map<number, Fragment>(); // every unacked fragment
  private readonly messages = new Map<number, OutMessage>(); // unacked, in send order = give-up order
  private retransmitQueue: number[] = [];
  private retransmitHead = 0;
  private readonly timers = new DeadlineHeap();
  private failedWith: string | undefined;
  private readonly loss: LossDetector<Fragment>;
  private readonly onLost = (f: Fragment): void => {
    this.stats.lossesDetected++;
    this.queueRetransmit(f);
  };

  constructor(
    private readonly maxFragmentBody: number,
    private readonly windowFragments: number,
    private readonly stats: ChannelStats,
    private readonly emit: (event: ChannelEvent) => void,
    readonly rtt: RttEstimator,
  ) {
    this.loss = new LossDetector<Fragment>(rtt);
  }

  get hasUnacked(): boolean {
    return this.messages.size > 0;
  }

  /** Seqs sent and not yet cumulatively acked: the share of the window in use. */
  get flightFragments(): number {
    return this.nextNew - this.una;
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
      this.fragments.set(seq, { seq, msg, more, body: parts[i]!, transmissions: 0, sentAt: 0, order: -1, inFlight: false, prev: undefined, next: undefined, deadline: 0, retries: 0, queued: false });
    }
    this.nextSeq += parts.length;
    this.messages.set(id, msg);
    return id;
  }

  /** The next data frame to put on the wire: retransmissions first, then new data the window allows (if `allowNew`). */
  nextFrame(now: number, allowNew = true): DataFrame | undefined {
    while (this.retransmitHead < this.retransmitQueue.length) {
      const f = this.fragments.get(this.retransmitQueue[this.retransmitHead++]!);
      if (f === undefined || !f.queued) continue; // acked (or failed) while it waited
      f.queued = false;
      this.stats.retransmits++;
      return this.transmit(f, now);
    }
    this.retransmitQueue = [];
    this.retransmitHead = 0;
    if (allowNew && this.nextNew < this.nextSeq && this.nextNew < this.una + this.windowFragments) {
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
    for (let seq = this.una; seq < cum; seq++) sampleSentAt = this.ackOne(seq, sampleSentAt, now);
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
        for (let seq = Math.max(s, this.una); seq < e; seq++) sampleSentAt = this.ackOne(seq, sampleSentAt, now);
      }
    }
    // One sample per ack, from the newest transmission it covers: closest to a true RTT.
    if (sampleSentAt >= 0) this.rtt.sample(now - sampleSentAt);
    while (this.una < this.nextNew && !this.fragments.has(this.una)) this.una++;
    this.loss.detect(now, this.onLost);
    return true;
  }

  /**
   * Gives up on messages older than MESSAGE_GIVE_UP_MS; retransmits what the reorder window
   * now calls lost, what timed out (backing the RTO off), and, if the tail went quiet, a probe.
   */
  onTimeout(now: number): void {
    const oldest = this.oldestMessage();
    if (oldest !== undefined && oldest.giveUpAt <= now) this.failEverything(FailReason.Timeout, FailReason.PreviousFailed);
    const lossAt = this.loss.lossTimeout;
    if (lossAt !== undefined && lossAt <= now) this.loss.detect(now, this.onLost);
    for (let top = this.timers.peek(); top !== undefined && top.at <= now; top = this.timers.peek()) {
      this.timers.pop();
      const f = this.liveFragment(top);
      if (f === undefined) continue;
      f.retries++;
      this.rtt.backOff(f.retries);
      this.loss.forget(f);
      this.stats.timeouts++;
      this.queueRetransmit(f);
    }
    const probeAt = this.probeAt();
    if (probeAt !== undefined && probeAt <= now) {
      const f = this.loss.takeProbe();
      if (f !== undefined) {
        this.stats.probes++;
        this.queueRetransmit(f);
      }
    }
  }

  /** Earliest retransmission, loss, probe or give-up time. Sheds stale timer entries as it looks. */
  nextTimeout(): number | undefined {
    let top = this.timers.peek();
    while (top !== undefined && this.liveFragment(top) === undefined) {
      this.timers.pop();
      top = this.timers.peek();
    }
    return minOf(minOf(top?.at, this.oldestMessage()?.giveUpAt), minOf(this.loss.lossTimeout, this.probeAt()));
  }

  /** No probe while retransmissions wait to leave: they are news enough, and would move the tail. */
  private probeAt(): number | undefined {
    return this.retransmitHead < this.retransmitQueue.length ? undefined : this.loss.probeAt();
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
    this.loss.clear();
    this.retransmitQueue = [];
    this.retransmitHead = 0;
    this.nextNew = this.una = this.nextSeq;
  }

  private transmit(f: Fragment, now: number): DataFrame {
    f.transmissions++;
    this.loss.onSent(f, now);
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

  private ackOne(seq: number, sampleSentAt: number, now: number): number {
    const f = this.fragments.get(seq);
    if (f === undefined || f.transmissions === 0) return sampleSentAt;
    this.fragments.delete(seq);
    f.queued = false;
    this.loss.onAcked(f, now);
    const msg = f.msg;
    if (--msg.remaining === 0) {
      this.messages.delete(msg.id);
      this.stats.acked++;
      this.emit({ type: 'acked', msgId: msg.id });
    }
    // Karn's rule: an ack of a fragment sent more than once could answer either copy.
    return f.transmissions === 1 && f.sentAt > sampleSentAt ? f.sentAt : sampleSentAt;
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

function minOf(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined ? a : Math.min(a, b);
}
