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
//   per-source account; replies that do not fit are dropped and counted). Registered answers a
//   ~200-byte Register with ~60 bytes; errors to unproven sources carry no target and no text.
// - Rate limits: every request is charged to its source endpoint (SOURCE_RATE_PER_S); after
//   authentication, Register and Heartbeat to the identity too, Connect and Relay to the
//   registered id; error replies server-wide. A flood from one source drains its own bucket.
// - Memory: per-source and per-identity state, pending registrations and replay records live
//   in capped LRU maps, swept every SERVER_SWEEP_INTERVAL_MS.

import { DropCounter, decode, encode } from '../../src/codec.ts';
import {
  CONNECT_BURST,
  CONNECT_RATE_PER_S,
  HEARTBEAT_BURST,
  HEARTBEAT_RATE_PER_S,
  MAX_PENDING_REGISTRATIONS,
  MAX_TRACKED_IDENTITIES,
  MAX_TRACKED_SOURCES,
  PENDING_REGISTRATION_TTL_MS,
  REGISTER_BURST,
  REGISTER_RATE_PER_S,
  RELAY_BURST_DATAGRAMS,
  RELAY_RATE_PER_S,
  REGISTRY_ENTRY_TTL_MS,
  SERVER_ERROR_BURST,
  SERVER_ERROR_RATE_PER_S,
  SERVER_EVENT_QUEUE_MAX,
  SERVER_SWEEP_INTERVAL_MS,
  SERVER_TRANSMIT_QUEUE_MAX,
  SOURCE_BURST,
  SOURCE_RATE_PER_S,
} from '../../src/constants.ts';
import { endpointKey, sameEndpoint } from '../../src/address.ts';
import type { Engine } from '../../src/net/transport.ts';
import { MsgType, type Candidate, type Endpoint, type Message, type MessageOf } from '../../src/wire.ts';
import { AddressTokens } from './address-token.ts';
import { BoundedMap } from '../data/bounded-map.ts';
import { EntryState, Limit, takeBucket, type BucketState, type LimitKind } from '../data/entry-state.ts';
import { SignedRegistrations, type RegisterAuthorizer } from './register-auth.ts';
import { MemoryRegistry, type Registry, type RegistryEntry } from './registry.ts';
import { TokenBucket } from '../../src/token-bucket.ts';

export type { RegisterAuthorizer } from './register-auth.ts';

/** Stable codes of the ServerError replies. */
export const ServerErrorCode = {
  NotRegistered: 'NOT_REGISTERED',
  UnknownPeer: 'UNKNOWN_PEER',
  BadRequest: 'BAD_REQUEST',
  Unauthorized: 'UNAUTHORIZED',
} as const;

export type PeerRef = { id: string; name: string; observed: Endpoint };

export type ServerEvent =
  | { type: 'join'; peer: PeerRef }
  | { type: 'leave'; peer: PeerRef; reason: 'left' | 'expired' | 'replaced' }
  | { type: 'endpoint'; peer: PeerRef; previous: Endpoint }
  | { type: 'rename'; peer: PeerRef; previousName: string };

export interface ServerEngineOptions {
  /** Defaults to a MemoryRegistry with REGISTRY_ENTRY_TTL_MS. */
  registry?: Registry;
  /** The TTL told to clients in Registered; should match the registry's. */
  ttlMs?: number;
  /** Registration policy; default: signed, fresh, not replayed (SignedRegistrations). */
  authorizer?: RegisterAuthorizer;
  /** Wall-clock ms for a monotonic `now` (signed timestamps). Default: performance.timeOrigin + now. */
  wallClock?: (now: number) => number;
  /** The address-token key; default 32 random bytes per engine. Tests pass a fixed one. */
  tokenSecret?: Uint8Array;
  relayRatePerS?: number;
  relayBurst?: number;
  sourceRatePerS?: number;
  sourceBurst?: number;
}

export interface AmplificationStats {
  /** Tracked sources that never proved their address. */
  unprovenSources: number;
  bytesIn: number;
  bytesOut: number;
  /** The largest bytesOut / bytesIn of any one of them (natter's rule: at most 1). */
  worstRatio: number;
}

