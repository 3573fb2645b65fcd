// The client's edge: one UDP socket, one Driver (one timer), the ClientEngine, and the
// ChatClientApi that headless mode and the blessed UI both use. The clocks and files the
// engine must not touch live here: the wall clock for timestamps, and the known-peers file,
// saved whenever the engine's pins change.

import type { Identity } from '../../src/crypto/identity.ts';
import type { KnownPeersFile } from '../../src/store/known-peers.ts';
import type { Timings } from '../../src/timings.ts';
import { NatterError, type ErrorCode } from '../../src/errors.ts';
import { parseEndpoint } from '../../src/address.ts';
import { Driver, monotonicNow } from '../../src/net/driver.ts';
import { localAddressToward } from '../../src/net/route.ts';
import { UdpTransport } from '../../src/net/udp.ts';
import type { Endpoint } from '../../src/wire.ts';
import { ClientEngine } from '../core/client-engine.ts';
import type { ChatClientApi, ClientCommand, ClientEvent } from '../core/events.ts';
import type { PinnedKeys } from '../core/pinned-keys.ts';
import type { ServerPins } from '../core/server-pins.ts';
import type { ServerPinsFile } from '../../src/store/server-pins.ts';

export interface ChatClientOptions {
  identity: Identity;
  name: string;
  servers: Endpoint[];
  /** Local UDP port; 0 picks a random one. */
  port?: number;
  host?: string;
  /** Pinned peer keys as loaded; in memory only (and empty) if not given. */
  pins?: PinnedKeys;
  /** Where the pins are saved when they change; nowhere if not given. */
  knownPeersFile?: KnownPeersFile;
  /** Server keys given with the addresses (host:port#KEY), by endpointKey. */
  serverKeys?: ReadonlyMap<string, Uint8Array>;
  /** Pinned server keys as loaded, and where they are saved when they change. */
  serverPins?: ServerPins;
  serverPinsFile?: ServerPinsFile;
  /** Timer overrides (the CLI passes timingsFromEnv()). */
  timings?: Partial<Timings>;
  /** false: send the servers no path reports (--no-report). */
  report?: boolean;
}

/** Wall-clock ms for the driver's monotonic clock (performance.now()). */
const wallClockOf = (now: number): number => performance.timeOrigin + now;

/** How long quit waits for byes and leaves to reach the socket before closing it. */
const QUIT_FLUSH_MS = 50;

export class ChatClient implements ChatClientApi {
  private readonly listeners: ((ev: ClientEvent) => void)[] = [];
  /** The latest event of each kind that describes current state rather than something that happened. */
  private readonly sticky = new Map<string, ClientEvent>();
  private closed: Promise<void> | undefined;
  /** The pins version last written to the known-peers file. */
  private savedPins: number;
  private savedServerPins: number;
  private serverPinsFile: ServerPinsFile | undefined;

  private constructor(
    readonly engine: ClientEngine,
    private readonly transport: UdpTransport,
    private readonly driver: Driver,
    private readonly knownPeersFile: KnownPeersFile | undefined,
  ) {
    this.savedPins = engine.pins.version;
    this.savedServerPins = engine.serverPins.version;
  }

  static async start(opts: ChatClientOptions): Promise<ChatClient> {
    const transport = await UdpTransport.bind(opts.port ?? 0, opts.host ?? '0.0.0.0');
    const localPort = transport.localEndpoint()[1];
    const engine = new ClientEngine({
      identity: opts.identity,
      name: opts.name,
      servers: opts.servers,
      localPort,
      now: monotonicNow(),
      pins: opts.pins,
      wallClock: wallClockOf,
      timings: opts.timings,
      ...(opts.serverKeys ? { serverKeys: opts.serverKeys } : {}),
      ...(opts.serverPins ? { serverPins: opts.serverPins } : {}),
      ...(opts.report === false ? { report: false } : {}),
    });
    // Our LAN candidate: the local address of the route toward the (first) server.
    const lanHosts = new Set<string>();
    for (const server of opts.servers.slice(0, 1)) {
      const local = await localAddressToward(server);
      if (local) lanHosts.add(local);
    }
    engine.setLanCandidates([...lanHosts].map((h) => [h, localPort] as Endpoint));
    const driver = new Driver(engine, transport);
    const client = new ChatClient(engine, transport, driver, opts.knownPeersFile);
    client.serverPinsFile = opts.serverPinsFile;
    driver.afterStep = () => client.emitEvents();
    driver.flush();
    return client;
  }

