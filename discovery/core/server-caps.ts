// The server's caps on what one party can make it do to others, built from the engine's
// options in one place: identities per source IP (ip-caps.ts), introductions per target and
// relayed datagrams per target (target-limits.ts), and relay consent (relay-consent.ts). The
// facade passes each to the part that applies it, and sweeps them with the other maps.

import { INTRODUCTIONS_PER_TARGET_BURST, INTRODUCTIONS_PER_TARGET_RATE_PER_S, RELAY_TARGET_BURST, RELAY_TARGET_RATE_PER_S } from '../../src/constants.ts';
import { IpCaps, type IpCapsOptions } from './ip-caps.ts';
import { RelayConsent } from './relay-consent.ts';
import { TargetBuckets } from './target-limits.ts';

export interface ServerCapsOptions extends IpCapsOptions {
  /** Introductions sent to one target per second (default INTRODUCTIONS_PER_TARGET_RATE_PER_S). */
  introductionsPerTargetRatePerS?: number;
  introductionsPerTargetBurst?: number;
  /** Relayed datagrams one target receives per second from all senders (default RELAY_TARGET_RATE_PER_S). */
  relayTargetRatePerS?: number;
  relayTargetBurst?: number;
  /** How recently both peers must have asked for each other for the relay to carry their traffic (default RELAY_CONSENT_MS). */
  relayConsentMs?: number;
}

export class ServerCaps {
  readonly ip: IpCaps;
  readonly introductionTargets: TargetBuckets;
  readonly relayTargets: TargetBuckets;
  readonly consent: RelayConsent;

  constructor(options: ServerCapsOptions = {}) {
    this.ip = new IpCaps(options);
    this.introductionTargets = new TargetBuckets(options.introductionsPerTargetRatePerS ?? INTRODUCTIONS_PER_TARGET_RATE_PER_S, options.introductionsPerTargetBurst ?? INTRODUCTIONS_PER_TARGET_BURST);
    this.relayTargets = new TargetBuckets(options.relayTargetRatePerS ?? RELAY_TARGET_RATE_PER_S, options.relayTargetBurst ?? RELAY_TARGET_BURST);
    this.consent = new RelayConsent(options.relayConsentMs);
  }

  /** Entries held in the caps' maps (the sweep runs while any are). */
  get size(): number {
    return this.ip.size + this.introductionTargets.size + this.relayTargets.size + this.consent.size;
  }

  sweep(now: number): void {
    this.ip.sweep(now);
    this.introductionTargets.sweep(now);
    this.relayTargets.sweep(now);
    this.consent.sweep(now);
  }
}
