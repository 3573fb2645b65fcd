// The client, sans-IO: discovery with every server, conversations with peers, and the
// routing of datagrams between them. It takes bytes and `now`, and gives datagrams and
// ClientEvents; client/edge/client.ts binds it to a UDP socket and one timer.

import { INBOUND_ATTEMPT_BURST, INBOUND_ATTEMPT_RATE_PER_S, INTRODUCTION_RETRY_MS, MAX_INBOUND_CONNECTING, READY_WAIT_MS } from '../../src/constants.ts';
import { TokenBucket } from '../../src/token-bucket.ts';
import { DropCounter, decode, encode } from '../../src/codec.ts';
import { randomBytes } from 'node:crypto';
import { fingerprint, type Identity } from '../../src/crypto/identity.ts';
import { KnownPeers } from '../../src/store/known-peers.ts';
import { NatterError } from '../../src/errors.ts';
import type { Engine } from '../../src/net/transport.ts';
import { MsgType, endpointToString, type Endpoint, type Message, type MessageOf } from '../../src/wire.ts';
import { Conversation, type ConversationOutput } from './conversation.ts';
import { DiscoveryClient, type ServerState } from './discovery-client.ts';
import type { ClientEvent, NatType } from './events.ts';
import type { Path } from './punch.ts';
import { resolvePeer, type KnownPeer } from './resolve-peer.ts';

export interface ClientEngineOptions {
  /** Our long-term key pair: the peer id derives from it; it signs registrations and authenticates Noise handshakes. */
  identity: Identity;
  name: string;
  servers: Endpoint[];
  localPort: number;
  now: number;
  /** Connection ids must be unpredictable to off-path attackers; injectable for tests. */
  randomCid?: () => number;
  /** Pinned peer keys (trust on first use); in memory unless a file-backed store is given. */
  knownPeers?: KnownPeers;
  /** Wall-clock milliseconds, only for timestamps in the known-peers file. */
  wallClock?: () => number;
}

type PeerMessage = MessageOf<
  typeof MsgType.Punch | typeof MsgType.PunchAck | typeof MsgType.Data | typeof MsgType.Ack | typeof MsgType.Ping | typeof MsgType.Pong | typeof MsgType.Bye | typeof MsgType.Handshake | typeof MsgType.Sealed
>;

export class ClientEngine implements Engine {
  readonly id: string;
  readonly identity: Identity;
  name: string;
  readonly discovery: DiscoveryClient;
  readonly drops = new DropCounter();
  private readonly out: { to: Endpoint; bytes: Uint8Array }[] = [];
  private readonly events: ClientEvent[] = [];
  private readonly byCid = new Map<number, Conversation>();
  private readonly byPeer = new Map<string, Conversation>();
  /** When to ask the servers again for an introduction, per conversation still connecting. */
  private readonly introAsk = new Map<Conversation, number>();
  private readonly startedAt: number;
  private readyEmitted = false;
  /** Our public endpoint as reported by the first server that answered (for `ready`). */
  private firstObserved: Endpoint | undefined;
  /** The latest time handleTimeout ran, so nextTimeout never re-arms a deadline already handled. */
  private lastNow = -Infinity;
  private lastPeers = '';
  /** Set when a server's list or reachability changed; the merged list is rebuilt only then. */
  private peersDirty = true;
  private lastStatus = '';
  private readonly localPort: number;
  private readonly randomCid: () => number;
  private readonly trust: KnownPeers;
  private readonly wallClock: () => number;
  /** Conversations holding frames to seal at the next pollTransmit. */
  private readonly framesPending = new Set<Conversation>();
  /** Conversations a Punch from someone else opened, while they are still connecting. */
  private readonly inbound = new Set<Conversation>();
  private readonly inboundBucket: TokenBucket;
  /** Keys that failed the TOFU check, by name, so `/trust NAME` can accept them. */
  private readonly mismatched = new Map<string, Uint8Array>();
  /** Keys proven by a completed handshake, by peer id (for /whois). */
  private readonly verifiedKeys = new Map<string, Uint8Array>();

