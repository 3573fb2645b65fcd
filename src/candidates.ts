// Which self-reported LAN candidates a server passes on and a client probes. A peer's own
// word is all we have for them, so they are limited to what a LAN address can be: IP literals
// in private, link-local, CGNAT (100.64/10) or loopback ranges. Never a host name (the victim
// would resolve it), never multicast or broadcast, never a public address: otherwise one
// 50-byte request aims a client's probes at any third party (a reflector).

import { isIP } from 'node:net';
import type { Endpoint } from './wire.ts';

function ipv4Octets(host: string): number[] | undefined {
  if (isIP(host) !== 4) return undefined;
  return host.split('.').map(Number);
}

/** 10/8, 172.16/12, 192.168/16, 169.254/16 (link-local), 100.64/10 (CGNAT), 127/8. */
function isLanIpv4([a, b]: number[]): boolean {
  if (a === undefined || b === undefined) return false;
  return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127);
}

/** fc00::/7 (unique local), fe80::/10 (link-local), ::1. */
function isLanIpv6(host: string): boolean {
  if (isIP(host) !== 6) return false;
  const h = host.toLowerCase();
  if (h === '::1') return true;
  const first = parseInt(h.split(':')[0] || '0', 16);
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80;
}

/** True when `addr` may be used as a self-reported LAN candidate. */
export function isLanCandidate(addr: Endpoint): boolean {
  const [host, port] = addr;
  if (!Number.isInteger(port) || port < 1 || port > 65535) return false;
  const v4 = ipv4Octets(host);
  return v4 ? isLanIpv4(v4) : isLanIpv6(host);
}

/** The acceptable ones, in order, without duplicates. */
export function lanCandidates(addrs: readonly Endpoint[]): Endpoint[] {
  const seen = new Set<string>();
  const out: Endpoint[] = [];
  for (const a of addrs) {
    const key = `${a[0]}|${a[1]}`;
    if (!isLanCandidate(a) || seen.has(key)) continue;
    seen.add(key);
    out.push([a[0], a[1]]);
  }
  return out;
}

/**
 * True when a client may send a probe to `addr` at all: an IP literal (never a name to
 * resolve), a real port, and not unspecified, multicast or broadcast (one probe must reach
 * one host). Applies to every introduced candidate; LAN ones must also pass isLanCandidate.
 */
export function isProbeableAddress(addr: Endpoint): boolean {
  const [host, port] = addr;
  if (!Number.isInteger(port) || port < 1 || port > 65535) return false;
  const v4 = ipv4Octets(host);
  if (v4) {
    const [a] = v4;
    return a !== undefined && a !== 0 && a < 224; // 0/8 unspecified; 224/4 multicast; 240/4 reserved and 255.255.255.255
  }
  if (isIP(host) !== 6) return false;
  const h = host.toLowerCase();
  return h !== '::' && !h.startsWith('ff'); // ff00::/8 multicast
}
