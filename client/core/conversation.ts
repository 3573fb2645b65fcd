// One conversation with one peer, sans-IO: its lifecycle (connecting, connected, closed), the
// path it uses (direct or relayed) and the handshake that secures it. Datagrams are scoped by
// connection ids (each side picks its own, like WireGuard's receiver index), so a
// conversation survives a change of address on either side: that is what makes roaming and
// relay<->direct switches lose nothing.
//
// The rest is in parts this class routes between, none of which knows of it:
// - punch.ts: which candidate paths to probe, and when;
// - secure-link.ts: the Noise handshake and the transport cipher;
// - frame-packer.ts: frames gathered into sealed datagrams;
// - liveness.ts: keepalive, stale path and silent peer timers;
// - src/reliability/path-sender.ts: the streams, and the one window they share on the path;
// - chat-stream.ts: chat messages on stream 0 (payloads, msgId and seq, delivered/failed);
// - path-validation.ts: the sealed path check an address must pass before the path moves.
// Once the handshake completed, nothing in clear (Punch, PunchAck, Handshake, Introduce) moves
// the path, changes the peer's cid or renames the peer: at most it starts a path check.

import { randomBytes } from 'node:crypto';
import { DropCounter } from '../../src/codec.ts';
import type { Identity } from '../../src/crypto/identity.ts';
import { ConnectFailedCode, DisconnectedCode } from '../../src/errors.ts';
import { Fifo } from '../../src/fifo.ts';
import { CHAT_PRIORITY, CHAT_STREAM, PathSender, type StreamFrame } from '../../src/reliability/path-sender.ts';
import { withTimings, type Timings } from '../../src/timings.ts';
import { MsgType, type Message, type MessageOf } from '../../src/wire.ts';
import type { OutgoingChat } from './chat-message.ts';
import { ChatStream, type ChatOutput } from './chat-stream.ts';
import { FramePacker } from './frame-packer.ts';
import { Liveness } from './liveness.ts';
import { PATH_FRAME_DATAGRAM_BYTES, PathValidation } from './path-validation.ts';
import { PunchScheduler, pathKey, type Path } from './punch.ts';
import { SecureLink, type Frame } from './secure-link.ts';

export type ConversationState = 'connecting' | 'connected' | 'closed';

/** Why a conversation ended: a ConnectFailedCode if it never opened, else a DisconnectedCode (see close). */
export type CloseCode = ConnectFailedCode | DisconnectedCode;

/** What a conversation asks the engine to do or tell. */
export type ConversationOutput =
  | { kind: 'send'; path: Path; msg: Message }
  | { kind: 'connected'; path: Path; changed: boolean }
  | { kind: 'connect_failed'; code: ConnectFailedCode; reason: string }
  | { kind: 'disconnected'; code: DisconnectedCode; reason: string }
  /** message, receipt, acked, undelivered, undecodable: see chat-stream.ts. */
  | ChatOutput
  /** The handshake proved this identity key: the engine checks it (TOFU) and calls acceptIdentity or close. */
  | { kind: 'verify'; publicKey: Uint8Array }
  /** The path looks broken: ask the servers to introduce us again. */
  | { kind: 'reintroduce' };

export interface ConversationOptions {
  /** Punch, liveness and rekey timers (defaults: DEFAULT_TIMINGS). */
  timings?: Partial<Timings>;
  /** Randomness for path challenges; injectable for tests. Default: node:crypto. */
  randomBytes?: (n: number) => Uint8Array;
}

export class Conversation {
  state: ConversationState = 'connecting';
  path: Path | undefined;
  remoteCid: number | undefined;
  readonly punch: PunchScheduler;
  readonly link: SecureLink;
  private readonly timings: Timings;
  private readonly sender = new PathSender();
  private readonly chat: ChatStream;
  private readonly liveness: Liveness;
  private readonly packer: FramePacker;
  private readonly checks: PathValidation;
  private readonly drops = new DropCounter();
  private readonly out = new Fifo<ConversationOutput>();

  constructor(
    public peerId: string | undefined,
    public peerName: string | undefined,
    readonly localCid: number,
    now: number,
    identity: Identity,
    options: ConversationOptions = {},
  ) {
    this.timings = withTimings(options.timings);
    this.punch = new PunchScheduler(now, options.timings);
    this.link = new SecureLink(identity, localCid, { rekeyAfterMs: this.timings.rekeyAfterMs });
    this.packer = new FramePacker(this.link);
    this.liveness = new Liveness(now, this.timings);
    this.chat = new ChatStream(this.sender.open(CHAT_STREAM, CHAT_PRIORITY));
    this.checks = new PathValidation(options.randomBytes ?? ((n) => randomBytes(n)));
  }

  /** True once the handshake completed: from then on only authenticated evidence changes this conversation. */
  get hasSession(): boolean {
    return this.link.secure;
  }

