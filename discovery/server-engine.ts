// The discovery server's protocol core: sans-IO (no socket, no timer, no clock). Datagrams
// in with `now`; replies out through pollTransmit(); log events out through pollEvent().
//
// Anti-amplification (natter's rule, after RFC 9000 §8.1): a source that is not registered
// gets nothing but Registered (about the size of its Register) or a small, server-wide
// rate-limited ServerError. Peer lists, introductions and relaying need a registration.

import { DropCounter, decode, encode } from '../src/codec.ts';
import {
  CONNECT_BURST,
  CONNECT_RATE_PER_S,
  RELAY_BURST_DATAGRAMS,
  RELAY_RATE_PER_S,
  REGISTRY_ENTRY_TTL_MS,
  SERVER_ERROR_BURST,
  SERVER_ERROR_RATE_PER_S,
  SERVER_EVENT_QUEUE_MAX,
  SERVER_TRANSMIT_QUEUE_MAX,
} from '../src/constants.ts';
import { sameEndpoint } from '../src/net/address.ts';
import type { Engine } from '../src/net/transport.ts';
import { MsgType, type Candidate, type Endpoint, type Message, type MessageOf } from '../src/wire.ts';
import { MemoryRegistry, type Registry, type RegistryEntry } from './registry.ts';
import { TokenBucket } from './token-bucket.ts';

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

/**
 * The seam for signed registrations (a later issue): decides whether `from` may register or
 * refresh this id. The default allows everything, as the protocol has no signatures yet.
 */
export interface RegisterAuthorizer {
  authorize(msg: MessageOf<typeof MsgType.Register>, from: Endpoint, existing: RegistryEntry | undefined): boolean;
}
export const allowAllRegistrations: RegisterAuthorizer = { authorize: () => true };

export interface ServerEngineOptions {
  /** Defaults to a MemoryRegistry with REGISTRY_ENTRY_TTL_MS. */
  registry?: Registry;
  /** The TTL told to clients in Registered; should match the registry's. */
  ttlMs?: number;
  authorizer?: RegisterAuthorizer;
  relayRatePerS?: number;
  relayBurst?: number;
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
}

const ref = (e: RegistryEntry): PeerRef => ({ id: e.id, name: e.name, observed: e.observed });

export class DiscoveryServerEngine implements Engine {
  readonly registry: Registry;
  readonly drops = new DropCounter();
  private readonly ttlMs: number;
  private readonly authorizer: RegisterAuthorizer;
  private readonly relayRatePerS: number;
  private readonly relayBurst: number;
  private readonly relayBuckets = new Map<string, TokenBucket>();
  private readonly connectBuckets = new Map<string, TokenBucket>();
  private errorBucket: TokenBucket | undefined;
  private readonly transmits: { to: Endpoint; bytes: Uint8Array }[] = [];
  private readonly events: ServerEvent[] = [];
  private readonly counters = { datagramsIn: 0, datagramsOut: 0, bytesIn: 0, bytesOut: 0, relayed: 0 };

  constructor(options: ServerEngineOptions = {}) {
    this.ttlMs = options.ttlMs ?? REGISTRY_ENTRY_TTL_MS;
    this.registry = options.registry ?? new MemoryRegistry({ ttlMs: this.ttlMs });
    this.authorizer = options.authorizer ?? allowAllRegistrations;
    this.relayRatePerS = options.relayRatePerS ?? RELAY_RATE_PER_S;
    this.relayBurst = options.relayBurst ?? RELAY_BURST_DATAGRAMS;
  }

  receive(bytes: Uint8Array, from: Endpoint, now: number): void {
    this.counters.datagramsIn++;
    this.counters.bytesIn += bytes.length;
    const result = decode(bytes);
    if (!result.ok) {
      this.drops.add(result.reason);
      return;
    }
    try {
      this.dispatch(result.msg, from, now);
    } catch {
      // Unreachable by design; a bug here must cost one datagram, never the server.
      this.drops.add('internal-error');
    }
  }

