// Caps per source IP: how many identities one address may have listed at once, and how many
// new listings it may make a minute. One host with a signing key per name can otherwise list
// thousands of identities (2,000 from one host, 689 of them "bob", made `connect bob`
// ambiguous for everyone). The caps are per IP, not per endpoint: ports are free to pick.
// A household or a CGNAT shares an address, hence 64 and 120, not 1; loopback tests and
// benches that list many clients from one address raise them (engine options, CLI flags).
//
// Memory is one slot per listing IP in a compact count table (data/ip-counts.ts: ~16 bytes an
// IPv4 address) and, for the rate, one number per IP that listed something recently (GCRA:
// when its allowance is full again, the token bucket's twin in a single number), forgotten
// once it has refilled.

import { isIP } from 'node:net';
import { MAX_IDS_PER_IP, MAX_REGISTRATIONS_PER_IP_PER_MIN, MAX_TRACKED_SOURCES } from '../../src/constants.ts';
import { BoundedMap } from '../data/bounded-map.ts';
import { IpCounts } from '../data/ip-counts.ts';

export interface IpCapsOptions {
  /** Identities listed at once per IP; Infinity (or 0 from a CLI): no cap. Default MAX_IDS_PER_IP. */
  maxIdsPerIp?: number;
  /** New listings per IP per minute; Infinity (or 0): no cap. Default MAX_REGISTRATIONS_PER_IP_PER_MIN. */
  maxRegistrationsPerIpPerMin?: number;
}

/** Why a listing was refused: also the drop reason. */
export type IpCapRefusal = 'ip-identity-cap' | 'ip-registration-rate';

/** The stable code of the ServerError a refused client gets (it retries later; nothing else changes). */
export const IP_CAP_ERROR_CODE = 'TOO_MANY_IDENTITIES';

/** 0 and non-finite numbers mean "no cap". */
const capOf = (n: number | undefined, fallback: number): number => (n === undefined ? fallback : n > 0 && Number.isFinite(n) ? n : Infinity);

export class IpCaps {
  readonly maxIds: number;
  readonly maxPerMin: number;
  /** Listed identities per IP key; an IP with none has no slot. */
  private readonly listed = new IpCounts();
  /** GCRA: per IP key, when its rate allowance is next full again (ms, the engine's clock). */
  private readonly fullAt = new BoundedMap<string, number>(MAX_TRACKED_SOURCES);
  private readonly intervalMs: number;

  constructor(options: IpCapsOptions = {}) {
    this.maxIds = capOf(options.maxIdsPerIp, MAX_IDS_PER_IP);
    this.maxPerMin = capOf(options.maxRegistrationsPerIpPerMin, MAX_REGISTRATIONS_PER_IP_PER_MIN);
    this.intervalMs = 60_000 / this.maxPerMin;
  }

  /** No cap at all: nothing is counted (and nothing kept). */
  get off(): boolean {
    return this.maxIds === Infinity && this.maxPerMin === Infinity;
  }

  /** IPs with a listed identity, and IPs whose rate allowance is not full. */
  get size(): number {
    return this.listed.size + this.fullAt.size;
  }

  /** Identities listed from `host`'s IP (or its /64). */
  count(host: string): number {
    return this.listed.get(ipKey(host));
  }

  /**
   * May `host` list one more identity? `replaces`: the new listing takes the place of another
   * listed from the same IP (the same endpoint), so the count does not grow. Charges nothing.
   */
  refusal(host: string, replaces: boolean, now: number): IpCapRefusal | undefined {
    if (this.off) return undefined;
    const key = ipKey(host);
    if (!replaces && this.listed.get(key) >= this.maxIds) return 'ip-identity-cap';
    if (this.maxPerMin !== Infinity) {
      // The allowance holds maxPerMin listings; each uses intervalMs of it.
      const full = this.fullAt.peek(key) ?? now;
      if (full - now > 60_000 - this.intervalMs) return 'ip-registration-rate';
    }
    return undefined;
  }

  /** A new identity was listed from `host`: count it and charge the IP's rate. */
  listedAt(host: string, now: number): void {
    if (this.off) return;
    const key = ipKey(host);
    this.listed.add(key, 1);
    if (this.maxPerMin === Infinity) return;
    const full = Math.max(this.fullAt.peek(key) ?? now, now);
    this.fullAt.set(key, Math.ceil(full + this.intervalMs));
    // Most IPs list one identity, full again in intervalMs: forget those from the old end as we
    // go (amortised O(1)), so a registration wave does not hold 10 s of them until the sweep.
    this.fullAt.sweepOldest((f) => f <= now);
  }

  /** An identity listed from `host` is gone (left, expired, replaced, or moved to another IP). */
  unlisted(host: string): void {
    if (this.off) return;
    this.listed.add(ipKey(host), -1);
  }

  /** Forgets the rate of IPs whose allowance is full again. */
  sweep(now: number): void {
    this.fullAt.sweep((full) => full <= now);
  }
}

/**
 * The key an address is capped under: an IPv4 address itself; for IPv6, its /64 (one host
 * usually holds a whole /64, so per-address caps would mean nothing). IPv4-mapped IPv6
 * addresses count as the IPv4 address.
 */
export function ipKey(host: string): string {
  if (isIP(host) !== 6) return host;
  const h = host.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  if (mapped) return mapped[1] as string;
  const [head = '', tail] = h.split('%')[0]!.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
