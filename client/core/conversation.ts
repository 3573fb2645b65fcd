// One conversation with one peer, sans-IO: the punch attempt that opens it, the path it
// uses (direct or relayed), the reliability channel that carries chat over that path,
// keepalives, path recovery and loss of the peer. Datagrams are scoped by connection ids
// (each side picks its own, like WireGuard's receiver index), so a conversation survives
// a change of address on either side: that is what makes roaming and relay<->direct
// switches lose nothing.

import {
  KEEPALIVE_INTERVAL_MS,
  MAX_MESSAGE_BYTES,
  PATH_PROBE_INTERVAL_MS,
  PATH_STALE_AFTER_MS,
  PEER_SILENT_TIMEOUT_MS,
} from '../../src/constants.ts';
import type { Identity } from '../../src/crypto/identity.ts';
import { sameEndpoint } from '../../src/address.ts';
import { ReliableChannel } from '../../src/reliability/channel.ts';
import { MsgType, type Message, type MessageOf } from '../../src/wire.ts';
import { decodeChatPayload, encodeChatPayload } from './chat-payload.ts';
import { PunchScheduler, pathKey, type Path } from './punch.ts';
import { encode } from '../../src/codec.ts';
import { FRAME_LENGTH_BYTES, MAX_SEALED_PLAINTEXT_BYTES, SecureLink, type Frame } from './secure-link.ts';

export type ConversationState = 'connecting' | 'connected' | 'closed';

/** What a conversation asks the engine to do or tell. */
export type ConversationOutput =
  | { kind: 'send'; path: Path; msg: Message }
  | { kind: 'connected'; path: Path; changed: boolean }
  | { kind: 'connect_failed'; reason: string }
  | { kind: 'message'; msgId: string; text: string; sentAt: number }
  | { kind: 'delivered'; ref: unknown; msgId: string }
  | { kind: 'failed'; ref: unknown; msgId: string; reason: string }
  | { kind: 'disconnected'; reason: string }
  /** The handshake proved this identity key: the engine checks it (TOFU) and calls acceptIdentity or close. */
  | { kind: 'verify'; publicKey: Uint8Array }
  /** The path looks broken: ask the servers to introduce us again. */
  | { kind: 'reintroduce' };

interface Outgoing {
  text: string;
  ref: unknown;
}

export class Conversation {
  state: ConversationState = 'connecting';
  path: Path | undefined;
  remoteCid: number | undefined;
  readonly punch: PunchScheduler;
  readonly link: SecureLink;
  private readonly channel = new ReliableChannel();
  private readonly out: ConversationOutput[] = [];
  /** Messages accepted before the path exists; they go into the channel once connected. */
  private waiting: Outgoing[] = [];
  private readonly refs = new Map<number, unknown>();
  private lastRx: number;
  private lastTx: number;
  /** Since when we expect a reply that has not come (undefined: nothing outstanding). */
  private awaitingSince: number | undefined;
  private recovering = false;
  /** Encoded frames waiting to be sealed together, the path they go on, and when. */
  private frames: Uint8Array[] = [];
  private frameBytes = 0;
  private framesPath: Path | undefined;
  private sealNow = 0;

  constructor(
    public peerId: string | undefined,
    public peerName: string | undefined,
    readonly localCid: number,
    now: number,
    identity: Identity,
  ) {
    this.punch = new PunchScheduler(now);
    this.link = new SecureLink(identity, localCid);
    this.lastRx = now;
    this.lastTx = now;
  }

  pollOutput(): ConversationOutput | undefined {
    return this.out.shift();
  }

  hasFrames(): boolean {
    return this.frames.length > 0;
  }

  /**
   * Seals the frames gathered since the last call into one datagram. The engine calls it
   * only when the socket asks for output, so frames from everything that happened in one
   * round of I/O leave together, several to a datagram, as QUIC packs frames into packets.
   */
  takeSealed(): ConversationOutput | undefined {
    this.flushFrames();
    return this.out.shift();
  }

  /** Queues a chat message; returns false if it is too long to send. */
  send(text: string, ref: unknown, now: number): boolean {
    if (Buffer.byteLength(text) > MAX_MESSAGE_BYTES) return false;
    if (this.state === 'connected') this.sendNow({ text, ref }, now);
    else this.waiting.push({ text, ref });
    return true;
  }

  hasPending(): boolean {
    return this.waiting.length > 0 || this.channel.hasUnacked();
  }

  // ---- path establishment ----