  constructor(opts: ClientEngineOptions) {
    this.identity = opts.identity;
    this.id = opts.identity.id;
    this.name = opts.name;
    this.localPort = opts.localPort;
    this.startedAt = opts.now;
    this.discovery = new DiscoveryClient(opts.servers, opts.identity, opts.name, opts.now);
    this.randomCid = opts.randomCid ?? (() => randomBytes(4).readUInt32BE(0));
    this.trust = opts.knownPeers ?? new KnownPeers();
    this.inboundBucket = new TokenBucket(INBOUND_ATTEMPT_RATE_PER_S, INBOUND_ATTEMPT_BURST, opts.now);
    this.wallClock = opts.wallClock ?? Date.now;
  }

  pushError(code: string, message: string): void {
    this.events.push({ event: 'error', code, message });
  }

  setLanCandidates(lan: Endpoint[]): void {
    this.discovery.setLanCandidates(lan);
  }

  pollEvent(): ClientEvent | undefined {
    return this.events.shift();
  }

  pollTransmit(): { to: Endpoint; bytes: Uint8Array } | undefined {
    const next = this.discovery.pollTransmit() ?? this.out.shift();
    if (next || this.framesPending.size === 0) return next;
    // Seal what conversations gathered, now that the socket asks for it (see takeSealed).
    for (const conv of this.framesPending) {
      for (let o = conv.takeSealed(); o; o = conv.takeSealed()) if (o.kind === 'send') this.sendOn(conv, o.path, o.msg);
    }
    this.framesPending.clear();
    return this.out.shift();
  }

  // ---- commands ----

  knownPeers(now: number): KnownPeer[] {
    const known = new Map<string, string>();
    for (const p of this.discovery.mergedPeers(now)) known.set(p.id, p.name);
    for (const [id, c] of this.byPeer) if (!known.has(id)) known.set(id, c.peerName ?? id.slice(0, 8));
    return [...known].map(([id, name]) => ({ id, name }));
  }

  listPeers(now: number): void {
    this.events.push({ event: 'peers', peers: this.discovery.mergedPeers(now) });
  }

  /** Throws NatterError (UNKNOWN_PEER, AMBIGUOUS) for a bad query; changes nothing then. */
  connectPeer(query: string, now: number, announce = true): Conversation {
    const peer = resolvePeer(query, this.knownPeers(now));
    const existing = this.byPeer.get(peer.id);
    if (existing && existing.state !== 'closed') {
      // An explicit connect to a connected peer answers `connected` again; a send does not.
      if (announce && existing.state === 'connected' && existing.path) this.emitConnected(existing, existing.path);
      return existing;
    }
    const conv = this.newConversation(peer.id, peer.name, now);
    this.askIntroduction(conv, now);
    return conv;
  }

  /** Dials a known address directly, as the original Gnutella-style chat did. */
  connectAddress(addr: Endpoint, now: number): void {
    const conv = this.newConversation(undefined, undefined, now);
    conv.punch.addDirect('address', addr);
    this.pumpConversation(conv, now);
  }

  send(query: string, text: string, ref: unknown, now: number): void {
    // Hot path: a send by id to an open conversation needs no name resolution.
    const open = this.byPeer.get(query);
    const conv = open && open.state !== 'closed' ? open : this.connectPeer(query, now, false);
    if (!conv.send(text, ref, now)) throw new NatterError('MESSAGE_TOO_LONG', 'message is longer than 64 KiB');
    this.pumpConversation(conv, now);
  }

  setName(name: string, now: number): void {
    this.name = name;
    this.discovery.setName(name, now);
    this.emitStatus(now, true);
  }

  /** `/trust NAME`: accepts the key that failed the TOFU check, then reconnects. */
  trustPeer(query: string, now: number): void {
    const name = this.mismatched.has(query) ? query : resolvePeer(query, this.knownPeers(now)).name;
    const key = this.mismatched.get(name);
    if (!key) throw new NatterError('UNKNOWN_PEER', `no changed key is waiting for "${name}" (nothing to trust)`);
    this.trust.trust(name, key, this.wallClock());
    this.mismatched.delete(name);
    this.events.push({ event: 'trusted', peer: name, fingerprint: fingerprint(key) });
  }

