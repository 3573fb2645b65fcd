// The client, sans-IO: a facade that routes between its parts. It takes bytes, `now` and
// commands, and gives datagrams and ClientEvents; client/edge/client.ts binds it to a UDP
// socket and one timer. The parts each do one job and never call back into this file:
//   discovery-client.ts     registration, heartbeats and peer lists with every server
//   conversation-table.ts   conversations by cid and by peer, inbound admission, seq numbers
//   introductions.ts        asking for introductions, Introduce, Punch and PunchAck
//   trust-policy.ts         contacts pinned by id, look-alike names, /verify and /whois
//   presence.ts             ready, status, the merged peer list, NAT type
//   delivery.ts             the outbox and receipts: queued until the recipient stored it
// Parts return outputs; this file routes them. handleOutput is the only place where what a
// conversation says becomes a ClientEvent.

import { randomBytes } from 'node:crypto';
import { DropCounter, decode, encode } from '../../src/codec.ts';
import { peerIdOf } from '../../src/crypto/identity.ts';
import { DisconnectedCode, NatterError, type ErrorCode } from '../../src/errors.ts';
import { Fifo } from '../../src/fifo.ts';
import type { Engine } from '../../src/net/transport.ts';
import { checkName } from '../../src/names.ts';
import { MsgType, endpointToString, type Endpoint, type Message } from '../../src/wire.ts';
import type { Conversation, ConversationOutput } from './conversation.ts';
import { ConversationTable } from './conversation-table.ts';
import { DiscoveryClient, type ServerState } from './discovery-client.ts';
import type { ClientEvent, WarningCode } from './events.ts';
import { Introductions } from './introductions.ts';
import type { ClientEngineOptions } from './client-engine-options.ts';
import { Delivery, type PreparedSend, type StoredBy } from './delivery.ts';
import type { OutgoingChat } from './chat-message.ts';
import { OutgoingMessages } from './outgoing.ts';
import { PathReporter } from './path-reporter.ts';
import { PinnedKeys } from './pinned-keys.ts';
import { Presence } from './presence.ts';
import { noticeEvent } from './server-keys.ts';
import type { ServerPins } from './server-pins.ts';
import type { Path } from './punch.ts';
import { resolvePeer, resolveWithContacts, type KnownPeer } from './resolve-peer.ts';
import { TrustPolicy } from './trust-policy.ts';

export type { ClientEngineOptions } from './client-engine-options.ts';

export class ClientEngine implements Engine<ClientEvent> {
  readonly id: string;
  name: string;
  /** Datagrams this facade dropped, by reason (conversations count their own). */
  readonly drops = new DropCounter();
  readonly pins: PinnedKeys;
  readonly serverPins: ServerPins;
  private readonly discovery: DiscoveryClient;
  private readonly table: ConversationTable;
  private readonly intro: Introductions;
  private readonly trust: TrustPolicy;
  private readonly presence: Presence;
  private readonly out = new Fifo<{ to: Endpoint; bytes: Uint8Array }>();
  private readonly events = new Fifo<ClientEvent>();
  /** Conversations holding frames to seal at the next pollTransmit. */
  private readonly framesPending = new Set<Conversation>();
  private readonly wallClock: (now: number) => number;
  private readonly outgoing: OutgoingMessages;
  private readonly reporter: PathReporter | undefined;
  private readonly delivery: Delivery;
  private readonly storedBy: StoredBy;
  /** Conversations the outbox started (retries): their failure is retried, not announced. */
  private readonly retries = new WeakSet<Conversation>();

