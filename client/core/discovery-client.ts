// The client's side of discovery, sans-IO: registers and heartbeats with *every* configured
// server, polls each for peer-list changes, and merges what they report. A server that
// stops answering is counted out; when it answers again the client registers again.
//
// Per server: a signed Register (wall-clock timestamp against replays) -> Registered{token};
// the token is echoed at once in a Heartbeat, which proves our address and gets us listed
// (Registered{proven}); then a Heartbeat{id, token} every heartbeatIntervalMs (no signature).
// UNAUTHORIZED or NOT_REGISTERED (a NAT rebinding, a restarted server, an expiry), or a
// heartbeat left unanswered, sends a fresh signed Register.
//
// Server keys (server-keys.ts, SSH's host keys): a Register names the key we expect (`srv`,
// signed), so it is good at that server only; the server's Registered is signed with that
// key, and nothing else a server sends is believed, nor is the server used, before one
// verified. That Registered also carries our MAC key for the server (`mk`, sealed to our
// identity key, under the signature): every later message from it (heartbeat replies,
// PeerList, Relayed, ServerError) must carry a valid `mac` and a recent `ts` (server-mac.ts),
// or it is dropped and counted. An error without a MAC (the server does not list us at this
// address: a restart, a NAT rebinding, or a forger) is only a hint: while a heartbeat waits
// for its answer it makes us register sooner, and changes nothing else.
//
// Bounds (a server is not trusted with our memory): peer-list-walk.ts.

import { REGISTER_MIN_BYTES, REGISTER_RETRY_MS, REGISTRATION_MAX_SKEW_MS } from '../../src/constants.ts';
import { DropCounter, encode, encodedSize } from '../../src/codec.ts';
import { SIGNATURE_BYTES } from '../../src/crypto/identity.ts';
import { Fifo } from '../../src/fifo.ts';
import { withTimings, type Timings } from '../../src/timings.ts';
import { openMacKey } from '../../src/crypto/server-mac.ts';
import { signRegistration, verifyIntroduce } from '../../src/crypto/signed.ts';
import { endpointKey, sameEndpoint } from '../../src/address.ts';
import { MsgType, type Endpoint, type Message, type MessageOf, type PeerSummary } from '../../src/wire.ts';
import { ServerKeys, type DiscoveryNotice, type ServerKeyState } from './server-keys.ts';
import { ServerPins } from './server-pins.ts';
import { errorHint, macVerdict } from './server-mac-check.ts';
import { startWalk, takePage, type WalkState } from './peer-list-walk.ts';
import type { Identity } from '../../src/crypto/identity.ts';
import type { NatType } from './events.ts';
import type { ReportBody } from './path-reporter.ts';

export type { DiscoveryNotice } from './server-keys.ts';

export interface ServerState extends ServerKeyState, WalkState {
  readonly addr: Endpoint;
  /** When we last heard anything from this server; undefined = never. */
  lastHeard: number | undefined;
  /** Our public endpoint as this server sees it (its STUN-like reflection). */
  observed: Endpoint | undefined;
  nextRegisterAt: number;
  nextListAt: number;
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
  /** Our MAC key at this server (from its last signed Registered); undefined: it gave none. */
  macKey: Uint8Array | undefined;
}

export type DiscoveryOutput = { to: Endpoint; bytes: Uint8Array };

export type DiscoveryTimings = Pick<Timings, 'heartbeatIntervalMs' | 'serverSilentAfterMs' | 'peerListPollMs'>;

export interface DiscoveryClientOptions {
  /** Wall-clock ms for a monotonic `now`, for registration timestamps (servers refuse a skew over a minute). */
  wallClock: (now: number) => number;
  timings?: Partial<Timings>;
  /** Keys given with the addresses (host:port#KEY), by endpointKey: always win over pins. */
  serverKeys?: ReadonlyMap<string, Uint8Array> | undefined;
  /** Pinned server keys; the edge loads and saves them (see pins.version). */
  serverPins?: ServerPins | undefined;
  /** Our path report (path-reporter.ts), sent with every heartbeat's answer; absent: none is sent (--no-report). */
  report?: ((now: number) => ReportBody) | undefined;
}