  /** `/whois NAME`: id and, once a handshake proved it, the key's fingerprint. */
  whois(query: string, now: number): void {
    const peer = resolvePeer(query, this.knownPeers(now));
    const key = this.verifiedKeys.get(peer.id) ?? this.trust.get(peer.name)?.publicKey;
    const verified = this.verifiedKeys.has(peer.id);
    this.events.push({ event: 'whois', peer: peer.name, peerId: peer.id, fingerprint: key ? fingerprint(key) : '', verified });
  }

  /** Dropped datagrams by reason: malformed, forged, replayed, foreign, ... */
  dropCounts(): Record<string, number> {
    const total = new DropCounter();
    const add = (counts: Record<string, number>) => {
      for (const [reason, n] of Object.entries(counts)) total.add(reason, n);
    };
    add(this.drops.toJSON());
    for (const conv of this.byCid.values()) add(conv.link.cipherDrops());
    return total.toJSON();
  }

  pushStats(): void {
    this.events.push({ event: 'stats', drops: this.dropCounts() });
  }

  private addDrops(counts: Record<string, number>): void {
    for (const [reason, n] of Object.entries(counts)) this.drops.add(reason, n);
  }

  hasPendingMessages(): boolean {
    for (const c of this.byCid.values()) if (c.state !== 'closed' && c.hasPending()) return true;
    return false;
  }

  /** Says goodbye: bye to every peer, leave to every server. */
  quit(now: number): void {
    for (const conv of [...this.byCid.values()]) {
      conv.close('you quit', now, true);
      this.pumpConversation(conv, now);
    }
    for (const s of this.discovery.servers) this.discovery.sendTo(s.addr, { t: MsgType.Leave, id: this.id });
  }

  // ---- datagrams ----

  receive(bytes: Uint8Array, from: Endpoint, now: number): void {
    const decoded = decode(bytes);
    if (!decoded.ok) return this.drops.add(decoded.reason);
    const server = this.discovery.serverAt(from);
    if (!server) return this.receiveFromPeer(decoded.msg, { kind: 'direct', addr: from }, undefined, now);
    // Only servers change readiness, status and the peer list: peer datagrams (the hot path) skip it.
    this.receiveFromServer(server, decoded.msg, now);
    this.afterChange(now);
  }

  private receiveFromServer(server: ServerState, msg: Message, now: number): void {
    if (msg.t === MsgType.Introduce) {
      this.discovery.noteHeard(server, now);
      return this.introduced(msg, server.addr, now);
    }
    if (msg.t === MsgType.Relayed) {
      this.discovery.noteHeard(server, now);
      const inner = decode(msg.data);
      if (!inner.ok) return this.drops.add(`relayed-${inner.reason}`);
      return this.receiveFromPeer(inner.msg, { kind: 'relay', server: server.addr }, msg.from, now);
    }
    if (msg.t === MsgType.ServerError && msg.code === 'UNKNOWN_PEER' && msg.target) {
      // One server not knowing the peer is not fatal: another may, and the attempt times out on its own.
      this.drops.add('server-unknown-peer');
    }
    if (this.discovery.receive(server, msg, now)) this.peersDirty = true;
    this.firstObserved ??= server.observed;
  }

  private introduced(msg: MessageOf<typeof MsgType.Introduce>, server: Endpoint, now: number): void {
    const { id, name } = msg.peer;
    if (id === this.id) return;
    let conv = this.byPeer.get(id);
    if (!conv || conv.state === 'closed') conv = this.newConversation(id, name, now);
    conv.peerName = name;
    this.introAsk.delete(conv);
    for (const c of msg.candidates) conv.punch.addDirect(c.kind, c.addr);
    conv.punch.addRelay(server);
    // The peer asked the server because its path is new or broken: punch now, from our side too.
    conv.punch.restart(now, conv.state === 'connected');
    this.pumpConversation(conv, now);
  }

