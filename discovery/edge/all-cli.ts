// natter's discovery servers, three in one process (8000, 8001, 8002 by default):
// `npm run discovery:all [-- --host ADDR --ports 8000,8001,8002]`. On a terminal it shows the
// live table and the event log; otherwise one log line per event (view/console-view.ts).

import { DEFAULT_DISCOVERY_PORTS } from '../../src/constants.ts';
import { timingsFromEnv } from '../../src/net/env-timings.ts';
import { advertisedHost, CAP_FLAGS, CAP_USAGE, capsFromFlags, failStartup, onShutdownSignal, parseFlags, parseHost, parsePortList } from './cli-args.ts';
import { launchDiscoveryServers, type LaunchedServers } from './launcher.ts';
import { parseViewServers } from './status-probe.ts';
import { startConsoleView } from './view/console-view.ts';
import { startWebFromFlags, WEB_FLAGS, WEB_USAGE, webFromFlags, type WebFlags } from './http/web-flags.ts';

const PROG = 'natter-discovery-all';
const USAGE = `usage: npm run discovery:all -- [--host ADDR] [--ports ${DEFAULT_DISCOVERY_PORTS.join(',')}]

  --host ADDR     IP address to bind (default 0.0.0.0: every IPv4 interface)
  --ports LIST    comma-separated UDP ports (default ${DEFAULT_DISCOVERY_PORTS.join(',')})
  --view-servers HOST:PORT[#KEY],...  servers of other processes to show too (checked with signed status requests)
${WEB_USAGE('127.0.0.1:8080')}
${CAP_USAGE}
  --help          show this help`;

async function main(): Promise<void> {
  let host = '0.0.0.0';
  let caps: ReturnType<typeof capsFromFlags> = {};
  let ports: readonly number[] = DEFAULT_DISCOVERY_PORTS;
  let others: ReturnType<typeof parseViewServers> = [];
  let webFlags: WebFlags = {};
  try {
    const flags = parseFlags(process.argv.slice(2), {
      host: { type: 'string' },
      ports: { type: 'string' },
      'view-servers': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      ...CAP_FLAGS,
      ...WEB_FLAGS,
    });
    if (flags.help) {
      process.stdout.write(`${USAGE}\n`);
      return;
    }
    if (typeof flags.host === 'string') host = parseHost(flags.host);
    if (typeof flags.ports === 'string') ports = parsePortList(flags.ports);
    caps = capsFromFlags(flags);
    if (typeof flags['view-servers'] === 'string') others = parseViewServers(flags['view-servers']);
    webFlags = webFromFlags(flags, '127.0.0.1:8080');
  } catch (err) {
    failStartup(PROG, err);
  }

  let launched: LaunchedServers;
  try {
    // No per-server log: the console view prints each event once, merged across the ports.
    launched = await launchDiscoveryServers({ ports, host, timings: timingsFromEnv(), engine: caps, statsIntervalMs: 0, log: () => undefined });
  } catch (err) {
    failStartup(PROG, err); // e.g. BIND_FAILED: port in use
  }
  const boundPorts = launched.servers.map((s) => s.port);
  const views: Awaited<ReturnType<typeof startConsoleView>>[] = []; // started once the banner is out
  let web: Awaited<ReturnType<typeof startWebFromFlags>> = undefined;
  onShutdownSignal(async () => {
    await web?.stop();
    for (const view of views) await view.stop();
    await launched.close();
    console.log('stopped');
  });
  for (const s of launched.servers) console.log(`[${s.port}] key ${s.publicKey}`);
  const list = launched.servers.map((s) => `${advertisedHost(host)}:${s.port}#${s.publicKey}`).join(',');
  console.log(`natter discovery on UDP ${host} ports ${boundPorts.join(', ')}; clients list all of them: ${list} (or another address of this machine); Ctrl-C stops`);
  web = await startWebFromFlags(webFlags, launched.servers, advertisedHost(host), others, (line) => console.log(line));
  const live = web?.view;
  views.push(await startConsoleView({ launched, host: advertisedHost(host), others, ...(live ? { view: live } : {}) }));
}

main().catch((err: unknown) => failStartup(PROG, err));
