// `discovery:all` when stdout is not a terminal (a pipe, a file, journald): plain log lines,
// one per logical event (merged across the ports, event-merger.ts), each with its UTC time,
// and every SERVER_STATS_INTERVAL_MS one line of counts for all the servers together. Names
// are quoted (log-view.ts quoteName): no name can fake an id, an address or a line.

import type { DiscoveryServerStats } from '../log-view.ts';
import { dropWords } from './drop-words.ts';
import type { MergedEntry } from './event-merger.ts';

/** One log line for a merged entry: `2026-12-04T18:25:41.123Z join    "alice" (ab12cd34) from … on 8000,8001,8002`. */
export function plainLine(entry: Pick<MergedEntry, 'text'>, wallNow: number): string {
  return `${new Date(wallNow).toISOString()} ${entry.text}`;
}

/** The counts of every server of the process as one line (per port where they differ). */
export function statsLine(servers: readonly { port: number; stats: DiscoveryServerStats }[], wallNow: number): string {
  const online = servers.map((s) => `${s.port}:${s.stats.online}`).join(' ');
  let inn = 0;
  let out = 0;
  let relayed = 0;
  const drops = new Map<string, number>();
  for (const { stats } of servers) {
    inn += stats.datagramsIn;
    out += stats.datagramsOut;
    relayed += stats.relayed;
    for (const [reason, n] of Object.entries(stats.drops)) drops.set(reason, (drops.get(reason) ?? 0) + n);
  }
  const dropText = drops.size === 0 ? 'none' : [...drops].sort((x, y) => y[1] - x[1]).map(([r, n]) => `${dropWords(r)} ×${n}`).join('; ');
  return `${new Date(wallNow).toISOString()} stats   online ${online} | datagrams in ${inn} out ${out}, relayed ${relayed} | drops since start: ${dropText}`;
}