export interface ServerStats {
  online: number;
  version: number;
  datagramsIn: number;
  datagramsOut: number;
  bytesIn: number;
  bytesOut: number;
  relayed: number;
  /** Dropped inputs (and refused outputs) by reason. */
  drops: Record<string, number>;
  /** Sizes of the bounded tables: they must stay under their caps whatever arrives. */
  tracked: { sources: number; identities: number; pending: number };
}

/**
 * What the server knows about one source endpoint: up to MAX_TRACKED_SOURCES of these, so
 * one small object (its token bucket inline, refilled as datagrams arrive) and no more.
 */
export class SourceAccount {
  /** The request bucket (SOURCE_RATE_PER_S, SOURCE_BURST), refilled up to lastSeen. */
  tokens: number;
  lastSeen: number;
  /** Bytes received and sent while the address was unproven. */
  bytesIn = 0;
  bytesOut = 0;
  proven = false;

  constructor(burst: number, now: number) {
    this.tokens = burst;
    this.lastSeen = now;
  }

  /** Refills for the time since the last datagram (a clock that goes backwards refills nothing). */
  touch(now: number, ratePerS: number, burst: number): void {
    if (now > this.lastSeen) {
      this.tokens = Math.min(burst, this.tokens + ((now - this.lastSeen) * ratePerS) / 1000);
      this.lastSeen = now;
    }
  }