  pollOutput(): ConversationOutput | undefined {
    return this.out.shift();
  }

  hasFrames(): boolean {
    return this.packer.hasFrames;
  }

  /**
   * Seals the frames gathered since the last call into one datagram. The engine calls it
   * only when the socket asks for output, so frames from everything that happened in one
   * round of I/O leave together (see frame-packer.ts).
   */
  takeSealed(): ConversationOutput | undefined {
    this.flushFrames();
    return this.out.shift();
  }

  /** Queues a chat message; false if its payload is too long to send. */
  send(msg: OutgoingChat, now: number): boolean {
    if (!this.chat.send(msg, now)) return false;
    this.pump(now);
    return true;
  }

  hasPending(): boolean {
    return this.chat.hasPending() || this.sender.hasUnacked();
  }

  /** Tells the peer we stored these messages of theirs (an end-to-end receipt on the chat stream). */
  sendReceipt(msgIds: readonly string[], now: number): void {
    this.chat.sendReceipt(msgIds, now);
    this.pump(now);
  }

  /** A new session with the peer replaces this one: it ends silently and hands back what the peer has not acknowledged. */
  retire(): OutgoingChat[] {
    if (this.state === 'closed') return [];
    const moved = this.chat.takeUnacked();
    this.state = 'closed';
    this.chat.close('replaced by a new session');
    return moved;
  }

  /** Messages moved from a session this one replaced: sent here in their order, before anything newer. */
  adopt(moved: OutgoingChat[], now: number): void {
    for (const m of moved) this.chat.send(m, now);
    this.pump(now);
  }

  /** Drops counted by this conversation: the link's (cipher, framing) and its own (streams, payloads). */
  dropCounts(): Record<string, number> {
    return { ...this.link.cipherDrops(), ...this.drops.toJSON() };
  }

  // ---- path establishment ----

  /**
   * A probe answered on `path` for our current cid (a PunchAck of `bytes`). First contact takes
   * the path and starts the handshake; after the session, the plaintext ack only starts a check.
   */
  confirmPath(path: Path, remoteCid: number, now: number, bytes = 0): void {
    if (this.hasSession) {
      if (remoteCid !== this.remoteCid) return this.drops.add('punch-ack-stale-cid');
      this.heardFrom(path, bytes);
      return this.checkPath(path, now);
    }
    if (this.link.handshaking && remoteCid !== this.remoteCid) return this.drops.add('punch-ack-cid-mid-handshake');
    this.remoteCid = remoteCid;
    this.liveness.heard(now);
    this.path = path;
    this.liveness.pathConfirmed();
    this.punch.won(path, now);
    // A path exists: secure it. The lower id sends the first handshake message.
    if (this.peerId !== undefined) this.sendHandshake(this.link.begin(this.peerId, now), now);
  }

  /** The engine accepted the peer's proven key: the conversation is open. */
  acceptIdentity(now: number): void {
    if (this.state !== 'connecting' || !this.path) return;
    this.state = 'connected';
    this.out.push({ kind: 'connected', path: this.path, changed: false });
    this.chat.open(now);
    this.pump(now);
  }

  receiveHandshake(msg: MessageOf<typeof MsgType.Handshake>, via: Path, now: number): void {
    if (this.state === 'closed') return;
    if (this.hasSession) {
      // Only a repeat of the peer's last message (our answer was lost), answered on our path.
      if (msg.scid !== this.remoteCid || !this.path) return this.drops.add('handshake-after-session');
      const again = this.link.receiveHandshake(msg.data, this.peerId, now);
      if (again?.reply) this.emitSend(this.path, { t: MsgType.Handshake, cid: msg.scid, scid: this.localCid, data: again.reply }, now);
      return;
    }
    const step = this.link.receiveHandshake(msg.data, this.peerId, now);
    if (!step) return; // junk changes nothing: not the path, not the peer's cid
    this.path ??= via; // the initiator reached us on this path before our own probe was answered
    this.remoteCid = msg.scid;
    this.liveness.heard(now);
    if (step.reply) this.emitSend(via, { t: MsgType.Handshake, cid: msg.scid, scid: this.localCid, data: step.reply }, now);
    if (step.done) this.out.push({ kind: 'verify', publicKey: step.done.remoteIdentityPk });
  }

  /** An encrypted frame for this conversation; forged, replayed or foreign ones are dropped and counted. */
  receiveSealed(msg: MessageOf<typeof MsgType.Sealed>, via: Path, now: number): void {
    if (this.state === 'closed') return;
    const frames = this.link.open(msg, now);
    if (!frames) return;
    if (via.kind === 'direct' && !this.isCurrent(via)) {
      // Authentic, from a new address: the peer's NAT mapping changed, or someone on the path
      // forwarded a copy from elsewhere. Check the address; its sealed answer moves the path.
      this.heardFrom(via, msg.ct.length + 32);
      this.checkPath(via, now);
    }
    for (const frame of frames) if ((this.state as ConversationState) !== 'closed') this.receive(frame, via, now);
  }

