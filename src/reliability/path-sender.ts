// The one sender of a conversation. A conversation carries several streams, each a
// ReliableChannel with its own seqs, acks and reassembly, so a stalled or lossy stream never
// holds up another's delivery; but they all cross one path, so what belongs to the path is
// here, once: the window of fragments in flight, the RTT estimator, and the order in which
// streams get to send (priority: lower first; chat is 0). Frames coming back are handed to
// their stream by id.
//
// Congestion control and pacing plug in here and nowhere else: today the window is the fixed
// SEND_WINDOW_FRAGMENTS, so with the chat stream alone every frame leaves exactly as it did
// before streams existed. A controller would replace `windowFragments` by its cwnd (fed by
// the acks each stream already sees) and make pollTransmit return nothing until the pacer's
// next release time, which nextTimeout would then include.

import { SEND_WINDOW_FRAGMENTS } from '../constants.ts';
import { ReliableChannel, type ChannelFrame } from './channel.ts';
import { RttEstimator } from './rto.ts';

/** Stream 0: chat messages. Its frames carry no stream id on the wire. */
export const CHAT_STREAM = 0;
/** Priority of the chat stream: nothing goes before it. */
export const CHAT_PRIORITY = 0;

/** A frame and the stream it belongs to. */
export interface StreamFrame {
  sid: number;
  frame: ChannelFrame;
}

interface Stream {
  readonly sid: number;
  readonly priority: number;
  readonly channel: ReliableChannel;
}

export interface PathSenderOptions {
  /** Fragments in flight across every stream. Default SEND_WINDOW_FRAGMENTS. */
  windowFragments?: number;
  /** Largest Data body, for every stream. Default MAX_FRAGMENT_BODY_BYTES. */
  maxFragmentBody?: number;
}

export class PathSender {
  /** The path's round trip: every stream learns from it and times its retransmissions by it. */
  readonly rtt = new RttEstimator();
  private readonly windowFragments: number;
  private readonly maxFragmentBody: number | undefined;
  /** In sending order: by priority, then by id. Few streams: a sorted array beats a heap. */
  private readonly streams: Stream[] = [];
  private readonly byId = new Map<number, Stream>();

  constructor(opts: PathSenderOptions = {}) {
    this.windowFragments = opts.windowFragments ?? SEND_WINDOW_FRAGMENTS;
    this.maxFragmentBody = opts.maxFragmentBody;
  }

  /**
   * Opens stream `sid`. The owner sends on the channel it gets back and drains its events;
   * its frames leave only through pollTransmit here (never call the channel's own).
   */
  open(sid: number, priority: number): ReliableChannel {
    if (this.byId.has(sid)) throw new RangeError(`stream ${sid} is already open`);
    const channel = new ReliableChannel({ rtt: this.rtt, maxFragmentBody: this.maxFragmentBody });
    const stream: Stream = { sid, priority, channel };
    this.byId.set(sid, stream);
    let at = this.streams.length;
    while (at > 0 && compare(this.streams[at - 1]!, stream) > 0) at--;
    this.streams.splice(at, 0, stream);
    return channel;
  }

  /** Hands a frame from the peer to its stream. False: no such stream (the caller counts the drop). */
  receive(sid: number, frame: ChannelFrame, now: number): boolean {
    const stream = this.byId.get(sid);
    if (stream === undefined) return false;
    stream.channel.receive(frame, now);
    return true;
  }

  handleTimeout(now: number): void {
    for (const s of this.streams) s.channel.handleTimeout(now);
  }

  /**
   * The next frame to put on the path. Acks and retransmissions of every stream first, by
   * priority: they take nothing more of the window and unblock both sides. Then new data, by
   * priority, while the shared window has room: a higher-priority stream with data waiting
   * always goes first (chat is small; a bulk stream must not delay it).
   */
  pollTransmit(): StreamFrame | undefined {
    for (const s of this.streams) {
      const frame = s.channel.pollTransmit(false);
      if (frame !== undefined) return { sid: s.sid, frame };
    }
    if (this.flightFragments >= this.windowFragments) return undefined;
    for (const s of this.streams) {
      const frame = s.channel.pollTransmit(true);
      if (frame !== undefined) return { sid: s.sid, frame };
    }
    return undefined;
  }

  /** Earliest delayed ack, retransmission, probe or give-up of any stream; undefined when idle. */
  nextTimeout(): number | undefined {
    let next: number | undefined;
    for (const s of this.streams) {
      const t = s.channel.nextTimeout();
      if (t !== undefined && (next === undefined || t < next)) next = t;
    }
    return next;
  }

  /** Fragments in flight over the path, all streams together. */
  get flightFragments(): number {
    let n = 0;
    for (const s of this.streams) n += s.channel.flightFragments;
    return n;
  }

  hasUnacked(): boolean {
    return this.streams.some((s) => s.channel.hasUnacked());
  }

  /** The path is gone: every stream fails what it holds (see ReliableChannel.failAll). */
  failAll(reason: string): void {
    for (const s of this.streams) s.channel.failAll(reason);
  }
}

function compare(a: Stream, b: Stream): number {
  return a.priority - b.priority || a.sid - b.sid;
}
