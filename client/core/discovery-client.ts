// The client's side of discovery, sans-IO: registers and heartbeats with *every* configured
// server, polls each for peer-list changes, and merges what they report. A server that
// stops answering is counted out; when it answers again the client registers again.
//
// Per server: a Register signed with the identity key (a wall-clock timestamp against
// replays) -> Registered{token}; the token is echoed at once in a Heartbeat, which proves
// our address and gets us listed (Registered{proven}); then a Heartbeat{id, token} every
// heartbeatIntervalMs (no signature: cheap for the server). UNAUTHORIZED or NOT_REGISTERED
// (a NAT rebinding, a restarted server, an expiry), or a heartbeat left unanswered, sends a
// fresh signed Register.

import { REGISTER_RETRY_MS } from '../../src/constants.ts';
import { encode } from '../../src/codec.ts';
import { Fifo } from '../../src/fifo.ts';
import { withTimings, type Timings } from '../../src/timings.ts';
import { signRegistration } from '../../src/crypto/signed.ts';
import { sameEndpoint } from '../../src/address.ts';
import { MsgType, type Endpoint, type Message, type MessageOf, type PeerSummary } from '../../src/wire.ts';
import type { Identity } from '../../src/crypto/identity.ts';
import type { NatType } from './events.ts';

export interface ServerState {
  readonly addr: Endpoint;
  /** When we last heard anything from this server; undefined = never. */
  lastHeard: number | undefined;
  /** Our public endpoint as this server sees it (its STUN-like reflection). */
  observed: Endpoint | undefined;
  nextRegisterAt: number;
  nextListAt: number;
  /** Peer list as this server last reported it, and its registry version. */
  peers: Map<string, string>;
  ver: number | undefined;
  /** Pages of a list walk in progress, merged into `peers` when the last page arrives. */
  walk: Map<string, string> | undefined;
  /** Registry version of the walk's first page: later changes are picked up by the next poll. */
  walkVer: number | undefined;
  /** True once the silence after lastHeard was noticed, so no timer stays armed for it. */
  silenceNoted: boolean;
  /** The server's address token for us (from Registered), echoed in Heartbeat and Leave. */
  token: Uint8Array | undefined;
  /** True while the server lists us: our token came back and it answered `proven`. */
  proven: boolean;
  /** When the Heartbeat still waiting for its Registered was sent. */
  heartbeatSentAt: number | undefined;
  /** When we last sent this server a signed Register (paces re-registration after refusals). */
  lastRegisterAt: number | undefined;
}

export type DiscoveryOutput = { to: Endpoint; bytes: Uint8Array };

export type DiscoveryTimings = Pick<Timings, 'heartbeatIntervalMs' | 'serverSilentAfterMs' | 'peerListPollMs'>;

export interface DiscoveryClientOptions {
  /** Wall-clock ms for a monotonic `now`, for registration timestamps (servers refuse a skew over a minute). */
  wallClock: (now: number) => number;
  timings?: Partial<Timings>;
}

export class DiscoveryClient {
  readonly servers: ServerState[];
  private readonly out = new Fifo<DiscoveryOutput>();
  private lan: Endpoint[] = [];
  private readonly timings: DiscoveryTimings;
  private readonly wallClock: (now: number) => number;

  private readonly id: string;
  /** Timestamp of the last signed Register: the next one is always later (servers refuse replays). */
  private lastSignedTs = 0;

  constructor(
    servers: Endpoint[],
    private readonly identity: Identity,
    private name: string,
    now: number,
    options: DiscoveryClientOptions,
  ) {
    this.wallClock = options.wallClock;
    this.timings = withTimings(options.timings);
    this.id = identity.id;
    this.servers = servers.map((addr) => ({
      addr,
      lastHeard: undefined,
      observed: undefined,
      nextRegisterAt: now,
      nextListAt: now,
      peers: new Map(),
      ver: undefined,
      walk: undefined,
      walkVer: undefined,
      silenceNoted: false,
      token: undefined,
      proven: false,
      heartbeatSentAt: undefined,
      lastRegisterAt: undefined,
    }));
  }

