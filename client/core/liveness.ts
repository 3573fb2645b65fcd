// Is the path alive, and is the peer? Sans-IO timers of an open conversation, fed with what
// was heard and sent:
// - keepalive: a ping after keepaliveIntervalMs without sending anything, so the NAT mappings
//   on both sides stay open (RFC 4787 asks for 2 minutes of idle; many NATs keep UDP
//   mappings for 30 s or less);
// - stale path: a reply awaited for pathStaleAfterMs. The NAT mapping may be gone or the peer
//   may have moved: the conversation re-punches while the streams keep retransmitting, and
//   pings every PATH_PROBE_INTERVAL_MS meanwhile, so whichever path comes back is found fast;
// - silent peer: nothing heard for peerSilentTimeoutMs ends the conversation.

import { PATH_PROBE_INTERVAL_MS } from '../../src/constants.ts';
import type { Timings } from '../../src/timings.ts';

export type LivenessTimings = Pick<Timings, 'keepaliveIntervalMs' | 'pathStaleAfterMs' | 'peerSilentTimeoutMs'>;

/** What the path needs now (see check). */
export interface LivenessDue {
  /** The path just went stale: re-punch and ask for a new introduction. */
  stale: boolean;
  /** Send a ping (keepalive, or a probe of a suspect path). */
  ping: boolean;
}

export class Liveness {
  private lastRx: number;
  private lastTx: number;
  /** Since when we expect a reply that has not come (undefined: nothing outstanding). */
  private awaitingSince: number | undefined;
  private suspect = false;

  constructor(
    now: number,
    private readonly timings: LivenessTimings,
  ) {
    this.lastRx = now;
    this.lastTx = now;
  }

  /** True from the moment the path went stale until a path is confirmed again. */
  get recovering(): boolean {
    return this.suspect;
  }

  /** Something authentic arrived from the peer. */
  heard(now: number): void {
    this.lastRx = now;
    this.awaitingSince = undefined;
  }

  /** We sent something; `wantsReply` unless it was a pong, an ack or a bye. */
  sent(now: number, wantsReply: boolean): void {
    this.lastTx = now;
    // Every datagram we send but those asks for an answer; its absence is what reveals a dead path.
    if (wantsReply) this.awaitingSince ??= now;
  }

  /** A path was (re)confirmed: the next silence may go stale again. */
  pathConfirmed(): void {
    this.suspect = false;
  }

  /** Milliseconds since the peer was last heard, if that is long enough to call it lost; else undefined. */
  peerLost(now: number): number | undefined {
    const silent = now - this.lastRx;
    return silent >= this.timings.peerSilentTimeoutMs ? silent : undefined;
  }

  /** Call after the streams had their turn (what they sent counts as traffic). */
  check(now: number): LivenessDue {
    if (this.awaitingSince === undefined) return { stale: false, ping: now - this.lastTx >= this.timings.keepaliveIntervalMs };
    const stale = !this.suspect && now - this.awaitingSince >= this.timings.pathStaleAfterMs;
    if (stale) this.suspect = true;
    return { stale, ping: now - this.lastTx >= PATH_PROBE_INTERVAL_MS };
  }

  nextTimeout(): number {
    let next = this.lastRx + this.timings.peerSilentTimeoutMs;
    if (this.awaitingSince === undefined) return Math.min(next, this.lastTx + this.timings.keepaliveIntervalMs);
    next = Math.min(next, this.lastTx + PATH_PROBE_INTERVAL_MS);
    return this.suspect ? next : Math.min(next, this.awaitingSince + this.timings.pathStaleAfterMs);
  }
}
