// The punch scheduler, sans-IO: which candidates to probe, and when. A burst first (most
// punches succeed on the first try), then pacing that backs off to a steady probe; direct
// candidates from the start, the relay only after RELAY_FALLBACK_AFTER_MS without a direct
// answer. The first candidate that answers wins (ICE-lite); the session decides what a win
// means (a relay win keeps direct probing alive in the background, to upgrade later).

import {
  DIRECT_UPGRADE_INTERVAL_MS,
  PUNCH_SCHEDULE_MS,
  PUNCH_STEADY_INTERVAL_MS,
  PUNCH_TIMEOUT_MS,
  RELAY_FALLBACK_AFTER_MS,
} from '../../src/constants.ts';
import { endpointKey } from '../../src/address.ts';
import type { Endpoint } from '../../src/wire.ts';

export type CandidateKind = 'public' | 'lan' | 'peer-reflexive' | 'address';

/** A way to reach the peer: straight to an address, or through a discovery server's relay. */
export type Path = { kind: 'direct'; addr: Endpoint } | { kind: 'relay'; server: Endpoint };

export const pathKey = (p: Path): string => (p.kind === 'direct' ? `d|${endpointKey(p.addr)}` : `r|${endpointKey(p.server)}`);

export class PunchScheduler {
  private readonly direct = new Map<string, { kind: CandidateKind; addr: Endpoint }>();
  private readonly relays = new Map<string, Endpoint>();
  private startedAt: number;
  private step = 0;
  private nextAt: number;
  /** Set once any path won: from then on only slow background probing toward direct. */
  private upgrading = false;
  /** Candidates added since the last round, probed at once. */
  private fresh: Path[] = [];
  /** Recovery of a live conversation never times out here: the peer-silence timer ends it. */
  private keepGoing = false;
  private timedOut = false;

  constructor(now: number) {
    this.startedAt = now;
    this.nextAt = now;
  }

  /** Starts a new burst (a new introduction, or recovery of a broken path). */
  restart(now: number, keepGoing = false): void {
    this.startedAt = now;
    this.step = 0;
    this.nextAt = now;
    this.upgrading = false;
    this.timedOut = false;
    this.keepGoing = keepGoing;
  }

  addDirect(kind: CandidateKind, addr: Endpoint): void {
    const key = endpointKey(addr);
    const known = this.direct.get(key);
    // The same address can be both public and LAN (loopback, or a host without NAT): keep the first label.
    if (known) return;
    this.direct.set(key, { kind, addr });
    this.fresh.push({ kind: 'direct', addr });
  }

  addRelay(server: Endpoint): void {
    const key = endpointKey(server);
    if (this.relays.has(key)) return;
    this.relays.set(key, server);
  }

  hasRelay(): boolean {
    return this.relays.size > 0;
  }

  kindOf(addr: Endpoint): CandidateKind | undefined {
    return this.direct.get(endpointKey(addr))?.kind;
  }

  /** A path was confirmed. Direct wins end punching; a relay win leaves upgrade probing. */
  won(path: Path, now: number): void {
    this.upgrading = true;
    this.nextAt = path.kind === 'direct' ? Infinity : now + DIRECT_UPGRADE_INTERVAL_MS;
  }

  /** True once the attempt ran out of time without any path. */
  expired(now: number): boolean {
    return !this.upgrading && !this.keepGoing && now - this.startedAt >= PUNCH_TIMEOUT_MS;
  }

  /** Paths to probe now. Call from handleTimeout (and after adding candidates). */
  due(now: number): Path[] {
    const probes = this.fresh;
    this.fresh = [];
    if (this.expired(now)) this.timedOut = true;
    if (this.timedOut || now < this.nextAt) return probes;
    if (this.upgrading) {
      this.nextAt = now + DIRECT_UPGRADE_INTERVAL_MS;
      return [...this.direct.values()].map((c) => ({ kind: 'direct', addr: c.addr }));
    }
    const all: Path[] = [...this.direct.values()].map((c) => ({ kind: 'direct', addr: c.addr }));
    if (now - this.startedAt >= RELAY_FALLBACK_AFTER_MS) for (const server of this.relays.values()) all.push({ kind: 'relay', server });
    this.step++;
    const offset = PUNCH_SCHEDULE_MS[this.step];
    const last = PUNCH_SCHEDULE_MS[PUNCH_SCHEDULE_MS.length - 1] ?? 0;
    const planned = offset ?? last + (this.step - PUNCH_SCHEDULE_MS.length + 1) * PUNCH_STEADY_INTERVAL_MS;
    this.nextAt = this.startedAt + planned;
    // The relay joins at its fallback time even if that falls between two steady probes.
    const relayAt = this.startedAt + RELAY_FALLBACK_AFTER_MS;
    if (this.relays.size && now < relayAt && relayAt < this.nextAt) this.nextAt = relayAt;
    return all;
  }

  nextTimeout(): number {
    if (this.fresh.length) return -Infinity;
    if (this.upgrading || this.keepGoing) return this.nextAt;
    return this.timedOut ? Infinity : Math.min(this.nextAt, this.startedAt + PUNCH_TIMEOUT_MS);
  }
}
