// The discovery server's protocol core: sans-IO (no socket, no timer, no clock). Datagrams
// in with `now`; replies out through pollTransmit(); log events out through pollEvent().
//
// ---- The hardened protocol ----
//
//   client                                   server
//   Register{id,name,lan,pk,ts,sig}  ---->   pk -> id? signature? |ts - wall| <= skew? ts newer than the last?
//                                    <----   Registered{observed, ttlMs, token}   token = HMAC(secret, epoch,id,addr)
//   Heartbeat{id, token}             ---->   token valid for (id, this source)? -> address proven:
//                                    <----   Registered{observed, ttlMs, token, proven: true}  the entry is listed
//   ListPeers / Connect / Relay      ---->   answered only for a source that holds a listed entry
//   Heartbeat every HEARTBEAT_INTERVAL_MS (an HMAC, no signature); Leave{id, token} ends it.
//
// - Who: only the holder of the key an id derives from registers it (signed Register; the
//   timestamp stops replays). Heartbeats and Leave carry the address token instead of a
//   signature: a signature check costs ~50 times an HMAC, and heartbeats are 90% of the load.
// - Where: the registry holds only entries whose address is proven (the token came back), so
//   introductions and relayed datagrams only ever go to addresses that asked for them.
//   Introductions carry the endpoint the server observed, plus the peer's self-reported LAN
//   addresses labelled 'lan'. A token from another endpoint is refused (UNAUTHORIZED): after
//   a NAT rebinding the client signs a fresh Register, which moves its entry once proven.
// - No amplification (natter's rule, stricter than RFC 9000 §8.1's 3x): until a source has
//   proven its address, the bytes sent to it never exceed the bytes received from it (a
//   per-source account; replies that do not fit are dropped and counted). A signed Register is
//   padded to 300 bytes; its Registered (signature, sealed MAC key) is at most ~265. Errors to
//   unproven sources carry no target and no text.
// - Authentic answers: the answer to a Register and every Introduce are signed with the
//   server key; everything else a listed client receives carries `ts` and a MAC with that
//   client's key (src/crypto/server-mac.ts: derived from the key seed, the id and the entry's
//   Register timestamp, so no state per entry; delivered sealed in the signed Registered).
// - Rate limits: every request is charged to its source endpoint (SOURCE_RATE_PER_S); after
//   authentication, Register and Heartbeat to the identity too, Connect and Relay to the
//   registered id; error replies server-wide. A flood from one source drains its own bucket.
// - Memory: per-source and per-identity state, pending registrations and replay records live
//   in capped LRU maps, swept every SERVER_SWEEP_INTERVAL_MS.

//
// ---- This file ----
//
// The facade: it decodes, charges the source, dispatches each request to the part that owns
// it, runs the timers (expiry, sweeps, relay idleness, drop summaries) and holds the queues.
// The parts never import it: each takes the narrow dependencies it needs at construction.
//   registration.ts + admission.ts   Register, Heartbeat, Leave; listing and forgetting entries
//   introductions.ts                 ListPeers, Connect (Introduce to both)
//   relay.ts                         Relay, and relay start/stop per pair
//   source-accounts.ts, outbox.ts    per-source buckets and the anti-amplification budget; sending
//   rate-limits.ts                   identity buckets and the error-reply budget
//   drop-summary.ts                  drop totals and the at-most-once-a-second summaries
//   path-reports.ts                  clients' claims about their paths (PathReport; path_report events)
//   status.ts                        the signed status reply an operator's view asks for

import { decode } from '../../src/codec.ts';
import { SERVER_EVENT_QUEUE_MAX, SERVER_SWEEP_INTERVAL_MS, SOURCE_BURST, SOURCE_RATE_PER_S } from '../../src/constants.ts';
import { endpointKey } from '../../src/address.ts';
import { Fifo } from '../../src/fifo.ts';
import type { Engine } from '../../src/net/transport.ts';
import { withTimings, type Timings } from '../../src/timings.ts';
import { Identity } from '../../src/crypto/identity.ts';
import { clientMacKey, macMasterOf, withServerMac } from '../../src/crypto/server-mac.ts';
import { signIntroduce } from '../../src/crypto/signed.ts';
import { MsgType, type Endpoint, type Message, type MessageOf } from '../../src/wire.ts';
import { MemoryRegistry } from '../data/memory-registry.ts';
import { AddressTokens } from './address-token.ts';
import { Admission } from './admission.ts';
import { DropLedger } from './drop-summary.ts';
import { Introductions } from './introductions.ts';
import { Outbox, type Transmit } from './outbox.ts';
import { Bucket, RateLimits } from './rate-limits.ts';
import { SignedRegistrations, type RegisterAuthorizer } from './register-auth.ts';
import { Registration } from './registration.ts';
import type { Registry, RegistryEntry } from './registry.ts';
import { PathReports } from './path-reports.ts';
import { Relay } from './relay.ts';
import { StatusCounters, StatusResponder, type StatusInput } from './status.ts';
import type { AmplificationStats, ServerEvent, ServerSnapshot, ServerStats } from './server-events.ts';
import { ServerCaps, type ServerCapsOptions } from './server-caps.ts';
import { buildSnapshot } from './server-snapshot.ts';
import { SourceAccounts, type SourceAccount } from './source-accounts.ts';

