// Child process: the discovery server under test (discovery/edge/server.ts), alone on its CPU.
// Its live view goes to stdout, which the bench points at /dev/null: the server still
// formats and writes every line, as it would to a log file.

import { startDiscoveryServer, type DiscoveryServer } from '../../discovery/edge/server.ts';
import { timingsFromEnv } from '../../src/net/env-timings.ts';
import { serveParent } from './child.ts';

let server: DiscoveryServer | undefined;

serveParent({
  start: async () => {
    server = await startDiscoveryServer({ port: 0, host: '127.0.0.1', statsIntervalMs: 0, timings: timingsFromEnv(), log: (line) => void process.stdout.write(`${line}\n`) });
    return server.port;
  },
  /** Full GC (the child runs with --expose-gc), then memory figures. */
  memory: async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc) {
      gc();
      await new Promise((r) => setTimeout(r, 50));
      gc();
    }
    return process.memoryUsage();
  },
  stats: () => server?.stats(),
});
