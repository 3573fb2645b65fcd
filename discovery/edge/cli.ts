// natter discovery server: `npm run discovery -- --port 8000 [--host 0.0.0.0]`.

import { DEFAULT_DISCOVERY_PORTS } from '../../src/constants.ts';
import { timingsFromEnv } from '../../src/net/env-timings.ts';
import { advertisedHost, CAP_FLAGS, CAP_USAGE, capsFromFlags, failStartup, onShutdownSignal, parseFlags, parseHost, parsePort } from './cli-args.ts';
import { startDiscoveryServer } from './server.ts';
import { parseViewServers } from './status-probe.ts';
import { startWebFromFlags, WEB_FLAGS, WEB_USAGE, webFromFlags, type WebFlags } from './http/web-flags.ts';

const PROG = 'natter-discovery';
const USAGE = `usage: npm run discovery -- [--port N] [--host ADDR] [--key FILE]

  --port N     UDP port to listen on (default 8000; 0 lets the OS choose)
  --host ADDR  IP address to bind (default 0.0.0.0: every IPv4 interface)
${WEB_USAGE('off')}
  --view-servers HOST:PORT[#KEY],...  with --http: servers of other processes to show too
${CAP_USAGE}
  --key FILE   the server's long-term key, created on first start (default: discovery-PORT.key
               under $XDG_DATA_HOME/natter, else ~/.local/share/natter; port 0: a fresh key)
  --help       show this help

Clients register, list peers, get introduced and, when punching fails, relay through it.`;

async function main(): Promise<void> {
  let port = DEFAULT_DISCOVERY_PORTS[0] ?? 8000;
  let host = '0.0.0.0';
  let caps: ReturnType<typeof capsFromFlags> = {};
  let keyFile: string | undefined;
  let webFlags: WebFlags = {};
  let others: ReturnType<typeof parseViewServers> = [];
  try {
    const flags = parseFlags(process.argv.slice(2), {
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      key: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      ...CAP_FLAGS,
      ...WEB_FLAGS,
      'view-servers': { type: 'string' },
    });
    if (flags.help) {
      process.stdout.write(`${USAGE}\n`);
      return;
    }
    if (typeof flags.port === 'string') port = parsePort(flags.port);
    if (typeof flags.host === 'string') host = parseHost(flags.host);
    caps = capsFromFlags(flags);
    if (typeof flags.key === 'string') keyFile = flags.key;
    webFlags = webFromFlags(flags, undefined);
    if (typeof flags['view-servers'] === 'string') others = parseViewServers(flags['view-servers']);
  } catch (err) {
    failStartup(PROG, err);
  }

  let server;
  try {
    server = await startDiscoveryServer({ port, host, timings: timingsFromEnv(), engine: caps, ...(keyFile !== undefined ? { keyFile } : {}) });
  } catch (err) {
    failStartup(PROG, err); // e.g. BIND_FAILED: port in use
  }
  const running = server;
  let web: Awaited<ReturnType<typeof startWebFromFlags>> = undefined;
  onShutdownSignal(async () => {
    await web?.stop();
    await running.close();
    console.log('stopped');
  });
  console.log(`natter discovery server on UDP ${host}:${running.port} key ${running.publicKey}; clients use ${advertisedHost(host)}:${running.port}#${running.publicKey} (or another address of this machine); Ctrl-C stops`);
  web = await startWebFromFlags(webFlags, [running], advertisedHost(host), others, (line) => console.log(line));
}

main().catch((err: unknown) => failStartup(PROG, err));
