// Loss detection that is not the retransmission timer: RACK's time threshold and QUIC's
// packet threshold (RFC 8985, RFC 9002 §6.1), plus one tail loss probe (RFC 8985 §7).
//
// Seqs are reused by retransmissions, so "sent later" cannot be read from the seq: every
// transmission gets a fresh send order (QUIC's packet number), and the fragments in flight
// sit in a list in that order, oldest first. A fragment is lost once one sent after it was
// acked and either THRESHOLD later transmissions were acked or it has been out for longer
// than the reorder window, max(9/8 · RTT, 1 ms). That judges retransmissions like anything
// else, so a lost retransmission is found by the next ack, not by a backed-off RTO.
//
// Cost: O(1) per send and per ack; the loss scan stops at the first fragment still within
// the reorder window, so it only walks what it declares lost.

import { ACK_DELAY_MS, FAST_RETRANSMIT_THRESHOLD_FRAGMENTS, RACK_MIN_REORDER_WINDOW_MS, TLP_MAX_PROBES, TLP_MIN_TIMEOUT_MS } from '../constants.ts';
import type { RttEstimator } from './rto.ts';

/** What the detector needs of a fragment; the links make the flight list intrusive (no allocation). */
export interface Tracked {
  /** Send order of the latest transmission. */
  order: number;
  /** Time of the latest transmission. */
  sentAt: number;
  transmissions: number;
  inFlight: boolean;
  prev: Tracked | undefined;
  next: Tracked | undefined;
}

/** RFC 9002 §6.1.2 kTimeThreshold: a fragment may arrive 1/8 of an RTT late before it counts as lost. */
const TIME_THRESHOLD = 9 / 8;

export class LossDetector<F extends Tracked> {
  private head: F | undefined;
  private tail: F | undefined;
  private nextOrder = 0;
  /** Send order of the latest transmission known to have arrived (RACK.segment). */
  private rackOrder = -1;
  /** When a fragment sent before rackOrder leaves the reorder window; undefined if none waits. */
  private lossTimerAt: number | undefined;
  /** Probes left for this tail: refilled by new data or by ack progress, spent one per probe. */
  private probesLeft = 0;

  constructor(private readonly rtt: RttEstimator) {}

  /** A transmission left: it becomes the newest in flight. */
  onSent(f: F, now: number): void {
    if (f.inFlight) this.unlink(f);
    f.order = this.nextOrder++;
    f.sentAt = now;
    f.inFlight = true;
    f.prev = this.tail;
    f.next = undefined;
    if (this.tail === undefined) this.head = f;
    else this.tail.next = f;
    this.tail = f;
    if (f.transmissions === 1) this.probesLeft = TLP_MAX_PROBES; // new data: a new tail to protect
  }

  /** The peer holds `f`. Moves RACK forward unless the ack may answer an older copy. */
  onAcked(f: F, now: number): void {
    this.probesLeft = TLP_MAX_PROBES;
    if (f.inFlight) this.unlink(f);
    // RFC 8985 §6.2 step 2: an ack sooner than min RTT after a retransmission answers the
    // original; believing it would date the delivery too late and flag innocent fragments.
    const minRtt = this.rtt.minRttMs;
    if (f.transmissions > 1 && minRtt !== undefined && now - f.sentAt < minRtt) return;
    if (f.order > this.rackOrder) this.rackOrder = f.order;
  }

  /** Takes `f` out of flight without news of it: it timed out, or the channel failed. */
  forget(f: F): void {
    if (f.inFlight) this.unlink(f);
  }

  /** Hands every fragment now judged lost to `lost` (each leaves the flight list), oldest first. */
  detect(now: number, lost: (f: F) => void): void {
    this.lossTimerAt = undefined;
    const window = this.reorderWindow();
    for (let f = this.head; f !== undefined && f.order < this.rackOrder; f = this.head) {
      const byCount = f.order + FAST_RETRANSMIT_THRESHOLD_FRAGMENTS <= this.rackOrder;
      // Written as the timer below is computed, so float rounding can never leave a due timer
      // whose scan finds nothing due (a driver would spin on it).
      const byTime = window !== undefined && f.sentAt + window <= now;
      if (!byCount && !byTime) {
        // Both conditions hold for a prefix of the list: nothing behind f is lost yet either.
        if (window !== undefined) this.lossTimerAt = f.sentAt + window;
        return;
      }
      this.unlink(f);
      lost(f);
    }
  }

  /**
   * When to probe the tail: 2·srtt (+ the peer's ack delay) after the newest transmission,
   * doubled for each probe already sent unanswered (RFC 9002 §6.2.1), while no reorder
   * timer is running (it will find the loss sooner).
   */
  probeAt(): number | undefined {
    const srtt = this.rtt.srttMs;
    if (this.probesLeft <= 0 || this.tail === undefined || srtt === undefined || this.lossTimerAt !== undefined) return undefined;
    return this.tail.sentAt + Math.max(2 * srtt + ACK_DELAY_MS, TLP_MIN_TIMEOUT_MS) * 2 ** (TLP_MAX_PROBES - this.probesLeft);
  }

  /** Spends a probe: the newest fragment in flight, to be sent again. The RTO does not back off. */
  takeProbe(): F | undefined {
    const f = this.tail;
    if (f === undefined) return undefined;
    this.probesLeft--;
    this.unlink(f);
    return f;
  }

  get lossTimeout(): number | undefined {
    return this.lossTimerAt;
  }

  /** Drops every fragment and timer (the channel failed). */
  clear(): void {
    for (let f = this.head; f !== undefined; f = this.head) this.unlink(f);
    this.lossTimerAt = undefined;
    this.probesLeft = 0;
  }

  /** max(9/8 · max(srtt, latest RTT), 1 ms) (RFC 9002 §6.1.2); undefined before any sample. */
  private reorderWindow(): number | undefined {
    const srtt = this.rtt.srttMs;
    const latest = this.rtt.latestRttMs;
    if (srtt === undefined || latest === undefined) return undefined;
    return Math.max(TIME_THRESHOLD * Math.max(srtt, latest), RACK_MIN_REORDER_WINDOW_MS);
  }

  private unlink(f: Tracked): void {
    const { prev, next } = f;
    if (prev === undefined) this.head = next as F | undefined;
    else prev.next = next;
    if (next === undefined) this.tail = prev as F | undefined;
    else next.prev = prev;
    f.prev = f.next = undefined;
    f.inFlight = false;
  }
}