  constructor(opts: ClientEngineOptions) {
    this.id = opts.identity.id;
    this.name = opts.name;
    this.wallClock = opts.wallClock ?? ((now) => now);
    const reporter = (this.reporter = opts.report === false ? undefined : new PathReporter());
    const report = reporter && ((now: number) => reporter.body(this.discovery.natType(opts.localPort), this.wallClock(now)));
    this.discovery = new DiscoveryClient(opts.servers, opts.identity, opts.name, opts.now, { wallClock: this.wallClock, timings: opts.timings, serverKeys: opts.serverKeys, serverPins: opts.serverPins, report });
    this.serverPins = this.discovery.serverPins;
    const randomCid = opts.randomCid ?? (() => randomBytes(4).readUInt32BE(0));
    this.table = new ConversationTable(opts.identity, randomCid, opts.timings, opts.now);
    this.outgoing = new OutgoingMessages((peerId) => this.table.nextSeq(peerId), opts.randomBytes ?? ((n) => randomBytes(n)));
    this.intro = new Introductions(this.id, opts.name, this.table, this.discovery);
    this.storedBy = opts.storedBy ?? 'event';
    this.delivery = new Delivery(opts.random ?? Math.random, this.storedBy, this.events, this.table, this.outgoing);
    this.pins = opts.pins ?? new PinnedKeys();
    this.trust = new TrustPolicy(this.pins);
    this.presence = new Presence(opts.identity, this.discovery, opts.localPort, opts.now, {
      marks: (id, name) => this.trust.marks(id, name),
      version: () => this.pins.version,
    });
  }

  pushError(code: ErrorCode, message: string, ref?: unknown): void {
    this.events.push(ref === undefined ? { event: 'error', code, message } : { event: 'error', code, message, ref });
  }

  /** A warning about this client itself (not about a peer), e.g. PINS_NOT_SAVED from the edge. */
  pushWarning(code: WarningCode, message: string): void {
    this.events.push({ event: 'warning', code, message });
  }

  setLanCandidates(lan: Endpoint[]): void {
    this.discovery.setLanCandidates(lan);
  }

  pollEvent(): ClientEvent | undefined {
    return this.events.shift();
  }

  pollTransmit(): { to: Endpoint; bytes: Uint8Array } | undefined {
    if (this.delivery.hasPendingReceipts) {
      // Receipts of one round of I/O go together, one payload per peer (see Delivery.stored).
      this.routeDelivery(this.delivery.flushReceipts());
    }
    const next = this.discovery.pollTransmit() ?? this.out.shift();
    if (next || this.framesPending.size === 0) return next;
    // Seal what conversations gathered, now that the socket asks for it (see takeSealed).
    for (const conv of this.framesPending) {
      for (let o = conv.takeSealed(); o; o = conv.takeSealed()) if (o.kind === 'send') this.sendOn(conv, o.path, o.msg);
    }
    this.framesPending.clear();
    return this.out.shift();
  }

  /** The open conversation with `peerId`, if any (for tests and views; commands go through the methods here). */
  conversationWith(peerId: string): Conversation | undefined {
    return this.table.openWith(peerId);
  }

  // ---- commands (bad input throws NatterError and changes nothing) ----

  knownPeers(now: number): KnownPeer[] {
    const known = new Map<string, string>();
    for (const p of this.discovery.mergedPeers(now)) known.set(p.id, p.name);
    for (const c of this.table.all()) if (c.peerId && c.state !== 'closed' && !known.has(c.peerId)) known.set(c.peerId, c.peerName ?? c.peerId.slice(0, 8));
    return [...known].map(([id, name]) => ({ id, name }));
  }

  listPeers(now: number): void {
    this.events.push({ event: 'peers', peers: this.presence.list(now) });
  }

  /** Throws NatterError (UNKNOWN_PEER, AMBIGUOUS) for a bad query. */
  connectPeer(query: string, now: number, announce = true): Conversation {
    const peer = resolvePeer(query, this.knownPeers(now));
    const existing = this.table.openWith(peer.id);
    if (existing && announce) this.retries.delete(existing);
    if (existing) {
      // An explicit connect to a connected peer answers `connected` again; a send does not.
      if (announce && existing.state === 'connected' && existing.path) this.emitConnected(existing, existing.path);
      return existing;
    }
    const conv = this.table.open(peer.id, peer.name, now);
    this.intro.ask(conv, now);
    return conv;
  }

  /** Dials a known address directly, as the original Gnutella-style chat did. */
  connectAddress(addr: Endpoint, now: number): void {
    const conv = this.table.open(undefined, undefined, now);
    conv.punch.addDirect('address', addr);
    this.pumpConversation(conv, now);
  }

  /** Sends a chat message at once (no database: prepare and queue in one step). */
  send(query: string, text: string, ref: unknown, now: number, wallNow = this.wallClock(now)): void {
    const prepared = this.prepareSend(query, text, ref, now, wallNow);
    if (prepared) this.enqueue([prepared], now);
  }