export class DiscoveryClient {
  readonly servers: ServerState[];
  readonly serverPins: ServerPins;
  /** Server datagrams dropped here, by reason. */
  readonly drops = new DropCounter();
  private readonly out = new Fifo<DiscoveryOutput>();
  private readonly notices = new Fifo<DiscoveryNotice>();
  private readonly keys: ServerKeys;
  private lan: Endpoint[] = [];
  private readonly timings: DiscoveryTimings;
  private readonly wallClock: (now: number) => number;
  private readonly report: ((now: number) => ReportBody) | undefined;

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
    this.report = options.report;
    this.timings = withTimings(options.timings);
    this.id = identity.id;
    this.serverPins = options.serverPins ?? new ServerPins();
    this.keys = new ServerKeys(this.serverPins, this.drops, this.notices);
    this.servers = servers.map((addr) => this.freshState(this.keys.initial(addr, options.serverKeys?.get(endpointKey(addr))), now));
  }

  private freshState(keyState: ServerKeyState, now: number): ServerState {
    return {
      ...keyState,
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
      macKey: undefined,
      walkPages: 0,
      listAsked: false,
    };
  }

  pollNotice(): DiscoveryNotice | undefined {
    return this.notices.shift();
  }

  /** True once the server proved its key (a signed Registered): only then are its messages believed. */
  accepts(s: ServerState): boolean {
    return s.verified;
  }

  /**
   * Whether an Introduce or a Relayed from `s` is believed (the other types: receive). Relayed:
   * once the server proved its key. An Introduce aims our probes: only signed by that key, for
   * us, and recent (the registration skew window).
   */
  believes(s: ServerState, msg: Message, now: number): boolean {
    if (msg.t !== MsgType.Introduce && msg.t !== MsgType.Relayed) return true;
    let ok = s.verified && s.key !== undefined;
    if (ok && msg.t === MsgType.Relayed) {
      // Before the inner datagram is even decoded: only the server that lists us relays to us.
      const verdict = macVerdict(s, msg, this.wallClock(now));
      if (verdict !== 'ok') {
        this.drops.add(verdict);
        return false;
      }
    }
    if (ok && msg.t === MsgType.Introduce) {
      const fresh = msg.ts !== undefined && Math.abs(this.wallClock(now) - msg.ts) <= REGISTRATION_MAX_SKEW_MS;
      ok = fresh && verifyIntroduce(s.key as Uint8Array, { recipient: this.id, peer: msg.peer, candidates: msg.candidates, ts: msg.ts as number }, msg.sig);
    }
    if (!ok) this.drops.add(msg.t === MsgType.Introduce ? 'introduce-not-signed' : 'server-unverified');
    return ok;
  }

  /**
   * The user accepts whatever key the server at `addr` holds now: its pin goes, and the next
   * signed Registered pins the new key. False when no such server is configured, or its key
   * came with the address (change --servers instead).
   */
  trustServer(addr: Endpoint, now: number): boolean {
    const s = this.serverAt(addr);
    if (!s || !this.keys.forget(s)) return false;
    this.reRegister(s, now);
    return true;
  }

  setLanCandidates(lan: Endpoint[]): void {
    this.lan = lan;
  }

  /** Registers again with every server at once under the new name (a heartbeat carries no name). */
  setName(name: string, now: number): void {
    this.name = name;
    for (const s of this.servers) {
      this.register(s, now);
      s.nextRegisterAt = now + REGISTER_RETRY_MS;
    }
  }

  serverAt(addr: Endpoint): ServerState | undefined {
    return this.servers.find((s) => sameEndpoint(s.addr, addr));
  }

  isReachable(s: ServerState, now: number): boolean {
    return s.verified && s.lastHeard !== undefined && now - s.lastHeard < this.timings.serverSilentAfterMs;
  }

  /**
   * Answering its list polls right now: what the status line counts, so "servers unreachable"
   * shows within seconds. Routing (introductions, lists, relays) keeps the longer
   * serverSilentAfterMs: a NAT rebinding silences a server for a few seconds until we register
   * again, and path recovery needs its introductions meanwhile.
   */
  isAnswering(s: ServerState, now: number): boolean {
    return s.verified && s.lastHeard !== undefined && now - s.lastHeard < this.silentAfter(s);
  }

  /**
   * How long a server may be silent before it counts as unreachable. Once we are listed we ask
   * for its list every peerListPollMs and it always answers, so two and a half missed answers
   * say it is gone (5 s by default: "servers unreachable" within 6 s); before that only
   * heartbeats are heard, so the longer serverSilentAfterMs applies.
   */
  private silentAfter(s: ServerState): number {
    return s.proven ? Math.min(this.timings.serverSilentAfterMs, 2.5 * this.timings.peerListPollMs) : this.timings.serverSilentAfterMs;
  }

  reachableCount(now: number): number {
    return this.servers.filter((s) => this.isAnswering(s, now)).length;
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
    if ((msg.t === MsgType.Leave || msg.t === MsgType.ListPeers || msg.t === MsgType.Connect) && msg.token === undefined) {
      // These count only with our address token for that server (Leave ends our entry; the
      // answers to ListPeers and Connect are larger than the request); without one the server ignores them.
      const token = this.serverAt(server)?.token;
      if (!token) return;
      msg = { ...msg, token };
    }
    this.out.push({ to: server, bytes: encode(msg) });
  }

  /** Our path report (with our token there) to every server that lists us, or to `only`. */
  sendReports(now: number, only?: ServerState): void {
    for (const s of only ? [only] : this.servers) if (this.report && s.token && s.proven && this.isReachable(s, now)) this.out.push({ to: s.addr, bytes: encode({ t: MsgType.PathReport, id: this.id, token: s.token, ...this.report(now) }) });
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
        startWalk(s);
        this.sendTo(s.addr, { t: MsgType.ListPeers, ver: s.ver });
        s.nextListAt = now + this.timings.peerListPollMs;
      }
    }
  }

  private register(s: ServerState, now: number): void {
    const ts = Math.max(Math.floor(this.wallClock(now)), this.lastSignedTs + 1);
    this.lastSignedTs = ts;
    const lan = this.lan.map(([h, p]): Endpoint => [h, p]);
    s.heartbeatSentAt = undefined;
    s.lastRegisterAt = now;
    if (!s.key) {
      // We do not know the server's key: ask for it (WRONG_SERVER{key}); nothing is signed for an unknown server.
      s.lastRegisterSig = undefined;
      const sig = new Uint8Array(SIGNATURE_BYTES);
      this.sendTo(s.addr, { t: MsgType.Register, id: this.id, name: this.name, lan, pk: this.identity.publicKey, ts, sig });
      return;
    }
    const proof = signRegistration(this.identity, { id: this.id, name: this.name, lan, timestamp: ts, server: s.key });
    s.lastRegisterSig = proof.signature;
    const msg: Message = { t: MsgType.Register, id: this.id, name: this.name, lan, pk: proof.publicKey, ts, sig: proof.signature, srv: s.key };
    // Padded so the server's answer (signed, with our sealed MAC key) fits what we sent it (1x rule).
    const short = REGISTER_MIN_BYTES - encodedSize(msg);
    this.sendTo(s.addr, short > 0 ? { ...msg, pad: new Uint8Array(short) } : msg);
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
      earlier(s.lastHeard + this.timings.serverSilentAfterMs); // the short "answering" threshold is seen by the list-poll timer
      if (s.proven && s.verified) earlier(s.nextListAt); // lists are asked for only once listed
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
    if (msg.t === MsgType.ServerError && msg.code === 'WRONG_SERVER') {
      this.wrongServer(server, msg.key, now);
      return false;
    }
    const wasReachable = this.isReachable(server, now);
    if (msg.t === MsgType.Registered && msg.ssig) {
      if (!this.keys.checkSigned(server, msg)) return false;
      server.macKey = msg.mk ? openMacKey(msg.mk, this.identity) : undefined;
      if (msg.mk && !server.macKey) this.drops.add('server-mk-bad');
    } else if (!server.verified) {
      this.drops.add('server-unverified'); // nothing but a signed Registered is believed before one
      return false;
    } else {
      const verdict = macVerdict(server, msg, this.wallClock(now));
      if (verdict !== 'ok') {
        this.drops.add(verdict);
        if (verdict === 'server-mac-missing' && msg.t === MsgType.ServerError) errorHint(server, msg.code, now);
        return false;
      }
    }
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
        this.sendReports(now, server); // again with every heartbeat: a restarted server relearns our paths
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

  /** The server refused a Register for its key: try the key it offered, or stop using a pinned server in doubt. */
  private wrongServer(s: ServerState, key: Uint8Array | undefined, now: number): void {
    const verdict = this.keys.wrongServer(s, key);
    if (verdict === 'in-doubt') this.reRegister(s, now);
    else if (verdict === 'try-key') s.nextRegisterAt = Math.min(s.nextRegisterAt, Math.max(now, (s.lastRegisterAt ?? -Infinity) + 1));
  }

  private receiveList(server: ServerState, msg: MessageOf<typeof MsgType.PeerList>, now: number): boolean {
    const verdict = takePage(server, msg, this.drops);
    if ('cursor' in verdict) this.sendTo(server.addr, { t: MsgType.ListPeers, cursor: verdict.cursor });
    if (!('done' in verdict)) return false;
    server.nextListAt = now + this.timings.peerListPollMs;
    return verdict.changed;
  }
}
