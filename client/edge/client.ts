// The client's edge: one UDP socket, one Driver (one timer), the ClientEngine, and the
// ChatClientApi that headless mode and the blessed UI both use. The clocks and files the
// engine must not touch live here: the wall clock for timestamps, the known-peers file, saved
// whenever the engine's pins change, and the history database (stored-delivery.ts: sends,
// messages and receipts committed before they go anywhere; history-commands.ts: history,
// search, contacts, read).

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
import type { ChatClientApi, ClientCommand, ClientEvent, WarningCode } from '../core/events.ts';
import type { PinnedKeys } from '../core/pinned-keys.ts';
import type { ServerPins } from '../core/server-pins.ts';
import type { ServerPinsFile } from '../../src/store/server-pins.ts';
import type { HistoryStoreApi } from '../../src/store/history/history-api.ts';
import { HistoryCommands } from './history-commands.ts';
import { StoredDelivery } from './stored-delivery.ts';

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
  /**
   * The history database (one per identity), opened by the caller. Without one the client
   * keeps nothing: messages are receipted as soon as they are handed out (tests, tools).
   */
  history?: HistoryStoreApi;
  /**
   * The integrity check of `history` running beside the first screen: sends and other commits
   * wait until it resolves — with the store to use (a fresh one if the file was damaged and
   * moved aside; then `warning` says so).
   */
  historyCheck?: Promise<{ store: HistoryStoreApi; warning?: string }>;
  /** false: send the servers no path reports (--no-report). */
  report?: boolean;
}

/** How long end of input waits for connected peers' receipts before it quits (the rest stays queued). */
export const RECEIPT_WAIT_MS = 3_000;

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
  private stored: StoredDelivery | undefined;
  private historyCommands: HistoryCommands | undefined;

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
      storedBy: opts.history ? 'edge' : 'event',
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
    if (opts.history) client.attachHistory(opts.history, opts.historyCheck);
    driver.afterStep = () => client.emitEvents();
    driver.flush();
    return client;
  }

  /** Restores the outbox and seq counters from the database, and gates commits on the integrity check. */
  private attachHistory(store: HistoryStoreApi, check: ChatClientOptions['historyCheck']): void {
    const now = monotonicNow();
    const stored = new StoredDelivery(store, this.engine, (ev) => this.deliver(ev), monotonicNow, () => {
      this.emitEvents();
      this.driver.flushSoon();
    });
    this.stored = stored;
    this.historyCommands = new HistoryCommands(() => stored.history, this.engine);
    const restore = (s: HistoryStoreApi): void => {
      for (const [peerId, seq] of s.lastSentSeqs()) this.engine.seedSeq(peerId, seq);
      const byPeer = new Map<string, { name: string; rows: ReturnType<HistoryStoreApi['queued']> }>();
      for (const row of s.queued()) {
        const entry = byPeer.get(row.peerId) ?? { name: row.peerName, rows: [] };
        entry.rows.push(row);
        byPeer.set(row.peerId, entry);
      }
      for (const [peerId, { name, rows }] of byPeer) this.engine.restoreQueued(peerId, name, rows.map((r) => ({ msgId: r.msgId, seq: r.seq, text: r.text, sentAt: r.sentAt, ref: r.ref })), now);
    };
    if (!check) {
      restore(store);
      stored.opened();
      return;
    }
    restore(store);
    check.then(
      ({ store: checked, warning }) => {
        if (checked !== store) restore(checked); // what could be carried over from the damaged file
        if (warning) this.engine.pushWarning('HISTORY_DAMAGED', warning);
        stored.opened(checked);
        this.emitEvents();
      },
      (err: unknown) => {
        this.engine.pushError('HISTORY_ERROR', `the history check failed: ${err instanceof Error ? err.message : String(err)}; nothing new is stored or sent until restart`);
        this.emitEvents();
      },
    );
  }

  localPort(): number {
    return this.transport.localEndpoint()[1];
  }

  /** Adds a listener; it first gets the latest ready, status and peers (and warnings about this client), so a UI that loads late misses nothing. */
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
          if (this.stored) this.stored.send(cmd.peer, cmd.text, cmd.ref, Date.now());
          else this.engine.send(cmd.peer, cmd.text, cmd.ref, now, Date.now());
          break;
        case 'history':
        case 'search':
        case 'contacts':
        case 'read':
          this.historyCommand(cmd, now);
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

  /**
   * End of input: every send committed, then a bounded wait (RECEIPT_WAIT_MS) for the
   * receipts of what connected peers are receiving; what is still queued stays queued.
   */
  async drain(): Promise<void> {
    if (this.stored) await this.stored.settled();
    else {
      // No database: the old rule, bounded — let what was sent arrive first.
      const until = Date.now() + RECEIPT_WAIT_MS;
      while (this.engine.hasPendingMessages() && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      return;
    }
    const until = Date.now() + RECEIPT_WAIT_MS;
    while (this.engine.hasPendingMessages() && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  }

  /** Our messages not yet on their recipients' disks. */
  queuedCount(): number {
    return this.engine.queuedCount();
  }

  private historyCommand(cmd: Extract<ClientCommand, { cmd: 'history' | 'search' | 'contacts' | 'read' }>, now: number): void {
    const h = this.historyCommands;
    if (!h) throw new NatterError('HISTORY_ERROR', 'this client keeps no history (no database)');
    if (cmd.cmd === 'history') this.deliver(h.history(cmd.peer, cmd.limit, cmd.before, now));
    else if (cmd.cmd === 'search') this.deliver(h.search(cmd.text, cmd.limit));
    else if (cmd.cmd === 'contacts') this.deliver(h.contacts(now));
    else h.read(cmd.peer, now);
  }

  /** A warning about this client itself (HISTORY_DAMAGED, ...): the UI's status line, a headless event. */
  reportWarning(code: WarningCode, message: string): void {
    this.engine.pushWarning(code, message);
    this.emitEvents();
  }

  /** The history database in use now (the integrity check may have replaced the first one). */
  historyStore(): HistoryStoreApi | undefined {
    return this.stored?.history;
  }

  /** Reports a problem as an `error` event (the UI shows it; headless prints it). */
  reportError(code: ErrorCode, message: string): void {
    this.engine.pushError(code, message);
    this.emitEvents();
  }

  shutdown(): Promise<void> {
    this.closed ??= (async () => {
      this.stored?.flush();
      this.engine.quit(monotonicNow());
      this.driver.flush();
      this.emitEvents();
      this.driver.stop();
      await new Promise((r) => setTimeout(r, QUIT_FLUSH_MS));
      await this.transport.close();
      this.stored?.flush();
      this.stored?.history.close();
    })();
    return this.closed;
  }

  private emitEvents(): void {
    this.savePinsIfChanged();
    for (let ev = this.engine.pollEvent(); ev; ev = this.engine.pollEvent()) {
      if (this.stored) this.stored.event(ev);
      else this.deliver(ev);
    }
  }

  /** Hands an event to every listener (after its commit, when it needed one). */
  private deliver(ev: ClientEvent): void {
    if (ev.event === 'ready' || ev.event === 'status' || ev.event === 'peers') this.sticky.set(ev.event, ev);
    // A warning about this client itself (damaged history, pins not saved) is state: a UI that loads late sees it too.
    else if (ev.event === 'warning' && ev.peerId === undefined) this.sticky.set(`warning:${ev.code}`, ev);
    for (const l of this.listeners) l(ev);
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