export type { RegisterAuthorizer } from './register-auth.ts';
export type { AmplificationStats, PeerRef, ServerEvent, ServerSnapshot, ServerStats } from './server-events.ts';
export { ServerErrorCode } from './outbox.ts';
export { candidatesOf } from './introductions.ts';

/** Caps (server-caps.ts): maxIdsPerIp, maxRegistrationsPerIpPerMin, per-target introduction and relay rates, relay consent window. */
export interface ServerEngineOptions extends ServerCapsOptions {
  /** Defaults to a MemoryRegistry with the timings' registryEntryTtlMs. */
  registry?: Registry;
  /** Timer overrides (the TTL told to clients in Registered is registryEntryTtlMs; keep it the registry's). */
  timings?: Partial<Timings>;
  /** Registration policy; default: signed, fresh, not replayed (SignedRegistrations). */
  authorizer?: RegisterAuthorizer;
  /**
   * Wall-clock ms for a monotonic `now` (signed timestamps are wall-clock). The edge passes
   * the real one; the default takes `now` itself for the wall clock (simulations and tests,
   * whose clients sign with the same clock).
   */
  wallClock?: (now: number) => number;
  /**
   * The server's long-term key (Ed25519): registrations must name its public key, and the
   * server signs its answers to them. Default: a fresh random one (tests, benchmarks); the
   * edge loads it from a key file so it survives restarts.
   */
  serverKey?: Identity;
  /** The address-token key; default 32 random bytes per engine. Tests pass a fixed one. */
  tokenSecret?: Uint8Array;
  relayRatePerS?: number;
  relayBurst?: number;
  /** How long a relayed pair stays quiet before relay_stop (default RELAY_IDLE_STOP_MS). */
  relayIdleStopMs?: number;
  sourceRatePerS?: number;
  sourceBurst?: number;
}

const REQUEST_TYPES = new Set<number>([MsgType.Register, MsgType.Heartbeat, MsgType.ListPeers, MsgType.Connect, MsgType.Leave, MsgType.PathReport, MsgType.StatusRequest]);
type RequestType = typeof MsgType.Register | typeof MsgType.Heartbeat | typeof MsgType.ListPeers | typeof MsgType.Connect | typeof MsgType.Leave | typeof MsgType.PathReport | typeof MsgType.StatusRequest;
const isRequest = (t: MsgType): t is RequestType => REQUEST_TYPES.has(t);

export class DiscoveryServerEngine implements Engine<ServerEvent> {
  readonly registry: Registry;
  /** The server's long-term key; clients pin its public key per address. */
  readonly serverKey: Identity;
  private readonly drops = new DropLedger();
  private readonly authorizer: RegisterAuthorizer;
  private readonly wallClock: (now: number) => number;
  private readonly sources: SourceAccounts;
  private readonly limits: RateLimits;
  private readonly out: Outbox;
  private readonly admission: Admission;
  private readonly registration: Registration;
  private readonly introductions: Introductions;
  private readonly relay: Relay;
  private readonly caps: ServerCaps;
  private readonly reports: PathReports;
  private readonly status: StatusResponder;
  private readonly counters = new StatusCounters();
  /** The first `now` this engine saw: uptime in status replies counts from it. */
  private startedAt: number | undefined;
  private readonly events = new Fifo<ServerEvent>(SERVER_EVENT_QUEUE_MAX);
  private nextSweepAt: number | undefined;
  private datagramsIn = 0;
  /** The `now` of the datagram or timer being handled (signatures carry the wall clock of it). */
  private lastNow = 0;
  private bytesIn = 0;