  /**
   * Numbers a message (fresh msgId, the peer's next seq, `wallNow` as its sentAt) for the edge
   * to commit to its outbox; nothing is shown or sent until enqueue. A contact who is offline
   * is fine (the message waits); an unknown name throws NatterError (UNKNOWN_PEER,
   * AMBIGUOUS); a message too long to ever deliver fails at once (a `failed` event, undefined).
   */
  prepareSend(query: string, text: string, ref: unknown, now: number, wallNow = this.wallClock(now)): PreparedSend | undefined {
    // Hot path: a send by id to an open conversation needs no name resolution.
    const open = this.table.openWith(query);
    const peer = open?.peerId ? { id: open.peerId, name: open.peerName ?? '?' } : resolveWithContacts(query, this.knownPeers(now), this.pins.list());
    return this.delivery.prepare(peer, text, ref, wallNow);
  }

  /** The edge committed these sends: `queued`, and each goes to its peer now or as soon as it can be reached. */
  enqueue(sends: readonly PreparedSend[], now: number): void {
    this.delivery.queued(sends, now);
    this.routeDelivery(now);
  }

  /** The edge could not commit these sends (disk full): they never happened; their seqs are given back. */
  abandon(sends: readonly PreparedSend[]): void {
    this.delivery.abandon(sends);
  }

  /** Messages restored from the edge's outbox at start, per peer in seq order: delivered as soon as the peer can be reached. */
  restoreQueued(peerId: string, peerName: string, chats: readonly OutgoingChat[], now: number): void {
    this.delivery.restore(peerId, peerName, chats, now);
  }

  /** The edge stored these messages from `peerId` (or had them already): their receipt goes to the peer. */
  stored(peerId: string, msgIds: string[], now: number): void {
    this.delivery.stored(peerId, msgIds, now);
    this.routeDelivery(now);
  }

  /** Our messages not yet on their recipient's disk (for `peerId`, or all). */
  queuedCount(peerId?: string): number {
    return this.delivery.queuedCount(peerId);
  }

  setName(name: string, now: number): void {
    const checked = checkName(name);
    if (!checked.ok) throw new NatterError('BAD_NAME', `${JSON.stringify(name.slice(0, 40))} is not a name: ${checked.reason}`);
    name = checked.name;
    this.name = name;
    this.intro.name = name;
    this.discovery.setName(name, now);
    const status = this.presence.status(now, name, true);
    if (status) this.events.push(status);
  }

  /** `/verify NAME|ID`: the person compared the fingerprint out of band. An ambiguous name throws AMBIGUOUS (use the id). */
  verifyPeer(query: string, now: number): void {
    const peer = resolveWithContacts(query, this.knownPeers(now), this.pins.list());
    const pin = this.trust.verify(peer.id, peer.name, this.wallClock(now));
    this.events.push({ event: 'verified', peer: pin.name, peerId: pin.id, fingerprint: pin.fingerprint });
  }

  /** `trust-server`: accept the key the server at `addr` proves next (its pin goes). */
  trustServer(addr: Endpoint, now: number): void {
    const server = endpointToString(addr);
    if (!this.discovery.trustServer(addr, now)) throw new NatterError('BAD_ADDRESS', `${server} is not a configured server without a key given in --servers`);
    this.events.push({ event: 'server_trusted', server });
  }

  /** `/whois NAME|ID`: the id, whether its key is known (then its fingerprint) and verified. */
  whois(query: string, now: number): void {
    const peer = resolveWithContacts(query, this.knownPeers(now), this.pins.list());
    this.events.push({ event: 'whois', peer: peer.name, peerId: peer.id, ...this.trust.whois(peer.id) });
  }

  /** Dropped datagrams and payloads by reason: malformed, forged, replayed, foreign, ... */
  dropCounts(): Record<string, number> {
    const total = this.table.dropCounts();
    for (const [reason, n] of this.drops.counts) total.add(reason, n);
    for (const [reason, n] of this.discovery.drops.counts) total.add(reason, n);
    return total.toJSON();
  }

  pushStats(): void {
    this.events.push({ event: 'stats', drops: this.dropCounts() });
  }

  hasPendingMessages(): boolean {
    return this.table.hasPendingMessages() || this.delivery.awaitingReceipts();
  }

