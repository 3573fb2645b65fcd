// The punch scheduler, sans-IO: which candidates to probe, and when. A burst first (most
// punches succeed on the first try), then pacing that backs off to a steady probe; direct
// candidates from the start, the relay only after relayFallbackAfterMs without a direct
// answer. The first candidate that answers wins (ICE-lite); the conversation decides what a
// win means (a relay win keeps direct probing alive in the background, to upgrade later).

import { MAX_DIRECT_CANDIDATES, MAX_PROBES_PER_ATTEMPT, PUNCH_SCHEDULE_MS, PUNCH_STEADY_INTERVAL_MS } from '../../src/constants.ts';
import { endpointKey } from '../../src/address.ts';
import { withTimings, type Timings } from '../../src/timings.ts';
import type { Endpoint } from '../../src/wire.ts';

export type CandidateKind = 'public' | 'lan' | 'peer-reflexive' | 'address';

/** A way to reach the peer: straight to an address, or through a discovery server's relay. */
export type Path = { kind: 'direct'; addr: Endpoint } | { kind: 'relay'; server: Endpoint };

export const pathKey = (p: Path): string => (p.kind === 'direct' ? `d|${endpointKey(p.addr)}` : `r|${endpointKey(p.server)}`);

export type PunchTimings = Pick<Timings, 'punchTimeoutMs' | 'relayFallbackAfterMs' | 'directUpgradeIntervalMs'>;

export class PunchScheduler {
  private readonly direct = new Map<string, Endpoint>();
  /** Which of the direct candidates came from the peer's own datagrams (peer-reflexive). */
  private readonly reflexive = new Set<string>();
  private readonly relays = new Map<string, Endpoint>();
  private readonly timings: PunchTimings;
  private startedAt: number;
  private step = 0;
  /** When the next round of probes is due; undefined once a direct path won or the attempt timed out. */
  private nextAt: number | undefined;
  /** The latest `now` we were given: candidates added since are due as of then. */
  private lastNow: number;
  /** Set once any path won: from then on only slow background probing toward direct. */
  private upgrading = false;
  /** Candidates added since the last round, probed at once. */
  private fresh: Path[] = [];
  /** Recovery of a live conversation never times out here: the peer-silence timer ends it. */
  private keepGoing = false;
  private timedOut = false;
  /** Direct probes sent in this attempt's burst and steady rounds (at most MAX_PROBES_PER_ATTEMPT). */
  private probesSent = 0;

  constructor(now: number, timings?: Partial<Timings>) {
    this.timings = withTimings(timings);
    this.startedAt = now;
    this.nextAt = now;
    this.lastNow = now;
  }

  /** Starts a new burst (a new introduction, or recovery of a broken path). */
  restart(now: number, keepGoing = false): void {
    this.startedAt = now;
    this.lastNow = Math.max(this.lastNow, now);
    this.step = 0;
    this.nextAt = now;
    this.upgrading = false;
    this.timedOut = false;
    this.keepGoing = keepGoing;
    this.probesSent = 0;
  }

  /**
   * Adds a direct candidate; at most MAX_DIRECT_CANDIDATES, so no introduction aims us at a
   * long list of third parties. When full, an address the peer's own datagram came from
   * takes the place of the oldest introduced one; other newcomers are ignored.
   */
  addDirect(kind: CandidateKind, addr: Endpoint): void {
    const key = endpointKey(addr);
    // The same address can be both public and LAN (loopback, or a host without NAT): probe it once.
    if (this.direct.has(key)) return;
    if (this.direct.size >= MAX_DIRECT_CANDIDATES) {
      const victim = kind === 'peer-reflexive' ? [...this.direct.keys()].find((k) => !this.reflexive.has(k)) : undefined;
      if (victim === undefined) return;
      this.direct.delete(victim);
    }
    if (kind === 'peer-reflexive') this.reflexive.add(key);
    this.direct.set(key, addr);
    this.fresh.push({ kind: 'direct', addr });
  }

  addRelay(server: Endpoint): void {
    const key = endpointKey(server);
    if (!this.relays.has(key)) this.relays.set(key, server);
  }

  /** A path was confirmed. Direct wins end punching; a relay win leaves upgrade probing. */
  won(path: Path, now: number): void {
    this.lastNow = Math.max(this.lastNow, now);
    this.upgrading = true;
    this.nextAt = path.kind === 'direct' ? undefined : now + this.timings.directUpgradeIntervalMs;
  }

  /** True once the attempt ran out of time without any path. */
  expired(now: number): boolean {
    return !this.upgrading && !this.keepGoing && now - this.startedAt >= this.timings.punchTimeoutMs;
  }

  /** Paths to probe now. Call from handleTimeout (and after adding candidates). */
  due(now: number): Path[] {
    this.lastNow = Math.max(this.lastNow, now);
    const probes = this.fresh;
    this.fresh = [];
    if (this.expired(now)) this.timedOut = true;
    if (this.timedOut || this.nextAt === undefined || now < this.nextAt) return probes;
    const direct: Path[] = [...this.direct.values()].map((addr) => ({ kind: 'direct', addr }));
    if (this.upgrading) {
      this.nextAt = now + this.timings.directUpgradeIntervalMs;
      return direct;
    }
    const relayAt = this.startedAt + this.timings.relayFallbackAfterMs;
    // However many candidates and however long: a bounded number of probes per attempt.
    const all = direct.slice(0, Math.max(0, MAX_PROBES_PER_ATTEMPT - this.probesSent));
    this.probesSent += all.length;
    if (now >= relayAt) for (const server of this.relays.values()) all.push({ kind: 'relay', server });
    this.step++;
    const offset = PUNCH_SCHEDULE_MS[this.step];
    const last = PUNCH_SCHEDULE_MS[PUNCH_SCHEDULE_MS.length - 1] ?? 0;
    const planned = offset ?? last + (this.step - PUNCH_SCHEDULE_MS.length + 1) * PUNCH_STEADY_INTERVAL_MS;
    this.nextAt = this.startedAt + planned;
    // The relay joins at its fallback time even if that falls between two steady probes.
    if (this.relays.size && now < relayAt && relayAt < this.nextAt) this.nextAt = relayAt;
    return all;
  }

  /** When `due` has something next; undefined when nothing is scheduled. */
  nextTimeout(): number | undefined {
    if (this.fresh.length) return this.lastNow;
    if (this.upgrading || this.keepGoing) return this.nextAt;
    if (this.timedOut) return undefined;
    const deadline = this.startedAt + this.timings.punchTimeoutMs;
    return this.nextAt === undefined ? deadline : Math.min(this.nextAt, deadline);
  }
}