  constructor(options: ServerEngineOptions = {}) {
    const ttlMs = withTimings(options.timings).registryEntryTtlMs;
    const registry = (this.registry = options.registry ?? new MemoryRegistry({ ttlMs }));
    const authorizer = (this.authorizer = options.authorizer ?? new SignedRegistrations());
    const wallClock = (this.wallClock = options.wallClock ?? ((now) => now));
    const drops = this.drops;
    const emit = (event: ServerEvent): void => this.emit(event);
    this.sources = new SourceAccounts(options.sourceRatePerS ?? SOURCE_RATE_PER_S, options.sourceBurst ?? SOURCE_BURST);
    const limits = (this.limits = new RateLimits(registry.local));
    const sources = this.sources;
    const serverKey = (this.serverKey = options.serverKey ?? Identity.generate());
    const signedIntroduce = (to: Endpoint, msg: MessageOf<typeof MsgType.Introduce>): Message | undefined => {
      const recipient = registry.byEndpoint(to)?.id;
      if (recipient === undefined) return undefined;
      const ts = Math.floor(wallClock(this.lastNow));
      return { ...msg, ts, sig: signIntroduce(serverKey, { recipient, peer: msg.peer, candidates: msg.candidates, ts }) };
    };
    const isListed = (at: Endpoint): boolean => registry.byEndpoint(at) !== undefined;
    const macMaster = macMasterOf(serverKey);
    const authenticate = (to: Endpoint, msg: Message): Message => {
      // Recomputed per message (a keyed hash): a listed client costs no byte for its key.
      const entry = registry.byEndpoint(to);
      if (entry === undefined) return msg;
      const key = clientMacKey(macMaster, entry.id, this.admission.keepsReplay ? registry.local.registeredAt(entry) : 0);
      return withServerMac(key, msg, wallClock(this.lastNow));
    };
    const out = (this.out = new Outbox({ drops, sources, isListed, takeErrorReply: (now) => limits.takeErrorReply(now), signIntroduce: signedIntroduce, authenticate }));
    const caps = (this.caps = new ServerCaps(options));
    const admission = (this.admission = new Admission({ registry, sources, limits, authorizer, wallClock, emit, ipCaps: caps.ip, drops, out }));
    const tokens = new AddressTokens(options.tokenSecret);
    this.registration = new Registration({ registry, admission, authorizer, tokens, limits, out, drops, ttlMs, wallClock, serverKey, macMaster });
    this.reports = new PathReports({ drops, emit, holdsToken: (entry, from, token, now) => this.registration.holdsToken(entry, from, token, now) });
    this.status = new StatusResponder({ serverKey, out, drops, figures: (now) => this.statusFigures(now) });
    this.introductions = new Introductions({ registry, limits, out, drops, emit, targets: caps.introductionTargets, consent: caps.consent });
    this.relay = new Relay({
      registry,
      limits,
      out,
      drops,
      emit,
      consent: caps.consent,
      targets: caps.relayTargets,
      ...(options.relayRatePerS !== undefined ? { ratePerS: options.relayRatePerS } : {}),
      ...(options.relayBurst !== undefined ? { burst: options.relayBurst } : {}),
      ...(options.relayIdleStopMs !== undefined ? { idleStopMs: options.relayIdleStopMs } : {}),
    });
  }

  receive(bytes: Uint8Array, from: Endpoint, now: number): void {
    this.lastNow = now;
    this.startedAt ??= now;
    this.receiveDatagram(bytes, from, now);
    this.drops.arm(now);
  }

  handleTimeout(now: number): void {
    this.lastNow = now;
    this.startedAt ??= now;
    for (const entry of this.registry.expire(now)) this.admission.forget(entry, 'expired', now);
    if (this.nextSweepAt !== undefined && now >= this.nextSweepAt) {
      this.sweep(now);
      this.nextSweepAt = this.sources.size + this.registration.pendingCount + this.limits.size + this.caps.size > 0 ? now + SERVER_SWEEP_INTERVAL_MS : undefined;
    }
    this.relay.handleTimeout(now);
    const summary = this.drops.poll(now);
    if (summary) this.emit(summary);
    this.drops.arm(now);
  }

  pollTransmit(): Transmit | undefined {
    return this.out.poll();
  }

  pollEvent(): ServerEvent | undefined {
    return this.events.shift();
  }

  nextTimeout(): number | undefined {
    let at = this.registry.nextExpiry();
    for (const t of [this.nextSweepAt, this.relay.nextTimeout(), this.drops.nextTimeout()]) {
      if (t !== undefined && (at === undefined || t < at)) at = t;
    }
    return at;
  }

  stats(): ServerStats {
    return {
      online: this.registry.size,
      version: this.registry.version,
      datagramsIn: this.datagramsIn,
      datagramsOut: this.out.datagramsOut,
      bytesIn: this.bytesIn,
      bytesOut: this.out.bytesOut,
      relayed: this.relay.relayed,
      drops: this.drops.totals.toJSON(),
      tracked: { sources: this.sources.size, identities: this.limits.size, pending: this.registration.pendingCount },
    };
  }

  /** Every listed entry, the counters and the active relay pairs, as plain data (O(entries)). */
  snapshot(): ServerSnapshot {
    return buildSnapshot(this.registry, this.stats(), this.relay.active(), (id) => this.reports.reportOf(id));
  }