  /** A probe answered on `path` for our current cid. */
  confirmPath(path: Path, remoteCid: number, now: number): void {
    this.remoteCid = remoteCid;
    this.touch(now);
    const changed = this.path !== undefined && pathKey(this.path) !== pathKey(path);
    // A relay never replaces a working direct path; direct always replaces a relay.
    if (this.path && this.state === 'connected' && path.kind === 'relay' && this.path.kind === 'direct' && !this.recovering) return;
    if (this.state === 'connected' && !changed && !this.recovering) return;
    this.path = path;
    this.recovering = false;
    this.punch.won(path, now);
    if (this.state === 'connected') {
      if (changed) this.out.push({ kind: 'connected', path, changed });
      return;
    }
    // A path exists: secure it. The lower id sends the first handshake message.
    if (this.peerId !== undefined) this.sendHandshake(this.link.begin(this.peerId, now), now);
  }

  /** The engine accepted the peer's proven key: the conversation is open. */
  acceptIdentity(now: number): void {
    if (this.state !== 'connecting' || !this.path) return;
    this.state = 'connected';
    this.out.push({ kind: 'connected', path: this.path, changed: false });
    for (const m of this.waiting.splice(0)) this.sendNow(m, now);
  }

  receiveHandshake(msg: MessageOf<typeof MsgType.Handshake>, via: Path, now: number): void {
    if (this.state === 'closed') return;
    this.path ??= via; // the initiator reached us on this path before our own probe was answered
    this.remoteCid = msg.scid;
    const step = this.link.receiveHandshake(msg.data, this.peerId, now);
    if (!step) return;
    this.touch(now);
    if (step.reply) this.emitSend(via, { t: MsgType.Handshake, cid: msg.scid, scid: this.localCid, data: step.reply }, now);
    if (step.done) this.out.push({ kind: 'verify', publicKey: step.done.remoteIdentityPk });
  }

  /** An encrypted frame for this conversation; forged, replayed or foreign ones are dropped and counted. */
  receiveSealed(msg: MessageOf<typeof MsgType.Sealed>, via: Path, now: number): void {
    if (this.state === 'closed') return;
    const frames = this.link.open(msg, now);
    if (!frames) return;
    if (via.kind === 'direct' && this.path?.kind === 'direct' && !sameEndpoint(this.path.addr, via.addr)) {
      // Authentic, from a new address: the peer's NAT mapping changed. Probe it; its ack moves the path.
      this.punch.addDirect('peer-reflexive', via.addr);
    }
    for (const frame of frames) if ((this.state as ConversationState) !== 'closed') this.receive(frame, via, now);
  }

  /** Probes the schedule says are due, as Punch messages; the engine fills in ids and names. */
  duePunches(now: number): Path[] {
    return this.state === 'closed' ? [] : this.punch.due(now);
  }

  // ---- datagrams from the peer (already matched to this conversation by cid) ----

  private receive(msg: Frame, via: Path, now: number): void {
    this.touch(now);
    switch (msg.t) {
      case MsgType.Data:
        this.channel.receive({ t: MsgType.Data, seq: msg.seq, more: msg.more, body: msg.body }, now);
        break;
      case MsgType.Ack:
        this.channel.receive({ t: MsgType.Ack, cum: msg.cum, sack: msg.sack }, now);
        break;
      case MsgType.Ping:
        this.emitSend(via, { t: MsgType.Pong, cid: this.remoteCid ?? 0 }, now);
        break;
      case MsgType.Bye:
        this.close('peer left', now);
        return;
      case MsgType.Pong:
        break;
    }
    this.drainChannel(now);
  }

  // ---- timers ----

  handleTimeout(now: number): void {
    if (this.state === 'closed') return;
    if (this.state === 'connecting') {
      if (this.link.timedOut(now)) return this.close('handshake failed: the peer did not complete the encrypted handshake', now);
      if (this.punch.expired(now)) return this.close('no path: punching timed out after 10 s (no candidate or relay answered)', now);
      const again = this.path && this.link.retransmit(now);
      if (again) this.sendHandshake(again, now);
      return;
    }
    if (now - this.lastRx >= PEER_SILENT_TIMEOUT_MS) {
      this.close(`peer lost: silent for ${Math.round((now - this.lastRx) / 1000)} s`, now);
      return;
    }
    this.channel.handleTimeout(now);
    this.drainChannel(now);
    if (this.awaitingSince !== undefined) {
      if (!this.recovering && now - this.awaitingSince >= PATH_STALE_AFTER_MS) {
        // No reply for a while: the NAT mapping may be gone or the peer moved. Re-punch via
        // the servers while the channel keeps retransmitting; nothing is dropped meanwhile.
        this.recovering = true;
        this.punch.restart(now, true);
        this.out.push({ kind: 'reintroduce' });
      }
      if (now - this.lastTx >= PATH_PROBE_INTERVAL_MS) this.ping(now);
    } else if (now - this.lastTx >= KEEPALIVE_INTERVAL_MS) {
      this.ping(now);
    }
  }