  setLanCandidates(lan: Endpoint[]): void {
    this.lan = lan;
  }

  setName(name: string, now: number): void {
    this.name = name;
    for (const s of this.servers) s.nextRegisterAt = now; // tell every server at once
  }

  serverAt(addr: Endpoint): ServerState | undefined {
    return this.servers.find((s) => sameEndpoint(s.addr, addr));
  }

  isReachable(s: ServerState, now: number): boolean {
    return s.lastHeard !== undefined && now - s.lastHeard < this.timings.serverSilentAfterMs;
  }

  reachableCount(now: number): number {
    return this.servers.filter((s) => this.isReachable(s, now)).length;
  }

  /** The first observed endpoint any server reported (servers in configured order). */
  observed(): Endpoint | undefined {
    return this.servers.find((s) => s.observed)?.observed;
  }

  /**
   * NAT type from the reflections: `none` when a server sees our own address and port;
   * else two servers on different ports seeing the same endpoint means the mapping is
   * endpoint-independent (`cone`), different endpoints mean `symmetric` (hyperdht, netcheck).
   */
  natType(localPort: number): NatType {
    const seen = this.servers.filter((s) => s.observed).map((s) => s.observed as Endpoint);
    if (seen.length === 0) return 'unknown';
    if (seen.some((o) => o[1] === localPort && this.lan.some((l) => l[0] === o[0]))) return 'none';
    if (seen.length < 2) return 'unknown';
    return seen.every((o) => sameEndpoint(o, seen[0] as Endpoint)) ? 'cone' : 'symmetric';
  }