  // ---- path checks (after the session exists) ----

  /** True if `path` is the one this conversation uses. */
  isCurrent(path: Path): boolean {
    return this.path !== undefined && pathKey(this.path) === pathKey(path);
  }

  /** `bytes` arrived from `path`: if it is not our path, they allow a few times as many back. */
  heardFrom(path: Path, bytes: number): void {
    if (!this.isCurrent(path)) this.checks.credit(path, bytes);
  }

  /** May we send `bytes` to `path` now? Always on our own path; elsewhere within the budget (taken). */
  maySend(path: Path, bytes: number): boolean {
    return this.isCurrent(path) || this.checks.spend(path, bytes);
  }

  /** The peer may be reachable on `path` (authentic frames, a Punch or PunchAck came from there): check it. Our own path only while stale. */
  checkPath(path: Path, now: number): void {
    if (!this.hasSession || this.state === 'closed') return;
    if (this.isCurrent(path) && !this.liveness.recovering) return;
    this.checks.start(path, now);
    this.sendChallenges(now);
  }

  /** Probes the schedule says are due, as Punch messages; the engine fills in ids and names. */
  duePunches(now: number): Path[] {
    return this.state === 'closed' ? [] : this.punch.due(now);
  }

  // ---- frames from the peer (already opened and matched to this conversation) ----

  private receive(msg: Frame, via: Path, now: number): void {
    this.liveness.heard(now);
    switch (msg.t) {
      case MsgType.Data:
        if (!this.sender.receive(msg.sid ?? CHAT_STREAM, { t: MsgType.Data, seq: msg.seq, more: msg.more, body: msg.body }, now)) this.drops.add('unknown-stream');
        break;
      case MsgType.Ack:
        if (!this.sender.receive(msg.sid ?? CHAT_STREAM, { t: MsgType.Ack, cum: msg.cum, sack: msg.sack }, now)) this.drops.add('unknown-stream');
        break;
      case MsgType.Ping:
        if (this.maySend(via, PATH_FRAME_DATAGRAM_BYTES)) this.emitSend(via, { t: MsgType.Pong, cid: this.remoteCid ?? 0 }, now);
        break;
      case MsgType.Bye:
        this.close(DisconnectedCode.PeerLeft, 'peer left', now);
        return;
      case MsgType.Pong:
        break;
      case MsgType.PathChallenge:
        // Answered where it came from (QUIC): that is the address being checked.
        if (this.maySend(via, PATH_FRAME_DATAGRAM_BYTES)) this.emitSend(via, { t: MsgType.PathResponse, cid: this.remoteCid ?? 0, data: msg.data }, now);
        else this.drops.add('path-budget');
        break;
      case MsgType.PathResponse: {
        const validated = this.checks.answered(msg.data);
        if (validated) this.pathValidated(validated, now);
        else this.drops.add('path-response-unknown');
        break;
      }
    }
    this.pump(now);
  }

  // ---- timers ----

  handleTimeout(now: number): void {
    if (this.state === 'closed') return;
    if (this.state === 'connecting') {
      if (this.link.timedOut(now)) return this.close(ConnectFailedCode.HandshakeFailed, 'handshake failed: the peer did not complete the encrypted handshake', now);
      if (this.punch.expired(now)) {
        const seconds = Math.round(this.timings.punchTimeoutMs / 1000);
        return this.close(ConnectFailedCode.PunchTimeout, `no path: punching timed out after ${seconds} s (no candidate or relay answered)`, now);
      }
      const again = this.path && this.link.retransmit(now);
      if (again) this.sendHandshake(again, now);
      return;
    }
    const silentMs = this.liveness.peerLost(now);
    if (silentMs !== undefined) return this.close(DisconnectedCode.PeerLost, `peer lost: silent for ${Math.round(silentMs / 1000)} s`, now);
    this.sender.handleTimeout(now);
    this.sendChallenges(now);
    this.pump(now);
    const due = this.liveness.check(now);
    if (due.stale) {
      // No reply for a while: the NAT mapping may be gone or the peer moved. Re-punch via
      // the servers while the streams keep retransmitting; nothing is dropped meanwhile.
      this.punch.restart(now, true);
      this.out.push({ kind: 'reintroduce' });
    }
    if (due.ping) this.ping(now);
  }

  nextTimeout(): number | undefined {
    if (this.state === 'closed') return undefined;
    const next = earliest(this.punch.nextTimeout(), this.link.nextTimeout());
    if (this.state !== 'connected') return next;
    return earliest(earliest(earliest(next, this.liveness.nextTimeout()), this.sender.nextTimeout()), this.checks.nextTimeout());
  }

