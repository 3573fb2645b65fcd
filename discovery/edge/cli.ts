// natter discovery server: `npm run discovery -- --port 8000 [--host 0.0.0.0]`.

import { DEFAULT_DISCOVERY_PORTS } from '../../src/constants.ts';
import { timingsFromEnv } from '../../src/net/env-timings.ts';
import { advertisedHost, CAP_FLAGS, CAP_USAGE, capsFromFlags, failStartup, onShutdownSignal, parseFlags, parseHost, parsePort } from './cli-args.ts';
import { startDiscoveryServer } from './server.ts';

const PROG = 'natter-discovery';
const USAGE = `usage: npm run discovery -- [--port N] [--host ADDR] [--key FILE]

  --port N     UDP port to listen on (default 8000; 0 lets the OS choose)
  --host ADDR  IP address to bind (default 0.0.0.0: every IPv4 interface)
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
  try {
    const flags = parseFlags(process.argv.slice(2), {
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      key: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      ...CAP_FLAGS,
    });
    if (flags.help) {
      process.stdout.write(`${USAGE}\n`);
      return;
    }
    if (typeof flags.port === 'string') port = parsePort(flags.port);
    if (typeof flags.host === 'string') host = parseHost(flags.host);
    caps = capsFromFlags(flags);
    if (typeof flags.key === 'string') keyFile = flags.key;
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
  onShutdownSignal(async () => {
    await running.close();
    console.log('stopped');
  });
  console.log(`natter discovery server on UDP ${host}:${running.port} key ${running.publicKey}; clients use ${advertisedHost(host)}:${running.port}#${running.publicKey} (or another address of this machine); Ctrl-C stops`);
}

main().catch((err: unknown) => failStartup(PROG, err));
