// ReliableChannel: exactly-once, in-order delivery of whole messages over a lossy,
// duplicating, reordering datagram path. Sans-IO (quinn-proto style): the caller feeds
// time and frames in, drains frames and events out, and arms one timer for nextTimeout().
//
// Driver contract: after every send(), receive() and handleTimeout(), drain pollTransmit()
// until undefined, then pollEvent(), then arm a timer for nextTimeout(). Frames carry the
// time of the latest call (pollTransmit takes no clock), so drain right away.

import { ACK_DELAY_MS, ACK_EVERY_FRAGMENTS, MAX_FRAGMENT_BODY_BYTES, MAX_MESSAGE_BYTES, MAX_SACK_RANGES, RECEIVE_WINDOW_FRAGMENTS, SEND_WINDOW_FRAGMENTS } from '../constants.ts';
import { MsgType } from '../wire.ts';
import { ReceiveWindow, type Arrival } from './receive-window.ts';
import { RttEstimator } from './rto.ts';
import { SendWindow } from './send-window.ts';
import type { ChannelEvent, ChannelFrame, ChannelStats } from './types.ts';

export { FailReason } from './types.ts';
export type { AckFrame, ChannelEvent, ChannelFrame, ChannelStats, DataFrame } from './types.ts';

export interface ReliableChannelOptions {
  /** Largest body of one Data frame. Default MAX_FRAGMENT_BODY_BYTES. */
  maxFragmentBody?: number;
  /**
   * The RTT estimator to learn from and time retransmissions by. Default: a channel of its
   * own. The streams of one conversation share their path's (see path-sender.ts): the round
   * trip is a property of the path, not of a stream.
   */
  rtt?: RttEstimator;
}

export class ReliableChannel {
  readonly stats: ChannelStats = { sent: 0, retransmits: 0, lossesDetected: 0, timeouts: 0, probes: 0, duplicatesDropped: 0, outOfWindowDropped: 0, delivered: 0, acked: 0, malformedDropped: 0 };
  private readonly sender: SendWindow;
  private readonly receiver: ReceiveWindow;
  private events: ChannelEvent[] = [];
  private eventHead = 0;
  /** Latest time seen: stamps the frames pollTransmit hands out. */
  private now = 0;
  /** Data frames received since our last ack. */
  private arrivalsSinceAck = 0;
  private ackDue = false;
  private ackDeadline: number | undefined;

  constructor(opts: ReliableChannelOptions = {}) {
    const maxFragmentBody = opts.maxFragmentBody ?? MAX_FRAGMENT_BODY_BYTES;
    if (!Number.isSafeInteger(maxFragmentBody) || maxFragmentBody < 1) throw new RangeError(`maxFragmentBody must be a positive integer, got ${maxFragmentBody}`);
    const emit = (event: ChannelEvent): void => void this.events.push(event);
    this.sender = new SendWindow(maxFragmentBody, SEND_WINDOW_FRAGMENTS, this.stats, emit, opts.rtt ?? new RttEstimator());
    this.receiver = new ReceiveWindow(
      RECEIVE_WINDOW_FRAGMENTS,
      (msgId, body) => {
        this.stats.delivered++;
        emit({ type: 'deliver', msgId, body });
      },
      () => void this.stats.malformedDropped++,
    );
  }

  /** Queues a message; returns its msgId (the seq of its first fragment, as the peer will see it). */
  send(body: Uint8Array, now: number): number {
    if (body.length > MAX_MESSAGE_BYTES) throw new RangeError(`message of ${body.length} bytes exceeds MAX_MESSAGE_BYTES (${MAX_MESSAGE_BYTES})`);
    this.observe(now);
    return this.sender.enqueue(body, now);
  }

  /** Takes one frame from the peer. Never throws: impossible content is counted and dropped. */
  receive(frame: ChannelFrame, now: number): void {
    if (typeof frame !== 'object' || frame === null) return;
    this.observe(now);
    if (frame.t === MsgType.Data) this.onData(frame.seq, frame.more === true, frame.body, now);
    else if (frame.t === MsgType.Ack && !this.sender.onAck(frame.cum, frame.sack, now)) this.stats.malformedDropped++;
  }

  handleTimeout(now: number): void {
    this.observe(now);
    if (this.ackDeadline !== undefined && now >= this.ackDeadline) this.ackDue = true;
    this.sender.onTimeout(now);
  }

  /**
   * Next frame to send: a due ack first (it unblocks the peer), then retransmissions, then
   * new data if `allowNew` (a sender sharing one window among streams says when there is room).
   */
  pollTransmit(allowNew = true): ChannelFrame | undefined {
    if (this.ackDue) {
      this.ackDue = false;
      this.ackDeadline = undefined;
      this.arrivalsSinceAck = 0;
      return { t: MsgType.Ack, cum: this.receiver.cumulative, sack: this.receiver.sackRanges(MAX_SACK_RANGES) };
    }
    return this.sender.nextFrame(this.now, allowNew);
  }

  /** Fragments between the oldest unacked and the newest sent: what this stream holds of the window. */
  get flightFragments(): number {
    return this.sender.flightFragments;
  }

  pollEvent(): ChannelEvent | undefined {
    if (this.eventHead >= this.events.length) {
      if (this.eventHead > 0) {
        this.events = [];
        this.eventHead = 0;
      }
      return undefined;
    }
    return this.events[this.eventHead++];
  }

  /** Absolute time of the next delayed ack, retransmission or give-up; undefined when idle. */
  nextTimeout(): number | undefined {
    const sender = this.sender.nextTimeout();
    const ack = this.ackDue ? undefined : this.ackDeadline; // a due ack waits in pollTransmit, not on a timer
    if (ack === undefined) return sender;
    return sender === undefined ? ack : Math.min(ack, sender);
  }

  /** The conversation died: every unacked message fails with `reason`; later sends fail at once. */
  failAll(reason: string): void {
    this.sender.failEverything(reason, reason);
  }

  get rtoMs(): number {
    return this.sender.rtt.rtoMs;
  }

  get srttMs(): number | undefined {
    return this.sender.rtt.srttMs;
  }

  hasUnacked(): boolean {
    return this.sender.hasUnacked;
  }

  private onData(seq: number, more: boolean, body: Uint8Array, now: number): void {
    const gapBefore = this.receiver.hasGaps;
    const arrival: Arrival = this.receiver.accept(seq, more, body);
    if (arrival === 'malformed') {
      this.stats.malformedDropped++;
      return; // nothing true to acknowledge
    }
    if (arrival === 'duplicate') this.stats.duplicatesDropped++;
    else if (arrival === 'out-of-window') this.stats.outOfWindowDropped++;
    // Every data frame is acked, duplicates too (our earlier ack may be lost). In-order data
    // waits up to ACK_DELAY_MS or ACK_EVERY_FRAGMENTS frames (RFC 1122 §4.2.3.2); anything
    // that reveals or fills a gap is acked at once so the sender learns quickly (RFC 5681 §4.2).
    this.arrivalsSinceAck++;
    if (arrival !== 'in-order' || gapBefore || this.arrivalsSinceAck >= ACK_EVERY_FRAGMENTS) this.ackDue = true;
    else this.ackDeadline ??= now + ACK_DELAY_MS;
  }

  private observe(now: number): void {
    if (Number.isFinite(now) && now > this.now) this.now = now;
  }
}