  localPort(): number {
    return this.transport.localEndpoint()[1];
  }

  /** Adds a listener; it first gets the latest ready, status and peers, so a UI that loads late misses nothing. */
  onEvent(listener: (ev: ClientEvent) => void): void {
    this.listeners.push(listener);
    for (const ev of this.sticky.values()) listener(ev);
  }

  /** Runs a command; bad ones become an `error` event and change nothing else. */
  command(cmd: ClientCommand): void {
    const now = monotonicNow();
    try {
      switch (cmd.cmd) {
        case 'peers':
          this.engine.listPeers(now);
          break;
        case 'connect':
          if ('addr' in cmd) this.engine.connectAddress(parseEndpoint(cmd.addr), now);
          else this.engine.connectPeer(cmd.peer, now);
          break;
        case 'send':
          this.engine.send(cmd.peer, cmd.text, cmd.ref, now, Date.now());
          break;
        case 'nick':
          this.engine.setName(cmd.name, now);
          break;
        case 'verify':
          this.engine.verifyPeer(cmd.peer, now);
          break;
        case 'trust-server':
          this.engine.trustServer(parseEndpoint(cmd.addr), now);
          break;
        case 'stats':
          this.engine.pushStats();
          break;
        case 'whois':
          this.engine.whois(cmd.peer, now);
          break;
        case 'quit':
          // shutdown() only fails closing a socket that is going away anyway.
          this.shutdown().catch(() => undefined);
          return;
      }
    } catch (err) {
      if (!(err instanceof NatterError)) throw err;
      this.engine.pushError(err.code, err.message, cmd.cmd === 'send' ? cmd.ref : undefined);
    }
    this.driver.flushSoon(); // commands of one tick (a burst of sends) leave together
    this.emitEvents();
  }

  hasPendingMessages(): boolean {
    return this.engine.hasPendingMessages();
  }

  /** Reports a problem as an `error` event (the UI shows it; headless prints it). */
  reportError(code: ErrorCode, message: string): void {
    this.engine.pushError(code, message);
    this.emitEvents();
  }

  shutdown(): Promise<void> {
    this.closed ??= (async () => {
      this.engine.quit(monotonicNow());
      this.driver.flush();
      this.emitEvents();
      this.driver.stop();
      await new Promise((r) => setTimeout(r, QUIT_FLUSH_MS));
      await this.transport.close();
    })();
    return this.closed;
  }

  private emitEvents(): void {
    this.savePinsIfChanged();
    for (let ev = this.engine.pollEvent(); ev; ev = this.engine.pollEvent()) {
      if (ev.event === 'ready' || ev.event === 'status' || ev.event === 'peers') this.sticky.set(ev.event, ev);
      for (const l of this.listeners) l(ev);
    }
  }

  /**
   * Writes the known-peers file after a handshake or /verify changed a pin (never inside the
   * engine). A failed write is said (a PINS_NOT_SAVED warning: the UI's status line, a
   * headless event), never kept quiet: the contacts live on in memory until the next change.
   */
  private savePinsIfChanged(): void {
    const serverPins = this.engine.serverPins;
    if (serverPins.version !== this.savedServerPins) {
      this.savedServerPins = serverPins.version;
      if (this.serverPinsFile && !this.serverPinsFile.save(serverPins.toRecords())) {
        this.engine.pushWarning('PINS_NOT_SAVED', `the discovery servers' keys were not saved (${this.serverPinsFile.saveError ?? 'cannot write the server pins'}); they are kept until you quit`);
      }
    }
    const pins = this.engine.pins;
    if (pins.version === this.savedPins) return;
    this.savedPins = pins.version;
    if (this.knownPeersFile && !this.knownPeersFile.save(pins.list())) {
      const why = this.knownPeersFile.saveError ?? `cannot write ${this.knownPeersFile.path}`;
      this.engine.pushWarning('PINS_NOT_SAVED', `your contacts' keys were not saved (${why}); they are kept until you quit`);
    }
  }
}