  nextTimeout(): number | undefined {
    if (this.state === 'closed') return undefined;
    let next = Math.min(this.punch.nextTimeout(), this.link.nextTimeout());
    if (this.state === 'connected') {
      next = Math.min(next, this.lastRx + PEER_SILENT_TIMEOUT_MS);
      const ch = this.channel.nextTimeout();
      if (ch !== undefined) next = Math.min(next, ch);
      if (this.awaitingSince !== undefined) {
        next = Math.min(next, this.lastTx + PATH_PROBE_INTERVAL_MS);
        if (!this.recovering) next = Math.min(next, this.awaitingSince + PATH_STALE_AFTER_MS);
      } else {
        next = Math.min(next, this.lastTx + KEEPALIVE_INTERVAL_MS);
      }
    }
    return next;
  }

  /** Ends the conversation: unsent and unacknowledged messages fail, the peer is told. */
  close(reason: string, now: number, tellPeer = false): void {
    if (this.state === 'closed') return;
    if (tellPeer && this.link.secure && this.path && this.remoteCid !== undefined) this.emitSend(this.path, { t: MsgType.Bye, cid: this.remoteCid }, now);
    const wasConnected = this.state === 'connected';
    this.state = 'closed';
    for (const m of this.waiting.splice(0)) this.out.push({ kind: 'failed', ref: m.ref, msgId: '', reason });
    this.channel.failAll(reason);
    this.drainChannel(now);
    this.out.push(wasConnected ? { kind: 'disconnected', reason } : { kind: 'connect_failed', reason });
  }

  // ---- internals ----

  private sendHandshake(data: Uint8Array | undefined, now: number): void {
    if (data && this.path && this.remoteCid !== undefined) {
      this.emitSend(this.path, { t: MsgType.Handshake, cid: this.remoteCid, scid: this.localCid, data }, now);
    }
  }

  private sendNow(m: Outgoing, now: number): void {
    const msgId = this.channel.send(encodeChatPayload(m.text, Date.now()), now);
    this.refs.set(msgId, m.ref);
    this.drainChannel(now);
  }

  private ping(now: number): void {
    if (this.path && this.remoteCid !== undefined) this.emitSend(this.path, { t: MsgType.Ping, cid: this.remoteCid }, now);
  }

  private touch(now: number): void {
    this.lastRx = now;
    this.awaitingSince = undefined;
  }

  /** Every frame leaves sealed; only handshake messages go out as they are (they are Noise's own). */
  private emitSend(path: Path, msg: Frame | MessageOf<typeof MsgType.Handshake>, now: number): void {
    if (msg.t === MsgType.Handshake) {
      this.flushFrames();
      this.out.push({ kind: 'send', path, msg });
    } else {
      if (this.framesPath && pathKey(this.framesPath) !== pathKey(path)) this.flushFrames();
      const encoded = encode(msg);
      if (this.frameBytes + encoded.length + FRAME_LENGTH_BYTES > MAX_SEALED_PLAINTEXT_BYTES) this.flushFrames();
      this.framesPath = path;
      this.frames.push(encoded);
      this.frameBytes += encoded.length + FRAME_LENGTH_BYTES;
      this.sealNow = now;
    }
    this.lastTx = now;
    // Every datagram we send but a pong asks for an answer; its absence is what reveals a dead path.
    if (msg.t !== MsgType.Pong && msg.t !== MsgType.Ack && msg.t !== MsgType.Bye) this.awaitingSince ??= now;
  }

  /** Seals the frames gathered so far into one datagram. */
  private flushFrames(): void {
    if (this.frames.length === 0 || !this.framesPath || this.remoteCid === undefined) return;
    this.out.push({ kind: 'send', path: this.framesPath, msg: this.link.seal(this.frames, this.remoteCid, this.sealNow) });
    this.frames = [];
    this.frameBytes = 0;
  }

  private drainChannel(now: number): void {
    if (this.path && this.remoteCid !== undefined && this.link.secure) {
      for (let f = this.channel.pollTransmit(); f; f = this.channel.pollTransmit()) {
        this.emitSend(this.path, { ...f, cid: this.remoteCid }, now);
      }
    }
    const peerTag = (this.remoteCid ?? 0).toString(16);
    const ownTag = this.localCid.toString(16);
    for (let ev = this.channel.pollEvent(); ev; ev = this.channel.pollEvent()) {
      if (ev.type === 'deliver') {
        const payload = decodeChatPayload(ev.body);
        if (payload) this.out.push({ kind: 'message', msgId: `${peerTag}-${ev.msgId}`, text: payload.text, sentAt: payload.sentAt });
      } else {
        const ref = this.refs.get(ev.msgId);
        this.refs.delete(ev.msgId);
        const msgId = `${ownTag}-${ev.msgId}`;
        if (ev.type === 'acked') this.out.push({ kind: 'delivered', ref, msgId });
        else this.out.push({ kind: 'failed', ref, msgId, reason: ev.reason });
      }
    }
  }
}