  handleTimeout(now: number): void {
    for (const entry of this.registry.expire(now)) this.forget(entry, 'expired');
  }

  pollTransmit(): { to: Endpoint; bytes: Uint8Array } | undefined {
    return this.transmits.shift();
  }

  pollEvent(): ServerEvent | undefined {
    return this.events.shift();
  }

  nextTimeout(): number | undefined {
    return this.registry.nextExpiry();
  }

  stats(): ServerStats {
    return { online: this.registry.size, version: this.registry.version, ...this.counters, drops: this.drops.toJSON() };
  }

  private dispatch(msg: Message, from: Endpoint, now: number): void {
    switch (msg.t) {
      case MsgType.Register:
        return this.onRegister(msg, from, now);
      case MsgType.ListPeers:
        return this.onListPeers(msg, from, now);
      case MsgType.Connect:
        return this.onConnect(msg, from, now);
      case MsgType.Leave:
        return this.onLeave(msg, from);
      case MsgType.Relay:
        return this.onRelay(msg, from, now);
      default:
        // Server-to-client and peer-to-peer types: never answered (no reflection loops between servers).
        this.drops.add('unexpected-type');
    }
  }

  private onRegister(msg: MessageOf<typeof MsgType.Register>, from: Endpoint, now: number): void {
    const existing = this.registry.get(msg.id);
    if (!this.authorizer.authorize(msg, from, existing)) {
      this.drops.add('unauthorized');
      this.sendError(from, now, ServerErrorCode.Unauthorized, 'registration refused', msg.id);
      return;
    }
    const result = this.registry.upsert({ id: msg.id, name: msg.name, lan: msg.lan, observed: from }, now);
    if (result.displaced) this.forget(result.displaced, 'replaced');
    const peer = ref(result.entry);
    if (result.isNew) this.emit({ type: 'join', peer });
    if (result.previousObserved) this.emit({ type: 'endpoint', peer, previous: result.previousObserved });
    if (result.previousName !== undefined) this.emit({ type: 'rename', peer, previousName: result.previousName });
    this.send(from, { t: MsgType.Registered, observed: [from[0], from[1]], ttlMs: this.ttlMs });
  }

  private onListPeers(msg: MessageOf<typeof MsgType.ListPeers>, from: Endpoint, now: number): void {
    if (!this.requireRegistered(from, now)) return;
    const { version, size } = this.registry;
    if (msg.ver === version && msg.cursor === undefined) {
      this.send(from, { t: MsgType.PeerList, ver: version, peers: [], unchanged: true, total: size });
      return;
    }
    this.send(from, { t: MsgType.PeerList, ...this.registry.page(msg.cursor) });
  }

  private onConnect(msg: MessageOf<typeof MsgType.Connect>, from: Endpoint, now: number): void {
    const a = this.requireRegistered(from, now);
    if (!a) return;
    // Each Connect makes the server send to a third party: bounded, so no one can aim a flood.
    if (!bucketFor(this.connectBuckets, a.id, now, CONNECT_RATE_PER_S, CONNECT_BURST).take(now)) {
      this.drops.add('connect-rate-limited');
      return;
    }
    const b = this.registry.get(msg.target);
    if (!b) {
      this.drops.add('connect-unknown-peer');
      this.sendError(from, now, ServerErrorCode.UnknownPeer, 'no such peer on this server', msg.target);
      return;
    }
    if (b.id === a.id) {
      this.drops.add('connect-self');
      this.sendError(from, now, ServerErrorCode.BadRequest, 'cannot connect to yourself', msg.target);
      return;
    }
    // Both at once: each side starts punching within half an RTT of the other (the punch floor).
    this.send(a.observed, { t: MsgType.Introduce, peer: { id: b.id, name: b.name }, candidates: candidatesOf(b) });
    this.send(b.observed, { t: MsgType.Introduce, peer: { id: a.id, name: a.name }, candidates: candidatesOf(a) });
  }

