// The session's security layer, sans-IO: the Noise handshake that opens a conversation
// (XX, so neither side needs the other's key in advance; the lower peer id initiates,
// since both sides punch at once) and, after it, the transport cipher that seals every
// frame with an explicit counter and a replay window. It sits between the reliability
// channel and the path: the channel never sees ciphertext, the wire never sees plaintext.

import { decode, DropCounter } from '../../src/codec.ts';
import { HANDSHAKE_MAX_RETRY_MS, HANDSHAKE_RETRY_MS, HANDSHAKE_TIMEOUT_MS } from '../../src/constants.ts';
import { HandshakeState, isInitiator, type HandshakeDone } from '../../src/crypto/handshake.ts';
import { peerIdOf, type Identity } from '../../src/crypto/identity.ts';
import { TransportCipher } from '../../src/crypto/transport-cipher.ts';
import { MsgType, type Message, type MessageOf } from '../../src/wire.ts';

/**
 * Plaintext budget of one sealed datagram: 1200 minus the Sealed envelope (~30 bytes), the
 * AEAD tag (16) and a relay wrapper (~60), with room to spare. One fragment (≤ 1000 bytes of
 * chat) always fits alone.
 */
export const MAX_SEALED_PLAINTEXT_BYTES = 1_080;
/** Each frame in a sealed datagram is preceded by its length (2 bytes, big-endian). */
export const FRAME_LENGTH_BYTES = 2;

export type Frame = MessageOf<typeof MsgType.Data | typeof MsgType.Ack | typeof MsgType.Ping | typeof MsgType.Pong | typeof MsgType.Bye | typeof MsgType.PathChallenge | typeof MsgType.PathResponse>;
const FRAME_TYPES = new Set<number>([MsgType.Data, MsgType.Ack, MsgType.Ping, MsgType.Pong, MsgType.Bye, MsgType.PathChallenge, MsgType.PathResponse]);

/** The receiver's cid as associated data: a sealed frame cannot be replayed into another conversation. */
function cidBytes(cid: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, cid);
  return b;
}

export interface SecureLinkOptions {
  /** Move the transport keys to a new generation this often (default REKEY_AFTER_MS). */
  rekeyAfterMs?: number;
}

export class SecureLink {
  readonly drops = new DropCounter();
  private handshake: HandshakeState | undefined;
  private cipher: TransportCipher | undefined;
  /** Our last handshake message, resent until the handshake completes. */
  private lastOut: Uint8Array | undefined;
  private retryAt = Infinity;
  private retryMs = HANDSHAKE_RETRY_MS;
  private startedAt: number | undefined;
  private readonly localAd: Uint8Array;
  /** The peer's cid as associated data, kept: it is the same for every datagram of a conversation. */
  private remoteAd: Uint8Array = new Uint8Array(4);
  private remoteAdCid = -1;
  remoteIdentityPk: Uint8Array | undefined;

  constructor(
    private readonly identity: Identity,
    readonly localCid: number,
    private readonly options: SecureLinkOptions = {},
  ) {
    this.localAd = cidBytes(localCid);
  }

  get secure(): boolean {
    return this.cipher !== undefined;
  }

  get handshaking(): boolean {
    return this.startedAt !== undefined && !this.cipher;
  }

  /** Starts the handshake if we are the initiator; returns the first message to send. */
  begin(peerId: string, now: number): Uint8Array | undefined {
    if (this.handshake || this.cipher) return undefined;
    this.startedAt = now;
    if (!isInitiator(this.identity.id, peerId)) return undefined;
    this.handshake = new HandshakeState({ initiator: true, localIdentity: this.identity, pattern: 'XX' });
    return this.remember(this.handshake.start(), now);
  }

