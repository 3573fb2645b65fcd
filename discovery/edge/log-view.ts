// The log view: one readable line per server event, and the periodic count line. The lines
// are for people; programs subscribe to the typed events (DiscoveryServer.subscribe) or read
// snapshot() instead of parsing these.

import { endpointToString, type Endpoint } from '../../src/wire.ts';
import type { AmplificationStats, ServerEvent, ServerStats } from '../core/server-engine.ts';

export interface DiscoveryServerStats extends ServerStats {
  /** Sends the kernel refused (e.g. no route), counted by the transport. */
  sendErrors: number;
  /** Bytes to and from sources that never proved their address (out/in must stay <= 1 each). */
  amplification: AmplificationStats;
}

const short = (id: string): string => id.slice(0, 8);
/**
 * Characters that could make a name look like something else in a log line: controls (C0, C1),
 * format characters (bidi overrides and isolates, zero-width), line and paragraph separators,
 * unassigned and private-use code points, and every space but U+0020.
 */
const DECEPTIVE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/gu;
/** Each UTF-16 unit as \uXXXX (astral private-use and unassigned code points are two). */
const escaped = (c: string): string =>
  c
    .split('')
    .map((u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .join('');
/**
 * A name as a JSON string literal with every deceptive character escaped: free text cannot
 * end the quote, fake an id or an address, start a new line or reorder what follows.
 */
export function quoteName(name: string): string {
  return JSON.stringify(name).replace(DECEPTIVE, escaped);
}
const who = (p: { id: string; name: string }): string => `${quoteName(p.name)} (${short(p.id)})`;
const at = (e: Endpoint): string => endpointToString(e);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
const byReason = (counts: Record<string, number>): string =>
  Object.entries(counts)
    .sort((x, y) => y[1] - x[1])
    .map(([reason, n]) => `${reason}=${n}`)
    .join(' ');

export function describe(ev: ServerEvent): string {
  switch (ev.type) {
    case 'join':
      return `join    ${who(ev.peer)} from ${at(ev.peer.observed)}`;
    case 'leave':
      return `${ev.reason === 'expired' ? 'expire ' : 'leave  '} ${who(ev.peer)} at ${at(ev.peer.observed)}${ev.reason === 'replaced' ? ' (address taken by another id)' : ''}`;
    case 'endpoint':
      return `moved   ${who(ev.peer)} ${at(ev.previous)} -> ${at(ev.peer.observed)}`;
    case 'rename':
      return `rename  ${quoteName(ev.previousName)} -> ${who(ev.peer)}`;
    case 'introduction':
      return `intro   ${who(ev.from)} at ${at(ev.from.observed)} <-> ${who(ev.to)} at ${at(ev.to.observed)}`;
    case 'relay_start':
      return `relay+  ${who(ev.from)} -> ${who(ev.to)} (relaying starts)`;
    case 'relay_stop':
      return `relay-  ${who(ev.pair.a)} <-> ${who(ev.pair.b)} idle; ${ev.pair.datagrams} datagrams, ${ev.pair.bytes} bytes in ${seconds(ev.pair.lastAt - ev.pair.since)}`;
    case 'drops':
      return `drops   ${ev.total} in ${seconds(ev.sinceMs)}: ${byReason(ev.counts)}`;
    case 'path_report':
      return `path    ${who(ev.from)} -> ${short(ev.peerId)}: ${ev.outcome}${ev.relayServer ? ` via ${ev.relayServer}` : ''}${ev.reason ? ` (${quoteName(ev.reason)})` : ''}`;
  }
}

export function describeStats(s: DiscoveryServerStats): string {
  const drops = Object.entries(s.drops);
  const dropText = drops.length === 0 ? 'none' : drops.map(([reason, n]) => `${reason}=${n}`).join(' ');
  return `online ${s.online} | in ${s.datagramsIn} out ${s.datagramsOut} relayed ${s.relayed} | drops ${dropText}${s.sendErrors ? ` | send errors ${s.sendErrors}` : ''}`;
}