  take(): boolean {
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** The buckets of an identity that is not listed (a listed one keeps them in EntryState). */
interface IdentityLimits {
  /** Indexed by LimitKind; created full at first use. */
  buckets: (BucketState | undefined)[];
  lastUsed: number;
}

interface Pending {
  readonly name: string;
  readonly lan: readonly Endpoint[];
  readonly observed: Endpoint;
  readonly at: number;
}

/** Idle sources and identities are forgotten after this long (their buckets would be full again). */
const IDLE_FORGET_MS = 60_000;

const ref = (e: RegistryEntry): PeerRef => ({ id: e.id, name: e.name, observed: e.observed });
const defaultWallClock = (now: number): number => performance.timeOrigin + now;

export class DiscoveryServerEngine implements Engine {
  readonly registry: Registry;
  readonly drops = new DropCounter();
  private readonly ttlMs: number;
  private readonly authorizer: RegisterAuthorizer;
  /** The authorizer lets listed ids' replay records live in entryState (adopt/release). */
  private readonly keepsReplay: boolean;
  private readonly wallClock: (now: number) => number;
  private readonly tokens: AddressTokens;
  private readonly relayRatePerS: number;
  private readonly relayBurst: number;
  private readonly sourceRatePerS: number;
  private readonly sourceBurst: number;
  private readonly sources = new BoundedMap<string, SourceAccount>(MAX_TRACKED_SOURCES);
  private readonly identities = new BoundedMap<string, IdentityLimits>(MAX_TRACKED_IDENTITIES);
  private readonly pending = new BoundedMap<string, Pending>(MAX_PENDING_REGISTRATIONS);
  /** Listed entries' rate-limit buckets and current tokens, by slot. */
  private readonly entryState = new EntryState();
  private errorBucket: TokenBucket | undefined;
  private nextSweepAt: number | undefined;
  // FIFO queues read from a head index (Array.shift() is O(n) once V8 stops left-trimming).
  private transmits: { to: Endpoint; bytes: Uint8Array }[] = [];
  private transmitHead = 0;
  private events: ServerEvent[] = [];
  private eventHead = 0;
  private readonly counters = { datagramsIn: 0, datagramsOut: 0, bytesIn: 0, bytesOut: 0, relayed: 0 };

  constructor(options: ServerEngineOptions = {}) {
    this.ttlMs = options.ttlMs ?? REGISTRY_ENTRY_TTL_MS;
    this.registry = options.registry ?? new MemoryRegistry({ ttlMs: this.ttlMs });
    this.authorizer = options.authorizer ?? new SignedRegistrations();
    this.keepsReplay = typeof this.authorizer.adopt === 'function' && typeof this.authorizer.release === 'function';
    this.wallClock = options.wallClock ?? defaultWallClock;
    this.tokens = new AddressTokens(options.tokenSecret);
    this.relayRatePerS = options.relayRatePerS ?? RELAY_RATE_PER_S;
    this.relayBurst = options.relayBurst ?? RELAY_BURST_DATAGRAMS;
    this.sourceRatePerS = options.sourceRatePerS ?? SOURCE_RATE_PER_S;
    this.sourceBurst = options.sourceBurst ?? SOURCE_BURST;
  }

  receive(bytes: Uint8Array, from: Endpoint, now: number): void {
    this.counters.datagramsIn++;
    this.counters.bytesIn += bytes.length;
    this.nextSweepAt ??= now + SERVER_SWEEP_INTERVAL_MS;
    const key = endpointKey(from);
    // A source that holds a listed entry is proven; its bucket lives in the entry's columns
    // (`src` undefined), so listed clients need no SourceAccount and no slot in `sources`.
    const listed = this.registry.byEndpoint(from, key);
    let src: SourceAccount | undefined;
    if (listed === undefined) {
      src = this.sources.get(key);
      if (src === undefined) {
        src = new SourceAccount(this.sourceBurst, now);
        this.sources.set(key, src);
      } else src.touch(now, this.sourceRatePerS, this.sourceBurst);
      if (!src.proven) src.bytesIn += bytes.length; // garbage counts too: it is what the sender paid
    }
    const result = decode(bytes);
    if (!result.ok) {
      this.drops.add(result.reason);
      return;
    }
    try {
      this.dispatch(result.msg, from, src, listed?.slot ?? -1, now);
    } catch {
      // Unreachable by design; a bug here must cost one datagram, never the server.
      this.drops.add('internal-error');
    }
  }

  handleTimeout(now: number): void {
    for (const entry of this.registry.expire(now)) this.forget(entry, 'expired', now);
    if (this.nextSweepAt !== undefined && now >= this.nextSweepAt) {
      this.sweep(now);
      this.nextSweepAt = this.sources.size + this.pending.size + this.identities.size > 0 ? now + SERVER_SWEEP_INTERVAL_MS : undefined;
    }
  }

  pollTransmit(): { to: Endpoint; bytes: Uint8Array } | undefined {
    if (this.transmitHead >= this.transmits.length) return undefined;
    const out = this.transmits[this.transmitHead++];
    if (this.transmitHead === this.transmits.length) {
      this.transmits.length = 0;
      this.transmitHead = 0;
    }
    return out;
  }

  pollEvent(): ServerEvent | undefined {
    if (this.eventHead >= this.events.length) return undefined;
    const ev = this.events[this.eventHead++];
    if (this.eventHead === this.events.length) {
      this.events.length = 0;
      this.eventHead = 0;
    }
    return ev;
  }

  nextTimeout(): number | undefined {
    const expiry = this.registry.nextExpiry();
    if (expiry === undefined) return this.nextSweepAt;
    return this.nextSweepAt === undefined ? expiry : Math.min(expiry, this.nextSweepAt);
  }

  stats(): ServerStats {
    return {
      online: this.registry.size,
      version: this.registry.version,
      ...this.counters,
      drops: this.drops.toJSON(),
      tracked: { sources: this.sources.size, identities: this.identities.size, pending: this.pending.size },
    };
  }

  /** The account of one source (tests and the amplification check read it). */
  sourceAccount(from: Endpoint): Readonly<SourceAccount> | undefined {
    return this.sources.peek(endpointKey(from));
  }

  /** Bytes in and out over every tracked source that has not proven its address. */
  amplification(): AmplificationStats {
    const out: AmplificationStats = { unprovenSources: 0, bytesIn: 0, bytesOut: 0, worstRatio: 0 };
    for (const [, s] of this.sources.entries()) {
      if (s.proven) continue;
      out.unprovenSources++;
      out.bytesIn += s.bytesIn;
      out.bytesOut += s.bytesOut;
      if (s.bytesIn > 0) out.worstRatio = Math.max(out.worstRatio, s.bytesOut / s.bytesIn);
    }
    return out;
  }

  /** `src` undefined: the source holds the listed entry at `slot`. */
  private dispatch(msg: Message, from: Endpoint, src: SourceAccount | undefined, slot: number, now: number): void {
    if (msg.t === MsgType.Relay) return this.onRelay(msg, from, now); // its own, larger, per-id limit
    if (!isRequest(msg.t)) {
      // Server-to-client and peer-to-peer types: never answered (no reflection loops between servers).
      this.drops.add('unexpected-type');
      return;
    }
    if (src !== undefined ? !src.take() : !this.entryState.takeSource(slot, now, this.sourceRatePerS, this.sourceBurst)) {
      this.drops.add('source-rate-limited');
      return;
    }
    switch (msg.t) {
      case MsgType.Register:
        return this.onRegister(msg, from, src, now);
      case MsgType.Heartbeat:
        return this.onHeartbeat(msg, from, src, now);
      case MsgType.ListPeers:
        return this.onListPeers(msg, from, src, now);
      case MsgType.Connect:
        return this.onConnect(msg, from, src, now);
      case MsgType.Leave:
        return this.onLeave(msg, from, now);
    }
  }

  private onRegister(msg: MessageOf<typeof MsgType.Register>, from: Endpoint, src: SourceAccount | undefined, now: number): void {
    const existing = this.registry.get(msg.id);
    // A listed id's replay record lives in its entry's columns (see RegisterAuthorizer).
    const kept = existing !== undefined && this.keepsReplay ? this.entryState.registeredAt(existing.slot) : undefined;
    const verdict = this.authorizer.authorize(msg, from, existing, this.wallClock(now), kept);
    if (verdict !== 'ok') {
      this.drops.add(`register-${verdict}`);
      this.sendError(src, from, now, ServerErrorCode.Unauthorized, verdict);
      return;
    }
    if (kept !== undefined && existing !== undefined) this.entryState.setRegisteredAt(existing.slot, msg.ts);
    // Charged to the identity only once the signature holds: no one can drain someone else's allowance.
    if (!this.take(msg.id, existing, Limit.Register, now, REGISTER_RATE_PER_S, REGISTER_BURST)) {
      this.drops.add('register-rate-limited');
      return;
    }
    const token = this.tokens.issue(msg.id, from, now);
    if (src === undefined || this.isProven(src, from)) {
      // The address already echoed a token (a rename, a re-register after a lost reply): list at once.
      this.pending.delete(msg.id);
      this.admit({ id: msg.id, name: msg.name, lan: msg.lan, observed: from }, now);
      this.reply(src, from, { t: MsgType.Registered, observed: [from[0], from[1]], ttlMs: this.ttlMs, token, proven: true });
      return;
    }
    this.pending.set(msg.id, { name: msg.name, lan: msg.lan.map(([h, p]): Endpoint => [h, p]), observed: [from[0], from[1]], at: now });
    this.reply(src, from, { t: MsgType.Registered, observed: [from[0], from[1]], ttlMs: this.ttlMs, token });
  }

  private onHeartbeat(msg: MessageOf<typeof MsgType.Heartbeat>, from: Endpoint, src: SourceAccount | undefined, now: number): void {
    const entry = this.registry.get(msg.id);
    const here = entry !== undefined && sameEndpoint(entry.observed, from);
    // The listed entry remembers this epoch's token for (id, this address): one comparison
    // instead of an HMAC to check it and another to issue it again.
    const epoch = this.tokens.epochOf(now);
    const cached = here && this.entryState.tokenMatches(entry.slot, epoch, msg.token);
    const valid = cached || this.tokens.verify(msg.id, from, msg.token, now);
    if (!valid) {
      // A stolen token, a NAT rebinding or a restarted server: the client signs a fresh Register.
      this.drops.add('heartbeat-bad-token');
      this.sendError(src, from, now, ServerErrorCode.Unauthorized, '');
      return;
    }
    if (src) src.proven = true;
    if (!this.take(msg.id, entry, Limit.Heartbeat, now, HEARTBEAT_RATE_PER_S, HEARTBEAT_BURST)) {
      this.drops.add('heartbeat-rate-limited');
      return;
    }
    let listed: RegistryEntry;
    if (here) {
      listed = this.admit({ id: entry.id, name: entry.name, lan: entry.lan, observed: from }, now);
    } else {
      const pending = this.pending.peek(msg.id);
      if (!pending || !sameEndpoint(pending.observed, from)) {
        this.drops.add('heartbeat-not-registered'); // expired, or the pending registration was forgotten
        this.sendError(src, from, now, ServerErrorCode.NotRegistered, '');
        return;
      }
      this.pending.delete(msg.id);
      listed = this.admit({ id: msg.id, name: pending.name, lan: pending.lan, observed: from }, now);
    }
    // The address is proven (src.proven above): no amplification budget applies.
    const reuse = cached && listed === entry;
    const token = reuse ? this.entryState.token(listed.slot) : this.tokens.issue(msg.id, from, now);
    const bytes = this.encodeOrDrop({ t: MsgType.Registered, observed: [from[0], from[1]], ttlMs: this.ttlMs, token, proven: true });
    if (bytes === undefined) return;
    if (!reuse && sameEndpoint(listed.observed, from)) this.entryState.setToken(listed.slot, token, epoch);
    this.sendBytes(from, bytes);
  }

  private onListPeers(msg: MessageOf<typeof MsgType.ListPeers>, from: Endpoint, src: SourceAccount | undefined, now: number): void {
    if (!this.requireRegistered(src, from, now)) return;
    const { version, size } = this.registry;
    if (msg.ver === version && msg.cursor === undefined) {
      this.reply(src, from, { t: MsgType.PeerList, ver: version, peers: [], unchanged: true, total: size });
      return;
    }
    this.reply(src, from, { t: MsgType.PeerList, ...this.registry.page(msg.cursor) });
  }

  private onConnect(msg: MessageOf<typeof MsgType.Connect>, from: Endpoint, src: SourceAccount | undefined, now: number): void {
    const a = this.requireRegistered(src, from, now);
    if (!a) return;
    // Each Connect makes the server send to a third party: bounded, so no one can aim a flood.
    if (!this.take(a.id, a, Limit.Connect, now, CONNECT_RATE_PER_S, CONNECT_BURST)) {
      this.drops.add('connect-rate-limited');
      return;
    }
    const b = this.registry.get(msg.target);
    if (!b) {
      this.drops.add('connect-unknown-peer');
      this.sendError(src, from, now, ServerErrorCode.UnknownPeer, 'no such peer on this server', msg.target);
      return;
    }
    if (b.id === a.id) {
      this.drops.add('connect-self');
      this.sendError(src, from, now, ServerErrorCode.BadRequest, 'cannot connect to yourself', msg.target);
      return;
    }
    // Both at once: each side starts punching within half an RTT of the other (the punch floor).
    // Both endpoints are proven: the registry lists no other kind.
    this.send(a.observed, { t: MsgType.Introduce, peer: { id: b.id, name: b.name }, candidates: candidatesOf(b) });
    this.send(b.observed, { t: MsgType.Introduce, peer: { id: a.id, name: a.name }, candidates: candidatesOf(a) });
  }

  private onLeave(msg: MessageOf<typeof MsgType.Leave>, from: Endpoint, now: number): void {
    // Only the holder, from the address it proved, may end an entry; anyone else could evict peers at will.
    if (!msg.token || !this.tokens.verify(msg.id, from, msg.token, now)) {
      this.drops.add('leave-unauthorized');
      return;
    }
    const pending = this.pending.peek(msg.id);
    if (pending && sameEndpoint(pending.observed, from)) this.pending.delete(msg.id);
    const entry = this.registry.get(msg.id);
    if (!entry || !sameEndpoint(entry.observed, from)) {
      this.drops.add('leave-not-registered');
      return;
    }
    this.registry.remove(entry.id);
    this.forget(entry, 'left', now);
  }

  private onRelay(msg: MessageOf<typeof MsgType.Relay>, from: Endpoint, now: number): void {
    const source = this.registry.byEndpoint(from);
    if (!source) {
      // Silently: an unregistered relay is either stale or an attack; the next ListPeers tells a stale client.
      this.drops.add('relay-not-registered');
      return;
    }
    if (!this.take(source.id, source, Limit.Relay, now, this.relayRatePerS, this.relayBurst)) {
      this.drops.add('relay-rate-limited');
      return;
    }
    const target = this.registry.get(msg.to);
    if (!target) {
      this.drops.add('relay-unknown-peer');
      this.sendError(undefined, from, now, ServerErrorCode.UnknownPeer, 'relay target is not on this server', msg.to);
      return;
    }
    if (this.send(target.observed, { t: MsgType.Relayed, from: source.id, data: msg.data })) this.counters.relayed++;
  }

  /** Lists (or refreshes) an entry whose address is proven, and logs what changed. */
  private admit(input: { id: string; name: string; lan: readonly Endpoint[]; observed: Endpoint }, now: number): RegistryEntry {
    const result = this.registry.upsert(input, now);
    if (result.displaced) this.forget(result.displaced, 'replaced', now);
    const slot = result.entry.slot;
    if (result.isNew) {
      this.entryState.reset(slot);
      // Listed: the id's replay record moves from the authorizer into the entry's columns.
      if (this.keepsReplay) this.entryState.setRegisteredAt(slot, this.authorizer.adopt?.(input.id) ?? Number.NaN);
    }
    if (result.previousObserved) this.releaseSource(slot, result.previousObserved, now);
    if (result.isNew || result.previousObserved) {
      // The entry now holds this endpoint: its source account moves into the entry's columns.
      const key = endpointKey(input.observed);
      const account = this.sources.peek(key);
      if (account) {
        account.touch(now, this.sourceRatePerS, this.sourceBurst);
        this.sources.delete(key);
      }
      this.entryState.setSource(slot, account?.tokens ?? this.sourceBurst, account?.lastSeen ?? now);
    }
    if (result.isNew) {
      // Listed: the identity's buckets move from the map into the entry's columns.
      const limits = this.identities.peek(input.id);
      if (limits) {
        limits.buckets.forEach((b, kind) => b && this.entryState.setBucket(slot, kind as LimitKind, b));
        this.identities.delete(input.id);
      }
    } else if (result.previousObserved) this.entryState.clearToken(slot); // bound to the old address
    if (result.isNew) this.emit({ type: 'join', peer: ref(result.entry) });
    if (result.previousObserved) this.emit({ type: 'endpoint', peer: ref(result.entry), previous: result.previousObserved });
    if (result.previousName !== undefined) this.emit({ type: 'rename', peer: ref(result.entry), previousName: result.previousName });
    return result.entry;
  }

  /** The registered entry at `from`, or undefined after answering NOT_REGISTERED (if the budget allows). */
  private requireRegistered(src: SourceAccount | undefined, from: Endpoint, now: number): RegistryEntry | undefined {
    const entry = this.registry.byEndpoint(from);
    if (!entry) {
      this.drops.add('not-registered');
      this.sendError(src, from, now, ServerErrorCode.NotRegistered, '');
    }
    return entry;
  }

  private isProven(src: SourceAccount, from: Endpoint): boolean {
    if (!src.proven && this.registry.byEndpoint(from)) src.proven = true;
    return src.proven;
  }

  /** Charges `id` (listed as `entry` if it is: the registry's entry for `id`, or undefined). */
  private take(id: string, entry: RegistryEntry | undefined, kind: LimitKind, now: number, ratePerS: number, burst: number): boolean {
    if (entry !== undefined) return this.entryState.take(entry.slot, kind, now, ratePerS, burst);
    const limits = this.identities.getOrCreate(id, () => ({ buckets: [], lastUsed: now }));
    limits.lastUsed = now;
    const bucket = (limits.buckets[kind] ??= { tokens: burst, last: now });
    return takeBucket(bucket, now, ratePerS, burst);
  }

  /** `src` undefined: the destination is a registered (proven) endpoint. */
  private sendError(src: SourceAccount | undefined, to: Endpoint, now: number, code: string, message: string, target?: string): void {
    this.errorBucket ??= new TokenBucket(SERVER_ERROR_RATE_PER_S, SERVER_ERROR_BURST, now);
    if (!this.errorBucket.take(now)) {
      this.drops.add('error-reply-rate-limited');
      return;
    }
    const msg: Message = { t: MsgType.ServerError, code, message, ...(target !== undefined ? { target } : {}) };
    if (src) this.reply(src, to, msg);
    else this.send(to, msg);
  }

  /** Sends to the source of a request: within its byte budget until its address is proven. */
  private reply(src: SourceAccount | undefined, to: Endpoint, msg: Message): void {
    if (src === undefined || this.isProven(src, to)) {
      this.send(to, msg);
      return;
    }
    let size: number;
    try {
      size = encode(msg).length;
    } catch {
      this.drops.add('reply-oversized');
      return;
    }
    if (src.bytesOut + size > src.bytesIn) {
      this.drops.add('amplification-limit');
      return;
    }
    if (this.send(to, msg)) src.bytesOut += size;
  }

  private send(to: Endpoint, msg: Message): boolean {
    if (this.transmits.length - this.transmitHead >= SERVER_TRANSMIT_QUEUE_MAX) {
      this.drops.add('transmit-queue-full');
      return false;
    }
    const bytes = this.encodeOrDrop(msg);
    return bytes !== undefined && this.sendBytes(to, bytes);
  }

  private encodeOrDrop(msg: Message): Uint8Array | undefined {
    try {
      return encode(msg);
    } catch {
      // e.g. a Relay that fits 1200 bytes whose Relayed (longer sender id) does not.
      this.drops.add('reply-oversized');
      return undefined;
    }
  }

  private sendBytes(to: Endpoint, bytes: Uint8Array): boolean {
    if (this.transmits.length - this.transmitHead >= SERVER_TRANSMIT_QUEUE_MAX) {
      this.drops.add('transmit-queue-full');
      return false;
    }
    this.transmits.push({ to, bytes });
    this.counters.datagramsOut++;
    this.counters.bytesOut += bytes.length;
    return true;
  }

  /** Call before the entry's slot can be reused (the registry reuses a removed entry's slot). */
  private forget(entry: RegistryEntry, reason: 'left' | 'expired' | 'replaced', now: number): void {
    this.identities.delete(entry.id);
    this.releaseSource(entry.slot, entry.observed, now);
    if (this.keepsReplay) {
      // The replay record goes back to the authorizer: a captured Register must stay refused.
      const ts = this.entryState.registeredAt(entry.slot);
      if (!Number.isNaN(ts)) this.authorizer.release?.(entry.id, ts, this.wallClock(now));
    }
    this.emit({ type: 'leave', peer: ref(entry), reason });
  }

  /**
   * The entry at `slot` no longer holds `at`: its source bucket goes back to a SourceAccount,
   * unproven (the address stays proven only while an entry holds it: a NAT may give the port
   * to someone else), with a fresh byte account. An idle one is not kept: it would be full.
   */
  private releaseSource(slot: number, at: Endpoint, now: number): void {
    const last = this.entryState.sourceLast(slot);
    if (!(last >= now - IDLE_FORGET_MS)) return;
    const account = new SourceAccount(this.sourceBurst, last);
    account.tokens = this.entryState.sourceTokens(slot);
    this.sources.set(endpointKey(at), account);
  }

  private sweep(now: number): void {
    this.sources.sweepOldest((s) => s.lastSeen < now - IDLE_FORGET_MS);
    this.identities.sweep((l) => l.lastUsed < now - IDLE_FORGET_MS);
    this.pending.sweepOldest((p) => p.at < now - PENDING_REGISTRATION_TTL_MS);
    if (this.authorizer instanceof SignedRegistrations) this.authorizer.sweep(this.wallClock(now));
  }

  private emit(event: ServerEvent): void {
    if (this.events.length - this.eventHead >= SERVER_EVENT_QUEUE_MAX) {
      this.eventHead++; // the oldest goes
      this.drops.add('event-queue-full');
      if (this.eventHead * 2 >= this.events.length) {
        this.events = this.events.slice(this.eventHead);
        this.eventHead = 0;
      }
    }
    this.events.push(event);
  }
}

const REQUEST_TYPES = new Set<number>([MsgType.Register, MsgType.Heartbeat, MsgType.ListPeers, MsgType.Connect, MsgType.Leave]);
type RequestType = typeof MsgType.Register | typeof MsgType.Heartbeat | typeof MsgType.ListPeers | typeof MsgType.Connect | typeof MsgType.Leave;
const isRequest = (t: MsgType): t is RequestType => REQUEST_TYPES.has(t);

/** The observed public endpoint first, then LAN endpoints that differ from it (and from each other). */
export function candidatesOf(entry: RegistryEntry): Candidate[] {
  const out: Candidate[] = [{ kind: 'public', addr: [entry.observed[0], entry.observed[1]] }];
  for (const addr of entry.lan) {
    if (out.some((c) => sameEndpoint(c.addr, addr))) continue;
    out.push({ kind: 'lan', addr: [addr[0], addr[1]] });
  }
  return out;
}
