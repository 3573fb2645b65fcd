// Starts the three discovery servers (8000, 8001, 8002 by default) in one process, each log
// line prefixed with its port: `npm run discovery:all [-- --host ADDR --ports 8000,8001,8002]`.

import { advertisedHost, failStartup, onShutdownSignal, parseFlags, parseHost, parsePortList } from '../discovery/edge/cli-args.ts';
import { startDiscoveryServer, type DiscoveryServer } from '../discovery/edge/server.ts';

const PROG = 'natter-discovery-all';
const USAGE = `usage: npm run discovery:all -- [--host ADDR] [--ports 8000,8001,8002]

  --host ADDR     IP address to bind (default 0.0.0.0: every IPv4 interface)
  --ports LIST    comma-separated UDP ports (default 8000,8001,8002)
  --help          show this help`;

async function main(): Promise<void> {
  let host = '0.0.0.0';
  let ports = [8000, 8001, 8002];
  try {
    const flags = parseFlags(process.argv.slice(2), {
      host: { type: 'string' },
      ports: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    });
    if (flags.help) {
      process.stdout.write(`${USAGE}\n`);
      return;
    }
    if (typeof flags.host === 'string') host = parseHost(flags.host);
    if (typeof flags.ports === 'string') ports = parsePortList(flags.ports);
  } catch (err) {
    failStartup(PROG, err);
  }

  const servers: DiscoveryServer[] = [];
  try {
    for (const port of ports) {
      // With --ports 0 the real port is known only after bind; nothing is logged before then.
      let label = String(port);
      const server = await startDiscoveryServer({ port, host, log: (line) => console.log(`[${label}] ${line}`) });
      label = String(server.port);
      servers.push(server);
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    failStartup(PROG, err);
  }
  const list = servers.map((s) => `${advertisedHost(host)}:${s.port}`).join(',');
  onShutdownSignal(async () => {
    await Promise.all(servers.map((s) => s.close()));
    console.log('stopped');
  });
  console.log(`natter discovery on UDP ${host} ports ${servers.map((s) => s.port).join(', ')}; clients list all of them: ${list} (or another address of this machine); Ctrl-C stops`);
}

void main();