  /** Seeds the seq counter for `peerId` from storage (the highest seq ever sent to it). */
  seedSeq(peerId: string, lastSent: number): void {
    this.table.seedSeq(peerId, lastSent);
  }

  /** Says goodbye: bye to every peer, leave to every server. */
  quit(now: number): void {
    for (const conv of this.table.all()) {
      conv.close('QUIT', 'you quit', now, true);
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
    if (!this.discovery.believes(server, msg, now)) return; // Relayed and Introduce: see there
    if (msg.t === MsgType.Introduce) {
      this.discovery.noteHeard(server, now);
      this.intro.introduced(msg, server.addr, now);
      return this.routeIntroductions(now);
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
    this.presence.serverHeard(server, this.discovery.receive(server, msg, now));
  }

  private receiveFromPeer(msg: Message, via: Path, relayedFrom: string | undefined, now: number): void {
    if (msg.t < MsgType.Punch) return this.drops.add(via.kind === 'relay' ? 'relayed-server-type' : 'unknown-source');
    if (msg.t === MsgType.Punch) this.intro.receivePunch(msg, via, relayedFrom, now);
    else if (msg.t === MsgType.PunchAck) this.intro.receivePunchAck(msg, via, relayedFrom, now);
    if (msg.t === MsgType.Punch || msg.t === MsgType.PunchAck) return this.routeIntroductions(now);
    // After the punch, everything is Noise: handshake messages, then sealed frames. A
    // plaintext frame is never accepted (it would be forgeable by anyone on the path).
    if (msg.t !== MsgType.Handshake && msg.t !== MsgType.Sealed) return this.drops.add('plaintext-frame');
    const conv = this.table.withCid(msg.cid);
    if (!conv || conv.state === 'closed') return this.drops.add('unknown-cid');
    if (msg.t === MsgType.Handshake) conv.receiveHandshake(msg, via, now);
    else conv.receiveSealed(msg, via, now);
    this.pumpConversation(conv, now);
  }

  // ---- timers ----

  handleTimeout(now: number): void {
    this.discovery.handleTimeout(now);
    this.intro.handleTimeout(now);
    this.delivery.handleTimeout(now);
    this.routeDelivery(now);
    for (const conv of this.table.all()) {
      conv.handleTimeout(now);
      this.pumpConversation(conv, now);
    }
    this.afterChange(now);
  }

  nextTimeout(): number | undefined {
    let next: number | undefined;
    const consider = (at: number | undefined): void => {
      if (at !== undefined && (next === undefined || at < next)) next = at;
    };
    consider(this.discovery.nextTimeout());
    consider(this.presence.nextTimeout());
    consider(this.intro.nextTimeout());
    consider(this.delivery.nextTimeout());
    for (const conv of this.table.all()) consider(conv.nextTimeout());
    return next;
  }

  // ---- routing ----

  private routeIntroductions(now: number): void {
    for (let o = this.intro.pollOutput(); o; o = this.intro.pollOutput()) {
      if (o.kind === 'send') this.sendOn(o.conv, o.path, o.msg);
      else if (o.kind === 'pump') this.pumpConversation(o.conv, now);
      else if (o.kind === 'announce' && o.conv.path) this.emitConnected(o.conv, o.conv.path);
      else if (o.kind === 'drop') this.drops.add(o.reason);
    }
    if (this.reporter?.takeChanged()) this.discovery.sendReports(now); // a path changed: tell the servers at once
  }

  /** Moves a conversation's probes, datagrams and events out to the wire and the event queue. */
  private pumpConversation(conv: Conversation, now: number): void {
    for (const probe of this.intro.duePunches(conv, now)) this.sendOn(conv, probe.path, probe.msg);
    for (let o = conv.pollOutput(); o; o = conv.pollOutput()) this.handleOutput(conv, o, now);
    if (conv.hasFrames()) this.framesPending.add(conv);
    if (this.reporter?.takeChanged()) this.discovery.sendReports(now); // a path changed: tell the servers at once
    if (conv.state === 'closed') {
      this.table.forget(conv);
      this.intro.stopAsking(conv);
      if (conv.peerId) this.delivery.conversationEnded(conv.peerId, conv.localCid, now);
    }
    this.routeDelivery(now);
  }

  /** The one place where what a conversation says becomes a ClientEvent. */
  private handleOutput(conv: Conversation, o: ConversationOutput, now: number): void {
    const peer = conv.peerName ?? '?';
    const peerId = conv.peerId ?? '';
    switch (o.kind) {
      case 'send':
        return this.sendOn(conv, o.path, o.msg);
      case 'connected':
        this.intro.stopAsking(conv);
        if (this.table.isReplacement(conv)) this.table.promote(conv); // a restarted peer proved its key: this session takes over
        this.retries.delete(conv);
        this.emitConnected(conv, o.path);
        // Every queued message not yet on this conversation goes now, in seq order.
        return this.delivery.flushTo(conv, now);
      case 'connect_failed':
        // An attempt someone else started (possibly forged) that never completed is nobody's news.
        if (this.table.isInbound(conv) || this.retries.has(conv)) return;
        if (conv.peerId) this.reporter?.failed(conv.peerId, o.reason);
        return void this.events.push({ event: 'connect_failed', peer, peerId, code: o.code, message: o.reason, reason: o.reason });
      case 'disconnected':
        if (conv.peerId) this.reporter?.disconnected(conv.peerId);
        return void this.events.push({ event: 'disconnected', peer, peerId, code: o.code, message: o.reason, reason: o.reason });
      case 'message':
        // Sent again after its receipt was lost: with no database, drop it here and say again that we have it.
        if (this.storedBy === 'event' && !this.table.firstSight(peerId, o.msgId)) return void this.delivery.stored(peerId, [o.msgId], now), this.drops.add('duplicate-message');
        return void this.delivery.chat(o, peer, peerId, now);
      case 'receipt':
      case 'acked':
        return void this.delivery.chat(o, peer, peerId, now);
      case 'undelivered':
        // The transport gave up on a queued message: end this conversation; a fresh one carries it.
        if (this.delivery.chat(o, peer, peerId, now)) conv.close(DisconnectedCode.PeerLost, 'peer lost: messages not acknowledged', now);
        return;
      case 'undecodable':
        // Counted by the conversation (stats); said here, so the loss is not silent.
        return void this.events.push({ event: 'warning', code: 'MALFORMED_MESSAGE', peer, peerId, message: `a message from ${peer} was dropped: ${o.reason}` });
      case 'reintroduce':
        return this.intro.ask(conv, now);
      case 'verify':
        return this.verifyIdentity(conv, o.publicKey, now);
    }
  }

  /** The handshake proved the key that hashes to the id (secure-link.ts): the whole check. Pin it; flag a look-alike new contact; open. */
  private verifyIdentity(conv: Conversation, publicKey: Uint8Array, now: number): void {
    const peerId = peerIdOf(publicKey);
    const name = conv.peerName ?? peerId.slice(0, 8);
    const proven = this.trust.proven(publicKey, name, this.wallClock(now));
    const like = proven.lookalike;
    if (like) this.events.push({ event: 'lookalike', peer: name, peerId, like: like.name, likeId: like.id });
    conv.acceptIdentity(now);
    if (proven.isNew) this.afterChange(now); // the peer list's marks may have changed
  }

  private emitConnected(conv: Conversation, path: Path): void {
    const addr = path.kind === 'direct' ? endpointToString(path.addr) : endpointToString(path.server);
    if (conv.peerId) this.reporter?.connected(conv.peerId, path);
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
    for (let n = this.discovery.pollNotice(); n; n = this.discovery.pollNotice()) this.events.push(noticeEvent(n));
    for (const ev of this.presence.afterChange(now, this.name)) this.events.push(ev);
    this.delivery.listed((peerId) => this.discovery.serversKnowing(peerId, now).length > 0, now);
    this.routeDelivery(now);
  }

  /** Conversations delivery gave frames to, pumped; the retries it wants, dialled (quietly: see `retries`). */
  private routeDelivery(now: number): void {
    for (let conv = this.delivery.pollTouched(); conv; conv = this.delivery.pollTouched()) this.pumpConversation(conv, now);
    for (let due = this.delivery.pollRetry(); due; due = this.delivery.pollRetry()) {
      const attempt = this.table.open(due.peerId, due.name, now);
      this.retries.add(attempt);
      this.intro.ask(attempt, now);
    }
  }

}
