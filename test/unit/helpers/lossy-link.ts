// An in-memory, fake-clock network for sans-IO engines: a seeded PRNG decides which frames
// are lost, duplicated, and how long each one takes (random delays reorder them). A
// ChannelPair drives two ReliableChannels across two such links, jumping the clock from
// one event to the next, so minutes of simulated time take milliseconds.

import { MsgType } from '../../../src/wire.ts';
import { ReliableChannel, type ChannelEvent, type ChannelFrame } from '../../../src/reliability/channel.ts';
import { seededRandom } from '../../helpers/prng.ts';


export interface LinkOptions {
  /** Probability that a frame is dropped. */
  loss: number;
  /** Probability that a delivered frame arrives twice. */
  duplicate: number;
  /** One-way delay is uniform in [minDelayMs, maxDelayMs]; a wide range reorders. */
  minDelayMs: number;
  maxDelayMs: number;
}

export const PERFECT_LINK: LinkOptions = { loss: 0, duplicate: 0, minDelayMs: 20, maxDelayMs: 20 };

interface InFlight {
  at: number;
  order: number; // FIFO among equal times, so a fixed delay never reorders
  frame: ChannelFrame;
}

/** One direction of a link. */
export class LossyLink {
  readonly counts = { sent: 0, lost: 0, duplicated: 0 };
  private queue: InFlight[] = []; // sorted by (at, order)
  private order = 0;

  constructor(
    private readonly random: () => number,
    private readonly opts: LinkOptions,
  ) {}

  send(frame: ChannelFrame, now: number): void {
    this.counts.sent++;
    if (this.random() < this.opts.loss) {
      this.counts.lost++;
      return;
    }
    const copies = this.random() < this.opts.duplicate ? 2 : 1;
    if (copies === 2) this.counts.duplicated++;
    for (let i = 0; i < copies; i++) {
      const delay = this.opts.minDelayMs + this.random() * (this.opts.maxDelayMs - this.opts.minDelayMs);
      this.insert({ at: now + delay, order: this.order++, frame: clone(frame) });
    }
  }

  nextArrival(): number | undefined {
    return this.queue[0]?.at;
  }

  /** Removes and returns every frame due by `now`, in arrival order. */
  takeDue(now: number): ChannelFrame[] {
    let n = 0;
    while (n < this.queue.length && this.queue[n]!.at <= now) n++;
    return this.queue.splice(0, n).map((f) => f.frame);
  }

  private insert(item: InFlight): void {
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = this.queue[mid]!;
      if (m.at < item.at || (m.at === item.at && m.order < item.order)) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, item);
  }
}

/** A fresh copy, as if encoded and decoded: no engine may rely on sharing memory with its peer. */
function clone(frame: ChannelFrame): ChannelFrame {
  return frame.t === MsgType.Data ? { ...frame, body: Uint8Array.from(frame.body) } : { ...frame, sack: frame.sack.map(([s, e]) => [s, e]) };
}

export interface Side {
  readonly channel: ReliableChannel;
  readonly events: ChannelEvent[];
  /** Every frame this side put on the wire, for assertions. */
  readonly transmitted: ChannelFrame[];
}

/** Two channels, a and b, joined by a link each way, on one fake clock. */
export class ChannelPair {
  now = 0;
  readonly a: Side = { channel: new ReliableChannel(), events: [], transmitted: [] };
  readonly b: Side = { channel: new ReliableChannel(), events: [], transmitted: [] };
  readonly aToB: LossyLink;
  readonly bToA: LossyLink;
  private scheduled: { at: number; run: () => void }[] = [];

  constructor(seed: number, opts: LinkOptions) {
    const random = seededRandom(seed);
    this.aToB = new LossyLink(random, opts);
    this.bToA = new LossyLink(random, opts);
  }

  /** Runs `run` when the clock reaches `at` (e.g. a user typing a message). */
  at(at: number, run: () => void): void {
    this.scheduled.push({ at, run });
    this.scheduled.sort((x, y) => x.at - y.at);
  }

  /**
   * Advances the clock event by event until `done()` holds (returns true) or nothing is
   * left to happen before `limitMs` (returns false). The engine loop is the driver's:
   * inputs, then drain transmissions and events, then the earliest timer.
   */
  runUntil(done: () => boolean, limitMs: number): boolean {
    for (;;) {
      this.drain();
      if (done()) return true;
      const next = minDefined([
        this.a.channel.nextTimeout(),
        this.b.channel.nextTimeout(),
        this.aToB.nextArrival(),
        this.bToA.nextArrival(),
        this.scheduled[0]?.at,
      ]);
      if (next === undefined || next > limitMs) return false;
      this.now = Math.max(this.now, next);
      while (this.scheduled[0] !== undefined && this.scheduled[0].at <= this.now) this.scheduled.shift()!.run();
      // Like the driver: each datagram is received, then the channel is drained, so an ack
      // that is due leaves before the next datagram is looked at.
      for (const frame of this.aToB.takeDue(this.now)) {
        this.b.channel.receive(frame, this.now);
        this.drainSide(this.b, this.bToA);
      }
      for (const frame of this.bToA.takeDue(this.now)) {
        this.a.channel.receive(frame, this.now);
        this.drainSide(this.a, this.aToB);
      }
      this.a.channel.handleTimeout(this.now);
      this.b.channel.handleTimeout(this.now);
    }
  }

  private drain(): void {
    this.drainSide(this.a, this.aToB);
    this.drainSide(this.b, this.bToA);
  }

  private drainSide(side: Side, link: LossyLink): void {
    for (let f = side.channel.pollTransmit(); f !== undefined; f = side.channel.pollTransmit()) {
      side.transmitted.push(f);
      link.send(f, this.now);
    }
    for (let e = side.channel.pollEvent(); e !== undefined; e = side.channel.pollEvent()) side.events.push(e);
  }
}

function minDefined(values: (number | undefined)[]): number | undefined {
  let min: number | undefined;
  for (const v of values) if (v !== undefined && (min === undefined || v < min)) min = v;
  return min;
}
