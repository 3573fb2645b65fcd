// The discovery server's edge: one UDP socket, one driver, the engine, and the live view
// (a line per join, leave, expiry, endpoint change or rename, and a periodic count).

import { randomInt } from 'node:crypto';
import { SERVER_STATS_INTERVAL_MS } from '../../src/constants.ts';
import { Driver, monotonicNow } from '../../src/net/driver.ts';
import { UdpTransport } from '../../src/net/udp.ts';
import { endpointToString, type Endpoint } from '../../src/wire.ts';
import { MemoryRegistry } from '../core/registry.ts';
import { DiscoveryServerEngine, type AmplificationStats, type ServerEngineOptions, type ServerEvent, type ServerStats } from '../core/server-engine.ts';

export interface DiscoveryServerOptions {
  /** UDP port; 0 lets the OS choose (see `port` on the result). Default 8000. */
  port?: number;
  /** Address to bind. Default 0.0.0.0 (every IPv4 interface). */
  host?: string;
  /** Where live-view lines go. Default: console.log. */
  log?: (line: string) => void;
  /** Period of the count line. Default SERVER_STATS_INTERVAL_MS; 0 turns it off. */
  statsIntervalMs?: number;
  /** Engine tuning (rate limits, TTL); the registry and the wall clock are the edge's own. */
  engine?: Omit<ServerEngineOptions, 'registry' | 'wallClock'>;
}

export interface DiscoveryServer {
  /** The bound port (the real one when 0 was asked). */
  readonly port: number;
  readonly host: string;
  /** Stops the timers and closes the socket. Idempotent. */
  close(): Promise<void>;
  stats(): DiscoveryServerStats;
}

export interface DiscoveryServerStats extends ServerStats {
  /** Sends the kernel refused (e.g. no route), counted by the transport. */
  sendErrors: number;
  /** Bytes to and from sources that never proved their address (out/in must stay <= 1 each). */
  amplification: AmplificationStats;
}

export async function startDiscoveryServer(options: DiscoveryServerOptions = {}): Promise<DiscoveryServer> {
  const host = options.host ?? '0.0.0.0';
  const log = options.log ?? ((line: string) => console.log(line));
  const statsIntervalMs = options.statsIntervalMs ?? SERVER_STATS_INTERVAL_MS;
  const transport = await UdpTransport.bind(options.port ?? 8000, host);
  // A random starting version: clients that cached a version from a previous run must not hear "unchanged".
  // Signed registrations carry the client's wall clock; the edge compares them with its own.
  const engine = new DiscoveryServerEngine({
    ...options.engine,
    registry: new MemoryRegistry({ initialVersion: randomInt(2 ** 31), ...(options.engine?.ttlMs !== undefined ? { ttlMs: options.engine.ttlMs } : {}) }),
    wallClock: () => Date.now(),
  });

  const driver = new Driver(engine, transport, monotonicNow);
  driver.afterStep = () => {
    for (let ev = engine.pollEvent(); ev; ev = engine.pollEvent()) log(describe(ev));
  };
  const stats = (): DiscoveryServerStats => ({ ...engine.stats(), sendErrors: transport.sendErrors, amplification: engine.amplification() });
  const ticker = statsIntervalMs > 0 ? setInterval(() => log(describeStats(stats())), statsIntervalMs) : undefined;
  ticker?.unref();

  let closing: Promise<void> | undefined;
  return {
    port: transport.localEndpoint()[1],
    host,
    stats,
    close: () => {
      closing ??= (async () => {
        if (ticker) clearInterval(ticker);
        driver.stop();
        await transport.close();
      })();
      return closing;
    },
  };
}

const short = (id: string): string => id.slice(0, 8);
const who = (p: { id: string; name: string }): string => `${p.name} (${short(p.id)})`;
const at = (e: Endpoint): string => endpointToString(e);

export function describe(ev: ServerEvent): string {
  switch (ev.type) {
    case 'join':
      return `join    ${who(ev.peer)} from ${at(ev.peer.observed)}`;
    case 'leave':
      return `${ev.reason === 'expired' ? 'expire ' : 'leave  '} ${who(ev.peer)} at ${at(ev.peer.observed)}${ev.reason === 'replaced' ? ' (address taken by another id)' : ''}`;
    case 'endpoint':
      return `moved   ${who(ev.peer)} ${at(ev.previous)} -> ${at(ev.peer.observed)}`;
    case 'rename':
      return `rename  ${ev.previousName} -> ${who(ev.peer)}`;
  }
}

export function describeStats(s: DiscoveryServerStats): string {
  const drops = Object.entries(s.drops);
  const dropText = drops.length === 0 ? 'none' : drops.map(([reason, n]) => `${reason}=${n}`).join(' ');
  return `online ${s.online} | in ${s.datagramsIn} out ${s.datagramsOut} relayed ${s.relayed} | drops ${dropText}${s.sendErrors ? ` | send errors ${s.sendErrors}` : ''}`;
}