  /** The union of every reachable server's list, without ourselves. */
  mergedPeers(now: number): PeerSummary[] {
    const merged = new Map<string, string>();
    for (const s of this.servers) {
      if (!this.isReachable(s, now)) continue;
      for (const [id, name] of s.peers) if (id !== this.id) merged.set(id, name);
    }
    return [...merged].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  /** Servers that are up and list `peerId`: the ones that can introduce or relay us. */
  serversKnowing(peerId: string, now: number): ServerState[] {
    return this.servers.filter((s) => this.isReachable(s, now) && s.peers.has(peerId));
  }

  /** Sends a message to every reachable server (or all of them, if none is reachable). */
  broadcast(msg: Message, now: number): void {
    const up = this.servers.filter((s) => this.isReachable(s, now));
    for (const s of up.length ? up : this.servers) this.out.push({ to: s.addr, bytes: encode(msg) });
  }

  sendTo(server: Endpoint, msg: Message): void {
    if (msg.t === MsgType.Leave && msg.token === undefined) {
      // A Leave counts only with our token for that server; without one the server ignores it.
      const token = this.serverAt(server)?.token;
      if (!token) return;
      msg = { ...msg, token };
    }
    this.out.push({ to: server, bytes: encode(msg) });
  }

  pollTransmit(): DiscoveryOutput | undefined {
    return this.out.shift();
  }

  handleTimeout(now: number): void {
    for (const s of this.servers) {
      if (s.lastHeard !== undefined && now >= s.lastHeard + this.timings.serverSilentAfterMs) s.silenceNoted = true;
      if (now >= s.nextRegisterAt) {
        if (s.token && s.heartbeatSentAt === undefined) this.heartbeat(s, now);
        else this.register(s, now); // no token yet, or the last heartbeat went unanswered
        // Until the server answers, retry fast: start-up and failover should take seconds.
        s.nextRegisterAt = now + REGISTER_RETRY_MS;
      }
      if (now >= s.nextListAt && s.proven && this.isReachable(s, now)) {
        this.sendTo(s.addr, { t: MsgType.ListPeers, ver: s.ver });
        s.nextListAt = now + this.timings.peerListPollMs;
      }
    }
  }

  private register(s: ServerState, now: number): void {
    const ts = Math.max(Math.floor(this.wallClock(now)), this.lastSignedTs + 1);
    this.lastSignedTs = ts;
    const lan = this.lan.map(([h, p]): Endpoint => [h, p]);
    const proof = signRegistration(this.identity, { id: this.id, name: this.name, lan, timestamp: ts });
    this.sendTo(s.addr, { t: MsgType.Register, id: this.id, name: this.name, lan, pk: proof.publicKey, ts, sig: proof.signature });
    s.heartbeatSentAt = undefined;
    s.lastRegisterAt = now;
  }

  private heartbeat(s: ServerState, now: number): void {
    if (!s.token) return;
    this.sendTo(s.addr, { t: MsgType.Heartbeat, id: this.id, token: s.token });
    s.heartbeatSentAt = now;
  }

  /** Forgets our token at `s` and registers again now, or a retry interval after the last attempt. */
  private reRegister(s: ServerState, now: number): void {
    s.token = undefined;
    s.proven = false;
    s.heartbeatSentAt = undefined;
    s.ver = undefined;
    s.nextRegisterAt = Math.min(s.nextRegisterAt, Math.max(now, (s.lastRegisterAt ?? -Infinity) + REGISTER_RETRY_MS));
  }

  nextTimeout(): number | undefined {
    let next: number | undefined;
    const earlier = (at: number) => {
      if (next === undefined || at < next) next = at;
    };
    for (const s of this.servers) {
      earlier(s.nextRegisterAt);
      if (s.lastHeard === undefined || s.silenceNoted) continue;
      earlier(s.lastHeard + this.timings.serverSilentAfterMs);
      if (s.proven) earlier(s.nextListAt); // lists are asked for only once listed
    }
    return next;
  }

  /** Any datagram from a server shows it is up (introductions and relayed data too). */
  noteHeard(server: ServerState, now: number): void {
    server.lastHeard = now;
    server.silenceNoted = false;
  }

  /**
   * Handles a datagram from a server. Returns true when the merged peer list may have
   * changed. Introductions, errors and relayed data are returned to the caller.
   */
  receive(server: ServerState, msg: Message, now: number): boolean {
    const wasReachable = this.isReachable(server, now);
    this.noteHeard(server, now);
    switch (msg.t) {
      case MsgType.Registered: {
        server.observed = msg.observed;
        server.token = msg.token;
        if (!msg.proven) {
          // Echo the token at once: proving our address costs one round trip, then we are listed.
          this.heartbeat(server, now);
          server.nextRegisterAt = now + REGISTER_RETRY_MS;
          return !wasReachable;
        }
        const newlyListed = !server.proven || !wasReachable;
        server.proven = true;
        server.heartbeatSentAt = undefined;
        server.nextRegisterAt = now + this.timings.heartbeatIntervalMs;
        if (newlyListed) {
          server.nextListAt = now; // a server just (re)listed us: fetch its list now
          server.ver = undefined;
        }
        return newlyListed;
      }
      case MsgType.PeerList:
        return this.receiveList(server, msg, now);
      case MsgType.ServerError:
        if (msg.code === 'NOT_REGISTERED' || msg.code === 'UNAUTHORIZED') {
          // The server forgot us (restart, expiry) or our address changed (NAT rebinding): sign a fresh Register.
          const wasListed = server.proven;
          this.reRegister(server, now);
          return wasListed;
        }
        return false;
      default:
        return !wasReachable;
    }
  }

  private receiveList(server: ServerState, msg: MessageOf<typeof MsgType.PeerList>, now: number): boolean {
    if (msg.unchanged) return false;
    const walk = server.walk ?? new Map<string, string>();
    if (!server.walk) server.walkVer = msg.ver;
    for (const p of msg.peers) walk.set(p.id, p.name);
    if (msg.next !== undefined) {
      server.walk = walk;
      this.sendTo(server.addr, { t: MsgType.ListPeers, cursor: msg.next });
      return false;
    }
    server.walk = undefined;
    server.ver = server.walkVer;
    server.nextListAt = now + this.timings.peerListPollMs;
    const changed = walk.size !== server.peers.size || [...walk].some(([id, name]) => server.peers.get(id) !== name);
    server.peers = walk;
    return changed;
  }
}
