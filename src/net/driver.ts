// The edge between a sans-IO engine and the world: datagrams in -> engine.receive; engine
// output -> socket; one timer armed for engine.nextTimeout(). Nothing else in a process
// schedules protocol work.

import type { Engine, Transport } from './transport.ts';

/** Monotonic milliseconds: engines must not see wall-clock jumps. */
export const monotonicNow = (): number => performance.now();

/** Due deadlines handled inside one flush before the rest waits for the next turn. */
const MAX_DUE_ROUNDS = 4;

export class Driver {
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private armedFor: number | undefined;
  private stopped = false;
  private flushQueued = false;
  /**
   * Called after every engine step (a datagram received, a timer handled): the one place an
   * edge drains the engine's events, so the client and the server do it the same way.
   */
  afterStep: (() => void) | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly transport: Transport,
    private readonly now: () => number = monotonicNow,
  ) {
    transport.onDatagram((bytes, from) => {
      if (this.stopped) return;
      this.engine.receive(bytes, from, this.now());
      this.afterStep?.();
      this.flushSoon();
    });
  }

  /**
   * Flushes once the current round of I/O is processed: everything the datagrams (or
   * commands) of this round produced leaves together, so acks and data coalesce into fewer
   * datagrams at no cost in latency.
   */
  flushSoon(): void {
    if (this.flushQueued || this.stopped) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      this.flush();
    });
  }

  /** Sends what the engine has queued and re-arms the timer. Call after every command. */
  flush(): void {
    if (this.stopped) return;
    for (let round = 0; ; round++) {
      for (let out = this.engine.pollTransmit(); out; out = this.engine.pollTransmit()) {
        this.transport.send(out.bytes, out.to);
      }
      // A deadline that is already due (an ack for what just arrived) is handled here and
      // now rather than one event-loop turn later; bounded, so a buggy engine cannot spin.
      const deadline = this.engine.nextTimeout();
      const now = this.now();
      if (round >= MAX_DUE_ROUNDS || deadline === undefined || deadline > now) break;
      this.engine.handleTimeout(now);
      this.afterStep?.();
    }
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    this.disarm();
  }

  private arm(): void {
    const deadline = this.engine.nextTimeout();
    if (deadline === this.armedFor && (this.timer || this.immediate)) return;
    this.disarm();
    this.armedFor = deadline;
    if (deadline === undefined) return;
    const delay = Math.ceil(deadline - this.now());
    // A deadline that is already due (an ack to coalesce, a fresh probe) runs right after the
    // datagrams of this I/O round are processed: setTimeout(0) would wait a millisecond or more.
    if (delay <= 0) this.immediate = setImmediate(this.fire);
    else this.timer = setTimeout(this.fire, delay);
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.immediate = undefined;
    this.armedFor = undefined;
    if (this.stopped) return;
    this.engine.handleTimeout(this.now());
    this.afterStep?.();
    this.flush();
  };

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }
}
