// What `discovery:all` prints: on a terminal, the table refreshed in place with the merged
// event log below it (terminal-view.ts); otherwise plain log lines, one per logical event,
// and a count line now and then (plain-log.ts). Either way the servers' events go through
// the merger (one line per event, naming the ports), and every shown server is watched with
// the authenticated status probe (up/down, figures).

import { SERVER_STATS_INTERVAL_MS } from '../../../src/constants.ts';
import { fromHex } from '../../../src/crypto/bytes.ts';
import { endpointToString, type Endpoint } from '../../../src/wire.ts';
import type { LaunchedServers } from '../launcher.ts';
import { StatusProbe } from '../status-probe.ts';
import { mergeLaunched } from './event-merger.ts';
import type { NetworkState } from './network-state.ts';
import { plainLine, statsLine } from './plain-log.ts';
import { SnapshotState } from './snapshot-state.ts';
import { TerminalView, type Screen } from './terminal-view.ts';

export interface ConsoleViewOptions {
  launched: LaunchedServers;
  /** The address clients are given for this machine (advertisedHost): servers are shown and probed there. */
  host: string;
  /** Servers of other processes to show too (--view-servers), with their keys when given. */
  others?: readonly { addr: Endpoint; key?: Uint8Array }[];
  /** Where to write; a TTY gets the table. Default process.stdout. */
  out?: NodeJS.WriteStream;
  /** The full network view (network-view.ts) when the edge has one; else one is built from snapshots. */
  state?: () => NetworkState;
}

export interface ConsoleView {
  stop(): Promise<void>;
}

export async function startConsoleView(options: ConsoleViewOptions): Promise<ConsoleView> {
  const { launched, host } = options;
  const out = options.out ?? process.stdout;
  const local = launched.servers.map((s) => ({ addr: endpointToString([host, s.port]), endpoint: [host, s.port] as Endpoint, key: fromHex(s.publicKey, 32), server: s }));
  const others = (options.others ?? []).map((o) => ({ addr: endpointToString(o.addr), endpoint: o.addr, key: o.key }));
  const snapshots = new SnapshotState(
    local.map((l) => ({ addr: l.addr, snapshot: () => l.server.snapshot() })),
    [...local, ...others].map((s) => s.addr),
  );
  const state = options.state ?? (() => snapshots.state());
  const probe = await StatusProbe.open();
  const tty = out.isTTY === true;
  const view = tty ? new TerminalView(out as unknown as Screen, state) : undefined;
  const write = (line: string): void => void out.write(`${line}\n`);
  const wasUp = new Map<string, boolean>();
  probe.onChange((addr, status) => {
    snapshots.setStatus(addr, status);
    // A server going down or coming back is news for the log too.
    if (wasUp.get(addr) !== status.up && (wasUp.has(addr) || !status.up)) {
      const text = `server  ${addr} ${status.up ? 'up' : 'DOWN (no signed status reply)'}`;
      if (view) view.addLog(`${new Date().toISOString().slice(11, 19)} ${text}`);
      else write(plainLine({ text }, Date.now()));
    }
    wasUp.set(addr, status.up);
    view?.changed();
  });
  for (const s of [...local, ...others]) probe.watch(s.endpoint, s.key);
  const stopMerging = mergeLaunched(launched, (entry) => {
    if (view) view.addLog(`${new Date().toISOString().slice(11, 19)} ${entry.text}`);
    else write(plainLine(entry, Date.now()));
  });
  const offChanged = view ? launched.subscribe(() => view.changed()) : () => undefined;
  const ticker = setInterval(() => {
    snapshots.sample(performance.now());
    view?.changed(); // ages and rates move even when nothing happens
  }, 1_000);
  ticker.unref();
  const statsTicker = view
    ? undefined
    : setInterval(() => write(statsLine(launched.servers.map((s) => ({ port: s.port, stats: s.stats() })), Date.now())), SERVER_STATS_INTERVAL_MS);
  statsTicker?.unref();
  view?.start();
  let stopping: Promise<void> | undefined;
  return {
    stop: () =>
      (stopping ??= (async () => {
        clearInterval(ticker);
        if (statsTicker) clearInterval(statsTicker);
        offChanged();
        stopMerging();
        view?.stop();
        await probe.close();
      })()),
  };
}
