// Several discovery servers in one process (three by default, DEFAULT_DISCOVERY_PORTS: a
// client registers with all of them, and two servers seeing two different ports for one
// client is how it learns its NAT is symmetric). Returns the handles and one event stream
// merged from all, each event labelled with the port of the server that emitted it.

import { DEFAULT_DISCOVERY_PORTS } from '../../src/constants.ts';
import type { Timings } from '../../src/timings.ts';
import type { ServerEvent } from '../core/server-engine.ts';
import { startDiscoveryServer, type DiscoveryServer, type DiscoveryServerOptions } from './server.ts';

export interface LaunchOptions {
  /** Ports to bind (0: the OS chooses). Default DEFAULT_DISCOVERY_PORTS. */
  ports?: readonly number[];
  host?: string;
  /** Log lines of every server, with the port of the server that wrote it. Default: none. */
  log?: (port: number, line: string) => void;
  statsIntervalMs?: number;
  timings?: Partial<Timings>;
  engine?: DiscoveryServerOptions['engine'];
}

export interface LabelledServerEvent {
  /** The bound port of the server that emitted it. */
  port: number;
  event: ServerEvent;
}

export interface LaunchedServers {
  readonly servers: readonly DiscoveryServer[];
  /** Calls `listener` with the events of every server from now on; returns the unsubscribe function. */
  subscribe(listener: (e: LabelledServerEvent) => void): () => void;
  /** Closes every server. Idempotent. */
  close(): Promise<void>;
}

/** Starts one server per port, in order; if one fails to bind, closes those already started and rethrows. */
export async function launchDiscoveryServers(options: LaunchOptions = {}): Promise<LaunchedServers> {
  const ports = options.ports ?? DEFAULT_DISCOVERY_PORTS;
  const servers: DiscoveryServer[] = [];
  try {
    for (const port of ports) {
      // With port 0 the real port is known only after bind; nothing is logged before then.
      let label = port;
      const server = await startDiscoveryServer({
        port,
        ...(options.host !== undefined ? { host: options.host } : {}),
        log: (line) => options.log?.(label, line),
        ...(options.statsIntervalMs !== undefined ? { statsIntervalMs: options.statsIntervalMs } : {}),
        ...(options.timings !== undefined ? { timings: options.timings } : {}),
        ...(options.engine !== undefined ? { engine: options.engine } : {}),
      });
      label = server.port;
      servers.push(server);
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    servers,
    subscribe: (listener) => {
      const offs = servers.map((s) => s.subscribe((event) => listener({ port: s.port, event })));
      return () => offs.forEach((off) => off());
    },
    close: () => (closing ??= Promise.all(servers.map((s) => s.close())).then(() => undefined)),
  };
}
