// The server's state as plain data: every listed entry (endpoint, LAN candidates, what can be
// told of its NAT, since, lastSeen), the counters and the active relay pairs. O(entries): for
// a live view refreshed now and then, not for every datagram.

import { sameEndpoint } from '../../src/address.ts';
import type { Endpoint } from '../../src/wire.ts';
import type { Registry, RegistryEntry } from './registry.ts';
import type { EntryView, NatGuess, RelayPairView, ReportView, ServerSnapshot, ServerStats } from './server-events.ts';

/** 'none' when the server sees the entry at one of its own LAN addresses; one server cannot tell more. */
export function natGuess(entry: RegistryEntry): NatGuess {
  return entry.lan.some((addr) => sameEndpoint(addr, entry.observed)) ? 'none' : 'unknown';
}

export function entryView(e: RegistryEntry): EntryView {
  return {
    id: e.id,
    name: e.name,
    observed: [e.observed[0], e.observed[1]],
    lan: e.lan.map(([h, p]): Endpoint => [h, p]),
    nat: natGuess(e),
    since: e.since,
    lastSeen: e.lastSeen,
  };
}

export function buildSnapshot(registry: Registry, stats: ServerStats, relays: RelayPairView[], reportOf?: (id: string) => ReportView | undefined): ServerSnapshot {
  const entries: EntryView[] = [];
  for (const e of registry.entries()) {
    const view = entryView(e);
    const report = reportOf?.(e.id);
    entries.push(report !== undefined ? { ...view, report } : view);
  }
  entries.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  return { entries, stats, relays };
}