  /**
   * Feeds a handshake message. Returns a reply to send (if any), and the completed
   * handshake once it is done. undefined: dropped (forged, malformed, unexpected).
   */
  receiveHandshake(data: Uint8Array, peerId: string | undefined, now: number): { reply?: Uint8Array; done?: HandshakeDone } | undefined {
    if (this.cipher) {
      // Our last message was lost: the peer repeats its own; answer it again.
      const step = this.handshake?.receive(data);
      return step?.reply ? { reply: step.reply } : undefined;
    }
    if (!this.handshake) {
      if (peerId !== undefined && isInitiator(this.identity.id, peerId)) return this.drop('handshake-role');
      this.handshake = new HandshakeState({ initiator: false, localIdentity: this.identity });
      this.startedAt ??= now;
    }
    const step = this.handshake.receive(data);
    if (!step) return this.drop('handshake-rejected');
    if (step.reply) this.remember(step.reply, now);
    if (step.done) {
      this.retryAt = Infinity;
      if (peerId !== undefined && peerIdOf(step.done.remoteIdentityPk) !== peerId) return this.drop('handshake-identity-mismatch');
      this.remoteIdentityPk = step.done.remoteIdentityPk;
      const rekey = this.options.rekeyAfterMs === undefined ? undefined : { afterMs: this.options.rekeyAfterMs };
      this.cipher = new TransportCipher({ tx: step.done.tx, rx: step.done.rx, now, rekey });
    }
    return step;
  }

  /** The handshake message to resend now, if one is due. */
  retransmit(now: number): Uint8Array | undefined {
    if (this.cipher || !this.lastOut || now < this.retryAt) return undefined;
    this.retryMs = Math.min(this.retryMs * 2, HANDSHAKE_MAX_RETRY_MS);
    this.retryAt = now + this.retryMs;
    return this.lastOut;
  }

  timedOut(now: number): boolean {
    return this.handshaking && now - (this.startedAt as number) >= HANDSHAKE_TIMEOUT_MS;
  }

  /** The next handshake retransmission or the give-up time; undefined once secure (or not started). */
  nextTimeout(): number | undefined {
    if (!this.handshaking) return undefined;
    return Math.min(this.retryAt, (this.startedAt as number) + HANDSHAKE_TIMEOUT_MS);
  }

  /** Seals encoded frames (gathered by frame-packer.ts) into one datagram for the peer. */
  seal(frames: Uint8Array[], remoteCid: number, now: number): Message {
    const cipher = this.cipher as TransportCipher;
    if (remoteCid !== this.remoteAdCid) {
      this.remoteAd = cidBytes(remoteCid);
      this.remoteAdCid = remoteCid;
    }
    let size = 0;
    for (const f of frames) size += FRAME_LENGTH_BYTES + f.length;
    const plain = Buffer.allocUnsafe(size);
    let at = 0;
    for (const f of frames) {
      plain.writeUInt16BE(f.length, at);
      plain.set(f, at + FRAME_LENGTH_BYTES);
      at += FRAME_LENGTH_BYTES + f.length;
    }
    const s = cipher.seal(plain, now, this.remoteAd);
    return { t: MsgType.Sealed, cid: remoteCid, g: s.generation, n: s.counter, ct: s.ciphertext };
  }

  /**
   * Opens a sealed datagram into its frames; undefined (and counted) if it is forged,
   * replayed, foreign, or holds anything but well-formed frames for this conversation.
   */
  open(msg: MessageOf<typeof MsgType.Sealed>, now: number): Frame[] | undefined {
    if (!this.cipher) return this.drop('sealed-before-handshake');
    const plain = this.cipher.open({ generation: msg.g, counter: msg.n, ciphertext: msg.ct }, now, this.localAd);
    if (!plain) return undefined; // counted by reason in cipher.drops
    const frames: Frame[] = [];
    const view = Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength);
    for (let at = 0; at < view.length; ) {
      if (at + FRAME_LENGTH_BYTES > view.length) return this.drop('sealed-bad-framing');
      const length = view.readUInt16BE(at);
      at += FRAME_LENGTH_BYTES;
      if (length === 0 || at + length > view.length) return this.drop('sealed-bad-framing');
      const inner = decode(view.subarray(at, at + length));
      at += length;
      if (!inner.ok || !FRAME_TYPES.has(inner.msg.t)) return this.drop('sealed-not-a-frame');
      const frame = inner.msg as Frame;
      if (frame.cid !== this.localCid) return this.drop('sealed-wrong-cid');
      frames.push(frame);
    }
    return frames.length ? frames : this.drop('sealed-empty');
  }

  cipherDrops(): Record<string, number> {
    return { ...this.drops.toJSON(), ...(this.cipher?.drops.toJSON() ?? {}) };
  }

  private remember(msg: Uint8Array | undefined, now: number): Uint8Array | undefined {
    if (!msg) return undefined;
    this.lastOut = msg;
    this.retryMs = HANDSHAKE_RETRY_MS;
    this.retryAt = now + this.retryMs;
    return msg;
  }

  private drop(reason: string): undefined {
    this.drops.add(reason);
    return undefined;
  }
}
