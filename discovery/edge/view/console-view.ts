// What `discovery:all` prints: on a terminal, the table refreshed in place with the merged
// event log below it (terminal-view.ts); otherwise plain log lines, one per logical event,
// and a count line now and then (plain-log.ts). Both render a NetworkView (network-view.ts):
// the web view's when it runs, else one kept live here (live-network.ts), so the terminal,
// /status.json and the page always say the same thing.

import { SERVER_STATS_INTERVAL_MS } from '../../../src/constants.ts';
import type { Endpoint } from '../../../src/wire.ts';
import type { LaunchedServers } from '../launcher.ts';
import { startLiveNetwork, type LiveNetwork } from './live-network.ts';
import type { NetworkView } from './network-view.ts';
import { plainLine, statsLine } from './plain-log.ts';
import { TerminalView, type Screen } from './terminal-view.ts';

export interface ConsoleViewOptions {
  launched: LaunchedServers;
  /** The address clients are given for this machine (advertisedHost): servers are shown and probed there. */
  host: string;
  /** Servers of other processes to show too (--view-servers), with their keys when given. */
  others?: readonly { addr: Endpoint; key?: Uint8Array }[];
  /** Where to write; a TTY gets the table. Default process.stdout. */
  out?: NodeJS.WriteStream;
  /** The web view's NetworkView, already fed; without one a live one is started here. */
  view?: NetworkView;
}

export interface ConsoleView {
  stop(): Promise<void>;
}

const clock = (at: number): string => new Date(at).toISOString().slice(11, 19);

export async function startConsoleView(options: ConsoleViewOptions): Promise<ConsoleView> {
  const { launched } = options;
  const out = options.out ?? process.stdout;
  const live: LiveNetwork | undefined = options.view ? undefined : await startLiveNetwork(options);
  const network = options.view ?? (live as LiveNetwork).view;
  const tty = out.isTTY === true;
  const terminal = tty ? new TerminalView(out as unknown as Screen, () => network.state()) : undefined;
  const write = (line: string): void => void out.write(`${line}\n`);
  const logLine = (c: { at: number; text: string }): void => {
    if (terminal) terminal.addLog(`${clock(c.at)} ${c.text}`);
    else write(plainLine(c, c.at));
  };
  // Lines logged before we started (the first "server down"s) are shown too.
  for (const c of network.recentLog()) logLine(c);
  const off = network.onChange((c) => (c.kind === 'log' ? logLine(c) : terminal?.changed()));
  // Ages move even when nothing changes.
  const ticker = terminal ? setInterval(() => terminal.changed(), 1_000) : undefined;
  ticker?.unref();
  const statsTicker = terminal
    ? undefined
    : setInterval(() => write(statsLine(launched.servers.map((s) => ({ port: s.port, stats: s.stats() })), Date.now())), SERVER_STATS_INTERVAL_MS);
  statsTicker?.unref();
  terminal?.start();
  let stopping: Promise<void> | undefined;
  return {
    stop: () =>
      (stopping ??= (async () => {
        if (ticker) clearInterval(ticker);
        if (statsTicker) clearInterval(statsTicker);
        await live?.stop();
        off();
        terminal?.stop();
      })()),
  };
}