  private receiveFromPeer(msg: Message, via: Path, relayedFrom: string | undefined, now: number): void {
    if (msg.t < MsgType.Punch) return this.drops.add(via.kind === 'relay' ? 'relayed-server-type' : 'unknown-source');
    const m = msg as PeerMessage;
    if (m.t === MsgType.Punch) return this.receivePunch(m, via, relayedFrom, now);
    if (m.t === MsgType.PunchAck) return this.receivePunchAck(m, via, relayedFrom, now);
    // After the punch, everything is Noise: handshake messages, then sealed frames. A
    // plaintext frame is never accepted (it would be forgeable by anyone on the path).
    if (m.t !== MsgType.Handshake && m.t !== MsgType.Sealed) return this.drops.add('plaintext-frame');
    const conv = this.byCid.get(m.cid);
    if (!conv || conv.state === 'closed') return this.drops.add('unknown-cid');
    if (m.t === MsgType.Handshake) conv.receiveHandshake(m, via, now);
    else conv.receiveSealed(m, via, now);
    this.pumpConversation(conv, now);
  }

  private receivePunch(m: MessageOf<typeof MsgType.Punch>, via: Path, relayedFrom: string | undefined, now: number): void {
    if ((m.to !== undefined && m.to !== this.id) || m.from === this.id) return this.drops.add('punch-not-for-us');
    if (relayedFrom !== undefined && relayedFrom !== m.from) return this.drops.add('relay-id-mismatch');
    let conv = this.byPeer.get(m.from);
    if (conv && conv.remoteCid !== undefined && conv.remoteCid !== m.cid && conv.state === 'connected') {
      conv.close('peer restarted the conversation', now);
      this.pumpConversation(conv, now);
      conv = undefined;
    }
    if (!conv || conv.state === 'closed') {
      if (!this.admitInbound(now)) return this.drops.add('inbound-attempt-limited');
      conv = this.newConversation(m.from, m.name, now);
      this.inbound.add(conv);
    }
    conv.peerName = m.name;
    conv.remoteCid = m.cid;
    // Answer where the probe came from (peer-reflexive): that is what lets a peer behind a
    // symmetric NAT reach us. Probe back there too, so our own mapping opens toward it.
    this.sendOn(conv, via, { t: MsgType.PunchAck, from: this.id, to: m.from, name: this.name, cid: conv.localCid, echo: m.cid });
    if (via.kind === 'direct') conv.punch.addDirect('peer-reflexive', via.addr);
    this.pumpConversation(conv, now);
  }

  private receivePunchAck(m: MessageOf<typeof MsgType.PunchAck>, via: Path, relayedFrom: string | undefined, now: number): void {
    const conv = this.byCid.get(m.echo);
    if (!conv || conv.state === 'closed' || m.to !== this.id) return this.drops.add('stale-punch-ack');
    if (relayedFrom !== undefined && relayedFrom !== m.from) return this.drops.add('relay-id-mismatch');
    if (conv.peerId === undefined) {
      // A /connect host:port dial learns who answered.
      const other = this.byPeer.get(m.from);
      if (other && other !== conv && other.state !== 'closed') {
        this.forget(conv);
        if (other.state === 'connected' && other.path) this.emitConnected(other, other.path);
        return;
      }
      conv.peerId = m.from;
      this.byPeer.set(m.from, conv);
    } else if (conv.peerId !== m.from) {
      return this.drops.add('punch-ack-wrong-peer');
    }
    conv.peerName = m.name;
    conv.confirmPath(via, m.cid, now);
    this.pumpConversation(conv, now);
  }

  // ---- timers ----

  handleTimeout(now: number): void {
    this.lastNow = now;
    this.discovery.handleTimeout(now);
    for (const [conv, at] of this.introAsk) if (now >= at) this.askIntroduction(conv, now);
    for (const conv of [...this.byCid.values()]) {
      conv.handleTimeout(now);
      this.pumpConversation(conv, now);
    }
    this.afterChange(now);
  }