  /** What a status reply tells (status.ts). */
  private statusFigures(now: number): StatusInput {
    const activeBytes = this.relay.active().reduce((n, pair) => n + pair.bytes, 0);
    return {
      uptimeMs: Math.max(0, Math.floor(now - (this.startedAt ?? now))),
      clients: this.registry.size,
      requests: this.datagramsIn,
      introductions: this.counters.introductions,
      relayedSessions: this.counters.relayedSessions,
      relayedBytes: this.counters.relayedBytes(activeBytes),
      mailboxDepth: 0,
      drops: this.drops.totals.toJSON(),
    };
  }

  /** The account of one source (tests and the amplification check read it). */
  sourceAccount(from: Endpoint): Readonly<SourceAccount> | undefined {
    return this.sources.peek(endpointKey(from));
  }

  /** Bytes in and out over every tracked source that has not proven its address. */
  amplification(): AmplificationStats {
    return this.sources.amplification();
  }

  private receiveDatagram(bytes: Uint8Array, from: Endpoint, now: number): void {
    this.datagramsIn++;
    this.bytesIn += bytes.length;
    this.nextSweepAt ??= now + SERVER_SWEEP_INTERVAL_MS;
    const key = endpointKey(from);
    // A source that holds a listed entry is proven; its bucket lives in the entry's columns
    // (`src` undefined), so listed clients need no SourceAccount and no slot in `sources`.
    const listed = this.registry.byEndpoint(from, key);
    const src = listed === undefined ? this.sources.arrive(key, bytes.length, now) : undefined;
    const result = decode(bytes);
    if (!result.ok) {
      this.drops.add(result.reason);
      return;
    }
    try {
      this.dispatch(result.msg, from, src, listed, now, bytes.length);
    } catch {
      // Unreachable by design (the fuzz tests assert it never happens); a bug here must cost one datagram, never the server.
      this.drops.add('internal-error');
    }
  }

  /** `src` undefined: the source holds the listed entry `listed`. */
  private dispatch(msg: Message, from: Endpoint, src: SourceAccount | undefined, listed: RegistryEntry | undefined, now: number, size: number): void {
    if (msg.t === MsgType.Relay) return this.relay.onRelay(msg, from, now); // its own, larger, per-id limit
    if (!isRequest(msg.t)) {
      // Server-to-client and peer-to-peer types: never answered (no reflection loops between servers).
      this.drops.add('unexpected-type');
      return;
    }
    const allowed = src !== undefined ? this.sources.take(src) : this.registry.local.take(listed as RegistryEntry, Bucket.Source, now, this.sources.ratePerS, this.sources.burst);
    if (!allowed) {
      this.drops.add('source-rate-limited');
      return;
    }
    switch (msg.t) {
      case MsgType.Register:
        return this.registration.onRegister(msg, from, src, now);
      case MsgType.Heartbeat:
        return this.registration.onHeartbeat(msg, from, src, now);
      case MsgType.ListPeers:
        if (!this.proves(msg.token, from, listed, now)) return;
        return this.introductions.onListPeers(msg, from, src, now);
      case MsgType.Connect:
        if (!this.proves(msg.token, from, listed, now)) return;
        return this.introductions.onConnect(msg, from, src, now);
      case MsgType.Leave:
        return this.registration.onLeave(msg, from, now);
      case MsgType.PathReport:
        return this.reports.onReport(msg, from, listed, now);
      case MsgType.StatusRequest:
        return this.status.onRequest(msg, size, from, src, now);
    }
  }

  /**
   * A request whose answer is larger than itself (a PeerList page, two Introduces) must carry
   * the address token of the entry listed at its source: a source spoofed from a listed
   * client's address cannot make the server send that client more than the spoofer sent.
   * Refused silently: an error would be a reply to the spoofed address.
   */
  private proves(token: Uint8Array | undefined, from: Endpoint, listed: RegistryEntry | undefined, now: number): boolean {
    if (listed !== undefined && this.registration.holdsToken(listed, from, token, now)) return true;
    this.drops.add(listed === undefined ? 'request-not-listed' : 'request-bad-token');
    return false;
  }

  private sweep(now: number): void {
    this.sources.sweep(now);
    this.limits.sweep(now);
    this.registration.sweep(now);
    this.caps.sweep(now);
    if (this.authorizer instanceof SignedRegistrations) this.authorizer.sweep(this.wallClock(now));
  }

  private emit(event: ServerEvent): void {
    this.counters.observe(event);
    if (event.type === 'leave') this.reports.forget(event.peer.id); // a report lives as long as its entry
    if (this.events.push(event) !== undefined) this.drops.add('event-queue-full'); // the oldest went
  }
}
