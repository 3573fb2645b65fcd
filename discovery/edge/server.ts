// The discovery server's edge: one UDP socket, one driver, the engine, and who hears about
// it: the log (a line per event, log-view.ts, and a periodic count) and any subscriber of the
// typed event stream. snapshot() gives the whole state for a live view.

import { randomInt } from 'node:crypto';
import { SERVER_STATS_INTERVAL_MS } from '../../src/constants.ts';
import { Driver, monotonicNow } from '../../src/net/driver.ts';
import { UdpTransport } from '../../src/net/udp.ts';
import { withTimings, type Timings } from '../../src/timings.ts';
import { toHex } from '../../src/crypto/bytes.ts';
import { Identity } from '../../src/crypto/identity.ts';
import { NatterError } from '../../src/errors.ts';
import { defaultServerKeyPath, loadOrCreateServerKey } from '../../src/store/server-key.ts';
import { MemoryRegistry } from '../data/memory-registry.ts';
import { DiscoveryServerEngine, type ServerEngineOptions, type ServerEvent, type ServerSnapshot } from '../core/server-engine.ts';
import { describe, describeStats, type DiscoveryServerStats } from './log-view.ts';

export type { DiscoveryServerStats } from './log-view.ts';
export { describe, describeStats } from './log-view.ts';

export interface DiscoveryServerOptions {
  /** UDP port; 0 lets the OS choose (see `port` on the result). Default 8000. */
  port?: number;
  /** Address to bind. Default 0.0.0.0 (every IPv4 interface). */
  host?: string;
  /** Where log lines go. Default: console.log. */
  log?: (line: string) => void;
  /** Period of the count line. Default SERVER_STATS_INTERVAL_MS; 0 turns it off. */
  statsIntervalMs?: number;
  /** Timer overrides; the CLIs pass timingsFromEnv() (NATTER_REGISTRY_ENTRY_TTL_MS, ...). */
  timings?: Partial<Timings>;
  /** Engine tuning (rate limits); the registry, the wall clock and the timings are the edge's own. */
  engine?: Omit<ServerEngineOptions, 'registry' | 'wallClock' | 'timings'>;
  /**
   * The server's key file (created 0600 on first start). Default: the per-port file under
   * $XDG_DATA_HOME/natter (else ~/.local/share/natter), so a restart keeps the key clients
   * pinned; with port 0 and no file, a fresh key per start. `engine.serverKey` wins over both.
   */
  keyFile?: string;
}

export type ServerEventListener = (event: ServerEvent) => void;

export interface DiscoveryServer {
  /** The bound port (the real one when 0 was asked). */
  readonly port: number;
  /** The server's public key, 64 hex characters (what clients pin, or give as host:port#KEY). */
  readonly publicKey: string;
  readonly host: string;
  /** Stops the timers and closes the socket. Idempotent. */
  close(): Promise<void>;
  stats(): DiscoveryServerStats;
  /** Every listed entry, the counters and the active relay pairs. */
  snapshot(): ServerSnapshot;
  /** Calls `listener` with every event from now on; returns the unsubscribe function. */
  subscribe(listener: ServerEventListener): () => void;
}

export async function startDiscoveryServer(options: DiscoveryServerOptions = {}): Promise<DiscoveryServer> {
  const host = options.host ?? '0.0.0.0';
  const log = options.log ?? ((line: string) => console.log(line));
  const statsIntervalMs = options.statsIntervalMs ?? SERVER_STATS_INTERVAL_MS;
  const timings = withTimings(options.timings);
  const serverKey = options.engine?.serverKey ?? loadServerKey(options.keyFile, options.port ?? 8000);
  const transport = await UdpTransport.bind(options.port ?? 8000, host);
  // A random starting version: clients that cached a version from a previous run must not hear "unchanged".
  // Signed registrations carry the client's wall clock; the edge compares them with its own.
  const engine = new DiscoveryServerEngine({
    ...options.engine,
    timings,
    registry: new MemoryRegistry({ initialVersion: randomInt(2 ** 31), ttlMs: timings.registryEntryTtlMs }),
    wallClock: () => Date.now(),
    serverKey,
  });

  const listeners = new Set<ServerEventListener>();
  const driver = new Driver(engine, transport, monotonicNow);
  driver.afterStep = () => {
    for (let ev = engine.pollEvent(); ev; ev = engine.pollEvent()) {
      log(describe(ev));
      for (const listener of listeners) {
        try {
          listener(ev);
        } catch (err) {
          // A subscriber's bug must not take the server down with it.
          log(`event listener failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
  };
  const stats = (): DiscoveryServerStats => ({ ...engine.stats(), sendErrors: transport.sendErrors, amplification: engine.amplification() });
  const ticker = statsIntervalMs > 0 ? setInterval(() => log(describeStats(stats())), statsIntervalMs) : undefined;
  ticker?.unref();

  let closing: Promise<void> | undefined;
  return {
    port: transport.localEndpoint()[1],
    publicKey: toHex(serverKey.publicKey),
    host,
    stats,
    snapshot: () => engine.snapshot(),
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => {
      closing ??= (async () => {
        if (ticker) clearInterval(ticker);
        driver.stop();
        listeners.clear();
        await transport.close();
      })();
      return closing;
    },
  };
}

/** The key from `file`, else the port's default file, else (port 0) a fresh one. Throws a one-line error. */
function loadServerKey(file: string | undefined, port: number): Identity {
  if (file === undefined && port === 0) return Identity.generate();
  const loaded = loadOrCreateServerKey(file ?? defaultServerKeyPath(port));
  if (!loaded.ok) throw new NatterError('BAD_FLAG', `server key: ${loaded.message}`);
  return loaded.identity;
}