  nextTimeout(): number | undefined {
    let next = this.discovery.nextTimeout();
    // Until the ready wait is over; after it, the first server answer emits ready by itself.
    if (!this.readyEmitted && this.lastNow < this.startedAt + READY_WAIT_MS) next = Math.min(next, this.startedAt + READY_WAIT_MS);
    for (const at of this.introAsk.values()) next = Math.min(next, at);
    for (const conv of this.byCid.values()) next = Math.min(next, conv.nextTimeout() ?? Infinity);
    return Number.isFinite(next) ? next : undefined;
  }

  // ---- internals ----

  private newConversation(peerId: string | undefined, peerName: string | undefined, now: number): Conversation {
    let cid = this.randomCid();
    while (this.byCid.has(cid)) cid = (cid + 1) >>> 0;
    const conv = new Conversation(peerId, peerName, cid, now, this.identity);
    this.byCid.set(cid, conv);
    if (peerId) {
      const old = this.byPeer.get(peerId);
      if (old && old !== conv) this.forget(old);
      this.byPeer.set(peerId, conv);
    }
    return conv;
  }

  /** Admits a conversation someone else opened, within the rate and the cap on pending ones. */
  private admitInbound(now: number): boolean {
    for (const c of this.inbound) if (c.state !== 'connecting') this.inbound.delete(c);
    return this.inbound.size < MAX_INBOUND_CONNECTING && this.inboundBucket.take(now);
  }

  private forget(conv: Conversation): void {
    this.inbound.delete(conv);
    if (this.byCid.has(conv.localCid)) this.addDrops(conv.link.cipherDrops());
    this.byCid.delete(conv.localCid);
    this.introAsk.delete(conv);
    if (conv.peerId && this.byPeer.get(conv.peerId) === conv) this.byPeer.delete(conv.peerId);
  }

  private askIntroduction(conv: Conversation, now: number): void {
    if (!conv.peerId || conv.state === 'closed') return;
    const knowing = this.discovery.serversKnowing(conv.peerId, now);
    const msg: Message = { t: MsgType.Connect, target: conv.peerId };
    if (knowing.length) for (const s of knowing) this.discovery.sendTo(s.addr, msg);
    else this.discovery.broadcast(msg, now);
    for (const s of knowing) conv.punch.addRelay(s.addr);
    if (conv.state === 'connecting') this.introAsk.set(conv, now + INTRODUCTION_RETRY_MS);
    else this.introAsk.delete(conv);
  }

  /** Moves a conversation's probes, datagrams and events out to the wire and the event queue. */
  private pumpConversation(conv: Conversation, now: number): void {
    if (conv.peerId !== undefined || conv.state === 'connecting') {
      for (const path of conv.duePunches(now)) {
        if (path.kind === 'relay' && !conv.peerId) continue;
        this.sendOn(conv, path, { t: MsgType.Punch, from: this.id, to: conv.peerId, name: this.name, cid: conv.localCid });
      }
    }
    for (let o = conv.pollOutput(); o; o = conv.pollOutput()) this.handleOutput(conv, o, now);
    if (conv.hasFrames()) this.framesPending.add(conv);
    if (conv.state === 'closed') this.forget(conv);
  }

  private handleOutput(conv: Conversation, o: ConversationOutput, now: number): void {
    const peer = conv.peerName ?? '?';
    const peerId = conv.peerId ?? '';
    switch (o.kind) {
      case 'send':
        return this.sendOn(conv, o.path, o.msg);
      case 'connected':
        this.introAsk.delete(conv);
        return this.emitConnected(conv, o.path);
      case 'connect_failed':
        // An attempt someone else started (possibly forged) that never completed is nobody's news.
        if (this.inbound.has(conv)) return;
        return void this.events.push({ event: 'connect_failed', peer, peerId, reason: o.reason });
      case 'disconnected':
        return void this.events.push({ event: 'disconnected', peer, peerId, reason: o.reason });
      case 'message':
        return void this.events.push({ event: 'message', from: peer, fromId: peerId, msgId: o.msgId, text: o.text, sentAt: o.sentAt });
      case 'delivered':
        return void this.events.push({ event: 'delivered', to: peer, toId: peerId, ref: o.ref, msgId: o.msgId });
      case 'failed':
        return void this.events.push({ event: 'failed', to: peer, toId: peerId, ref: o.ref, reason: o.reason, msgId: o.msgId });
      case 'reintroduce':
        return this.askIntroduction(conv, now);
      case 'verify':
        return this.verifyIdentity(conv, o.publicKey, now);
    }
  }