  private onLeave(msg: MessageOf<typeof MsgType.Leave>, from: Endpoint): void {
    const entry = this.registry.get(msg.id);
    // Only the address that holds the id may end it; anyone else could evict peers at will.
    if (!entry || !sameEndpoint(entry.observed, from)) {
      this.drops.add('leave-not-owner');
      return;
    }
    this.registry.remove(entry.id);
    this.forget(entry, 'left');
  }

  private onRelay(msg: MessageOf<typeof MsgType.Relay>, from: Endpoint, now: number): void {
    const source = this.registry.byEndpoint(from);
    if (!source) {
      // Silently: an unregistered relay is either stale or an attack; the next ListPeers tells a stale client.
      this.drops.add('relay-not-registered');
      return;
    }
    if (!bucketFor(this.relayBuckets, source.id, now, this.relayRatePerS, this.relayBurst).take(now)) {
      this.drops.add('relay-rate-limited');
      return;
    }
    const target = this.registry.get(msg.to);
    if (!target) {
      this.drops.add('relay-unknown-peer');
      this.sendError(from, now, ServerErrorCode.UnknownPeer, 'relay target is not on this server', msg.to);
      return;
    }
    if (this.send(target.observed, { t: MsgType.Relayed, from: source.id, data: msg.data })) this.counters.relayed++;
  }

  /** The registered entry at `from`, or undefined after answering NOT_REGISTERED. */
  private requireRegistered(from: Endpoint, now: number): RegistryEntry | undefined {
    const entry = this.registry.byEndpoint(from);
    if (!entry) {
      this.drops.add('not-registered');
      this.sendError(from, now, ServerErrorCode.NotRegistered, 'register first');
    }
    return entry;
  }

  private sendError(to: Endpoint, now: number, code: string, message: string, target?: string): void {
    this.errorBucket ??= new TokenBucket(SERVER_ERROR_RATE_PER_S, SERVER_ERROR_BURST, now);
    if (!this.errorBucket.take(now)) {
      this.drops.add('error-reply-rate-limited');
      return;
    }
    this.send(to, { t: MsgType.ServerError, code, message, ...(target !== undefined ? { target } : {}) });
  }

  private send(to: Endpoint, msg: Message): boolean {
    if (this.transmits.length >= SERVER_TRANSMIT_QUEUE_MAX) {
      this.drops.add('transmit-queue-full');
      return false;
    }
    let bytes: Uint8Array;
    try {
      bytes = encode(msg);
    } catch {
      // e.g. a Relay that fits 1200 bytes whose Relayed (longer sender id) does not.
      this.drops.add('reply-oversized');
      return false;
    }
    this.transmits.push({ to, bytes });
    this.counters.datagramsOut++;
    this.counters.bytesOut += bytes.length;
    return true;
  }

  private forget(entry: RegistryEntry, reason: 'left' | 'expired' | 'replaced'): void {
    this.relayBuckets.delete(entry.id);
    this.connectBuckets.delete(entry.id);
    this.emit({ type: 'leave', peer: ref(entry), reason });
  }

  private emit(event: ServerEvent): void {
    if (this.events.length >= SERVER_EVENT_QUEUE_MAX) {
      this.events.shift();
      this.drops.add('event-queue-full');
    }
    this.events.push(event);
  }
}

function bucketFor(buckets: Map<string, TokenBucket>, id: string, now: number, ratePerS: number, burst: number): TokenBucket {
  let bucket = buckets.get(id);
  if (!bucket) {
    bucket = new TokenBucket(ratePerS, burst, now);
    buckets.set(id, bucket);
  }
  return bucket;
}

/** The observed public endpoint first, then LAN endpoints that differ from it (and from each other). */
export function candidatesOf(entry: RegistryEntry): Candidate[] {
  const out: Candidate[] = [{ kind: 'public', addr: [entry.observed[0], entry.observed[1]] }];
  for (const addr of entry.lan) {
    if (out.some((c) => sameEndpoint(c.addr, addr))) continue;
    out.push({ kind: 'lan', addr: [addr[0], addr[1]] });
  }
  return out;
}
