// The operator's view asks each server it shows for a signed status about once a second over
// its own UDP socket (discovery/core/status-watch.ts says what is believed and when a server
// is down). In-process servers are watched with their public key; `--view-servers
// HOST:PORT#KEY` gives the key of another; without one, the first key that answers is
// trusted for the run.

import { randomBytes } from 'node:crypto';
import { parseEndpoint } from '../../src/address.ts';
import { fromHex } from '../../src/crypto/bytes.ts';
import { NatterError } from '../../src/errors.ts';
import { Driver, monotonicNow } from '../../src/net/driver.ts';
import { UdpTransport } from '../../src/net/udp.ts';
import type { Endpoint } from '../../src/wire.ts';
import type { StatusReply } from '../core/status.ts';
import { StatusWatch, type ServerStatus, type StatusWatchOptions } from '../core/status-watch.ts';

export type { StatusReply } from '../core/status.ts';
export type { ServerStatus } from '../core/status-watch.ts';

export type StatusListener = (addr: string, status: { up: boolean; reply?: StatusReply; lastSeen?: number }) => void;

/** `--view-servers HOST:PORT[#KEY],…`: the servers of other processes a view shows. Throws NatterError BAD_ADDRESS. */
export function parseViewServers(text: string): { addr: Endpoint; key?: Uint8Array }[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const hash = part.lastIndexOf('#');
      const addr = parseEndpoint(hash < 0 ? part : part.slice(0, hash));
      if (hash < 0) return { addr };
      const key = fromHex(part.slice(hash + 1), 32);
      if (!key) throw new NatterError('BAD_ADDRESS', `"${part}": the key after # must be 64 hex characters (the server prints it at start-up)`);
      return { addr, key };
    });
}

export class StatusProbe {
  private readonly listeners = new Set<StatusListener>();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly watch_: StatusWatch,
    private readonly driver: Driver,
    private readonly transport: UdpTransport,
  ) {
    driver.afterStep = () => {
      for (let c = watch_.pollEvent(); c; c = watch_.pollEvent()) {
        for (const listener of this.listeners) {
          try {
            listener(c.addr, c.status);
          } catch {
            // A listener's bug must not stop the probe.
          }
        }
      }
    };
  }

  /** Binds its own socket (`host` 0.0.0.0 by default, a random port). Timings: tests shorten them. */
  static async open(options: { host?: string } & Pick<Partial<StatusWatchOptions>, 'intervalMs' | 'downAfterMs'> = {}): Promise<StatusProbe> {
    const transport = await UdpTransport.bind(0, options.host ?? '0.0.0.0');
    const wallClock = (now: number): number => performance.timeOrigin + now;
    const watch = new StatusWatch({ random: (n) => new Uint8Array(randomBytes(n)), wallClock, ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}), ...(options.downAfterMs !== undefined ? { downAfterMs: options.downAfterMs } : {}) });
    return new StatusProbe(watch, new Driver(watch, transport, monotonicNow), transport);
  }

  /** Watches the server at `addr` from now on; `key`: its public key (else trusted on first use). */
  watch(addr: Endpoint, key?: Uint8Array): void {
    this.watch_.watch(addr, key, monotonicNow());
    this.driver.flush();
  }

  /** Calls `cb` on every believed reply and when a server goes down. */
  onChange(cb: StatusListener): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  statusOf(addr: Endpoint): ServerStatus | undefined {
    return this.watch_.statusOf(addr);
  }

  /** Replies not believed, by reason (forged, replayed, unknown). */
  drops(): Record<string, number> {
    return this.watch_.drops.toJSON();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.driver.stop();
      this.listeners.clear();
      await this.transport.close();
    })();
    return this.closing;
  }
}