  /**
   * Trust on first use, as SSH does: the first key seen under a name is pinned; another key
   * under that name later is a loud warning and the conversation is not opened until the
   * person says `/trust NAME`.
   */
  private verifyIdentity(conv: Conversation, publicKey: Uint8Array, now: number): void {
    const name = conv.peerName ?? conv.peerId ?? '?';
    const verdict = this.trust.pin(name, publicKey, this.wallClock());
    if (verdict === 'mismatch') {
      const pinned = this.trust.get(name);
      this.mismatched.set(name, publicKey);
      this.events.push({
        event: 'key_mismatch',
        peer: name,
        peerId: conv.peerId ?? '',
        fingerprint: fingerprint(publicKey),
        pinnedFingerprint: pinned ? fingerprint(pinned.publicKey) : '',
      });
      conv.close(`KEY CHANGED for "${name}": possible impersonation; compare fingerprints, then /trust ${name} to accept the new key`, now, true);
      return;
    }
    this.verifiedKeys.set(conv.peerId ?? '', publicKey);
    conv.acceptIdentity(now);
  }

  private emitConnected(conv: Conversation, path: Path): void {
    const addr = path.kind === 'direct' ? endpointToString(path.addr) : endpointToString(path.server);
    this.events.push({ event: 'connected', peer: conv.peerName ?? '?', peerId: conv.peerId ?? '', via: path.kind, addr });
  }

  private sendOn(conv: Conversation, path: Path, msg: Message): void {
    if (path.kind === 'direct') {
      this.out.push({ to: path.addr, bytes: encode(msg) });
    } else if (conv.peerId) {
      this.out.push({ to: path.server, bytes: encode({ t: MsgType.Relay, to: conv.peerId, data: encode(msg) }) });
    }
  }

  private afterChange(now: number): void {
    if (!this.readyEmitted) this.maybeReady(now);
    if (this.readyEmitted) {
      this.emitStatus(now);
      this.emitPeersIfChanged(now);
    }
  }

  private maybeReady(now: number): void {
    const answered = this.discovery.servers.filter((s) => s.observed);
    const all = answered.length === this.discovery.servers.length;
    if (!all && (answered.length === 0 || now - this.startedAt < READY_WAIT_MS)) return;
    this.readyEmitted = true;
    const observed = (this.firstObserved ?? answered[0]?.observed) as Endpoint;
    this.events.push({ event: 'ready', id: this.id, name: this.name, observed: endpointToString(observed), nat: this.natType(), fingerprint: this.identity.fingerprint });
  }

  natType(): NatType {
    return this.discovery.natType(this.localPort);
  }

  private emitStatus(now: number, force = false): void {
    const observed = this.discovery.observed();
    const status: ClientEvent = {
      event: 'status',
      servers: this.discovery.reachableCount(now),
      serversTotal: this.discovery.servers.length,
      observed: observed ? endpointToString(observed) : '',
      nat: this.natType(),
      name: this.name,
      id: this.id,
      fingerprint: this.identity.fingerprint,
    };
    const key = JSON.stringify(status);
    if (!force && key === this.lastStatus) return;
    this.peersDirty = true; // reachability may have changed, and with it the merged list
    this.lastStatus = key;
    this.events.push(status);
  }

  private emitPeersIfChanged(now: number): void {
    if (!this.peersDirty) return;
    this.peersDirty = false;
    const peers = this.discovery.mergedPeers(now);
    const key = peers.map((p) => `${p.id}:${p.name}`).join(',');
    if (key === this.lastPeers) return;
    this.lastPeers = key;
    this.events.push({ event: 'peers', peers });
  }
}
