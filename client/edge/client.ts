// The client's edge: one UDP socket, one Driver (one timer), the ClientEngine, and the
// ChatClientApi that headless mode and the blessed UI both use.

import type { Identity } from '../../src/crypto/identity.ts';
import type { KnownPeers } from '../../src/store/known-peers.ts';
import { NatterError } from '../../src/errors.ts';
import { parseEndpoint } from '../../src/address.ts';
import { Driver, monotonicNow } from '../../src/net/driver.ts';
import { localAddressToward } from '../../src/net/route.ts';
import { UdpTransport } from '../../src/net/udp.ts';
import type { Endpoint } from '../../src/wire.ts';
import { ClientEngine } from '../core/client-engine.ts';
import type { ChatClientApi, ClientCommand, ClientEvent } from '../core/events.ts';

export interface ChatClientOptions {
  identity: Identity;
  name: string;
  servers: Endpoint[];
  /** Local UDP port; 0 picks a random one. */
  port?: number;
  host?: string;
  /** Pinned peer keys; in memory if not given. */
  knownPeers?: KnownPeers;
}

/** How long quit waits for byes and leaves to reach the socket before closing it. */
const QUIT_FLUSH_MS = 50;

export class ChatClient implements ChatClientApi {
  private readonly listeners: ((ev: ClientEvent) => void)[] = [];
  /** The latest event of each kind that describes current state rather than something that happened. */
  private readonly sticky = new Map<string, ClientEvent>();
  private closed: Promise<void> | undefined;

  private constructor(
    readonly engine: ClientEngine,
    private readonly transport: UdpTransport,
    private readonly driver: Driver,
  ) {}

  static async start(opts: ChatClientOptions): Promise<ChatClient> {
    const transport = await UdpTransport.bind(opts.port ?? 0, opts.host ?? '0.0.0.0');
    const localPort = transport.localEndpoint()[1];
    const engine = new ClientEngine({ identity: opts.identity, knownPeers: opts.knownPeers, name: opts.name, servers: opts.servers, localPort, now: monotonicNow() });
    // Our LAN candidate: the local address of the route toward the (first) server.
    const lanHosts = new Set<string>();
    for (const server of opts.servers.slice(0, 1)) {
      const local = await localAddressToward(server);
      if (local) lanHosts.add(local);
    }
    engine.setLanCandidates([...lanHosts].map((h) => [h, localPort] as Endpoint));
    const driver = new Driver(engine, transport);
    const client = new ChatClient(engine, transport, driver);
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
          this.engine.send(cmd.peer, cmd.text, cmd.ref, now);
          break;
        case 'nick':
          this.engine.setName(cmd.name, now);
          break;
        case 'trust':
          this.engine.trustPeer(cmd.peer, now);
          break;
        case 'stats':
          this.engine.pushStats();
          break;
        case 'whois':
          this.engine.whois(cmd.peer, now);
          break;
        case 'quit':
          void this.shutdown();
          return;
      }
    } catch (err) {
      if (!(err instanceof NatterError)) throw err;
      this.engine.pushError(err.code, err.message);
    }
    this.driver.flushSoon(); // commands of one tick (a burst of sends) leave together
    this.emitEvents();
  }

  hasPendingMessages(): boolean {
    return this.engine.hasPendingMessages();
  }

  /** Reports a problem as an `error` event (the UI shows it; headless prints it). */
  reportError(code: string, message: string): void {
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
    for (let ev = this.engine.pollEvent(); ev; ev = this.engine.pollEvent()) {
      if (ev.event === 'ready' || ev.event === 'status' || ev.event === 'peers') this.sticky.set(ev.event, ev);
      for (const l of this.listeners) l(ev);
    }
  }
}
