// The retransmission timeout of RFC 6298: a smoothed RTT and its variation, learned from
// acks of fragments sent exactly once (Karn's rule is the caller's job: it only feeds
// unambiguous samples), with exponential back-off that outlives the fragment that caused
// it until a fresh sample arrives (RFC 6298 §5.5-5.7). Pure arithmetic, no clock.

import { INITIAL_RTO_MS, MAX_RTO_MS, MIN_RTO_MS } from '../constants.ts';

/** 2^16 times any RTO is far above MAX_RTO_MS; the cap keeps the power finite. */
const MAX_BACKOFF_SHIFT = 16;

export class RttEstimator {
  private srtt: number | undefined;
  private rttvar = 0;
  private latest: number | undefined;
  private min: number | undefined;
  /**
   * Doublings still in force from timeouts since the last valid sample. Karn's algorithm
   * keeps the backed-off RTO for new data: if the path got slower, every fragment would
   * otherwise time out before its ack, be retransmitted, and never yield a sample.
   */
  private backoffShift = 0;

  /** Smoothed RTT, undefined before the first sample. */
  get srttMs(): number | undefined {
    return this.srtt;
  }

  /** The most recent sample: loss detection's reorder window follows it when the path slows. */
  get latestRttMs(): number | undefined {
    return this.latest;
  }

  /** Smallest sample seen: an ack sooner than this after a retransmission answers the original. */
  get minRttMs(): number | undefined {
    return this.min;
  }

  /** RFC 6298 §2: srtt + 4·rttvar (INITIAL_RTO_MS before any sample), clamped. */
  get baseRtoMs(): number {
    const raw = this.srtt === undefined ? INITIAL_RTO_MS : this.srtt + 4 * this.rttvar;
    return Math.min(MAX_RTO_MS, Math.max(MIN_RTO_MS, raw));
  }

  /** The RTO a fragment sent now for the first time gets, back-off included. */
  get rtoMs(): number {
    return this.timeoutFor(0);
  }

  /** Timeout for a fragment that has already timed out `retries` times: doubled per retry, capped. */
  timeoutFor(retries: number): number {
    const shift = Math.min(MAX_BACKOFF_SHIFT, Math.max(retries, this.backoffShift));
    return Math.min(MAX_RTO_MS, this.baseRtoMs * 2 ** shift);
  }

  /** RFC 6298 §2.2-2.3; rttvar is updated with the old srtt, as the RFC orders it. */
  sample(rttMs: number): void {
    if (!Number.isFinite(rttMs) || rttMs < 0) return;
    this.latest = rttMs;
    if (this.min === undefined || rttMs < this.min) this.min = rttMs;
    if (this.srtt === undefined) {
      this.srtt = rttMs;
      this.rttvar = rttMs / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - rttMs);
      this.srtt = 0.875 * this.srtt + 0.125 * rttMs;
    }
    this.backoffShift = 0; // a fresh sample ends the back-off (RFC 6298 §5.7)
  }

  /** A fragment timed out for the `retries`-th time (RFC 6298 §5.5: double the RTO). */
  backOff(retries: number): void {
    this.backoffShift = Math.max(this.backoffShift, Math.min(MAX_BACKOFF_SHIFT, retries));
  }
}