  /**
   * Ends the conversation: unsent and unacknowledged messages fail, the peer is told if
   * `tellPeer`. An open conversation reports `disconnected` with `code`; one still opening
   * reports `connect_failed`, where a peer that left or went silent mid-handshake is
   * HANDSHAKE_FAILED, and QUIT reports nothing (the person who quit asked for it).
   */
  close(code: CloseCode, reason: string, now: number, tellPeer = false): void {
    if (this.state === 'closed') return;
    if (tellPeer && this.link.secure && this.path && this.remoteCid !== undefined) this.emitSend(this.path, { t: MsgType.Bye, cid: this.remoteCid }, now);
    const wasConnected = this.state === 'connected';
    this.state = 'closed';
    this.chat.close(reason);
    this.pump(now);
    if (wasConnected) this.out.push({ kind: 'disconnected', code: isDisconnectedCode(code) ? code : DisconnectedCode.PeerLost, reason });
    else if (code !== DisconnectedCode.Quit) this.out.push({ kind: 'connect_failed', code: isDisconnectedCode(code) ? ConnectFailedCode.HandshakeFailed : code, reason });
  }

  // ---- internals ----

  private sendHandshake(data: Uint8Array | undefined, now: number): void {
    if (data && this.path && this.remoteCid !== undefined) {
      this.emitSend(this.path, { t: MsgType.Handshake, cid: this.remoteCid, scid: this.localCid, data }, now);
    }
  }

  /** The peer answered our challenge: it receives on `path`. Move there (or confirm the path we have). */
  private pathValidated(path: Path, now: number): void {
    const current = this.isCurrent(path);
    // A relay never replaces a working direct path; direct always replaces a relay.
    if (!current && path.kind === 'relay' && this.path?.kind === 'direct' && !this.liveness.recovering) return;
    this.path = path;
    this.liveness.pathConfirmed();
    this.punch.won(path, now);
    if (!current) this.out.push({ kind: 'connected', path, changed: true });
  }

  private sendChallenges(now: number): void {
    if (this.remoteCid === undefined) return;
    for (const c of this.checks.due(now)) {
      if (this.maySend(c.path, PATH_FRAME_DATAGRAM_BYTES)) this.emitSend(c.path, { t: MsgType.PathChallenge, cid: this.remoteCid, data: c.data }, now);
      else this.drops.add('path-budget');
    }
  }

  private ping(now: number): void {
    if (this.path && this.remoteCid !== undefined) this.emitSend(this.path, { t: MsgType.Ping, cid: this.remoteCid }, now);
  }

  /** Every frame leaves sealed; only handshake messages go out as they are (they are Noise's own). */
  private emitSend(path: Path, msg: Frame | MessageOf<typeof MsgType.Handshake>, now: number): void {
    if (msg.t === MsgType.Handshake) {
      this.flushFrames();
      this.out.push({ kind: 'send', path, msg });
    } else {
      const sealed = this.packer.add(path, msg, this.remoteCid, now);
      if (sealed) this.out.push({ kind: 'send', ...sealed });
    }
    // Path frames go where the path is in question: their silence says nothing about ours.
    const wantsReply = msg.t !== MsgType.Pong && msg.t !== MsgType.Ack && msg.t !== MsgType.Bye && msg.t !== MsgType.PathChallenge && msg.t !== MsgType.PathResponse;
    this.liveness.sent(now, wantsReply);
  }

  private flushFrames(): void {
    const sealed = this.packer.seal(this.remoteCid);
    if (sealed) this.out.push({ kind: 'send', ...sealed });
  }

  /** Frames the streams may send now go to the packer; what the chat stream has to say, to the engine. */
  private pump(now: number): void {
    if (this.path && this.remoteCid !== undefined && this.link.secure) {
      for (let f = this.sender.pollTransmit(); f; f = this.sender.pollTransmit()) this.emitSend(this.path, toWire(f, this.remoteCid), now);
    }
    for (let o = this.chat.poll(); o; o = this.chat.poll()) {
      if (o.kind === 'undecodable') this.drops.add('chat-undecodable');
      this.out.push(o);
    }
  }
}

/** A stream's frame as it goes on the wire: the peer's cid, and the stream id unless it is chat. */
function toWire({ sid, frame }: StreamFrame, cid: number): Frame {
  return sid === CHAT_STREAM ? { ...frame, cid } : { ...frame, cid, sid };
}

const disconnectedCodes = new Set<string>(Object.values(DisconnectedCode));
const isDisconnectedCode = (code: CloseCode): code is DisconnectedCode => disconnectedCodes.has(code);

/** The earlier of two deadlines; undefined means none. */
function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined ? a : Math.min(a, b);
}
