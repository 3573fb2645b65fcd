// A sans-IO Noise handshake between two identities, over noise-handshake
// (Noise_{IK,XX}_25519_ChaChaPoly_BLAKE2b). No socket, no timer: the session feeds bytes in
// and sends what comes out, and retransmits its last message itself.
//
// Roles: both peers punch at once, so a fixed rule picks the initiator (isInitiator: the
// lower peer id). Patterns: XX, which natter's conversations use today (client/core/
// secure-link.ts asks for it: neither side needs the other's key in advance), and IK, for an
// initiator that already knows the responder's identity key — one round trip less and the
// initiator's identity hidden from passive observers — which nothing uses yet (signed keys in
// the peer list would allow it). The responder learns the pattern from the first byte of each
// message, so it never needs to guess what the initiator knew.
//
// Identity binding: Noise static keys are the X25519 forms of the Ed25519 identity keys
// (see identity.ts). Whoever sends their static key also sends their Ed25519 public key as
// the encrypted handshake payload; the receiver checks it converts to the static key Noise
// authenticated. So `done.remoteIdentityPk` is proven, and peerIdOf() of it is the peer id.
//
// Message: [kind byte][noise message]. Sizes: IK 1 = 129, IK 2 = 49, XX 1 = 33, XX 2 = 129, XX 3 = 97.

import { MAX_HANDSHAKE_MESSAGE_BYTES } from '../constants.ts';
import { bytesEqual } from './bytes.ts';
import { PUBLIC_KEY_BYTES, noisePublicKeyOf, type Identity } from './identity.ts';
import { NoiseHandshake, type NoiseState } from './native.ts';

export type HandshakePattern = 'IK' | 'XX';

export interface HandshakeOptions {
  initiator: boolean;
  localIdentity: Identity;
  /**
   * The Ed25519 identity key we expect the peer to prove. Required for an IK initiator;
   * otherwise, when given, a handshake that proves any other key fails.
   */
  remoteIdentityPk?: Uint8Array;
  /** Initiator: defaults to IK when remoteIdentityPk is known, else XX. Responder: accept only this pattern (default: either). */
  pattern?: HandshakePattern;
  /** Bound into the handshake hash; both sides must pass the same bytes. */
  prologue?: Uint8Array;
}

export interface HandshakeDone {
  pattern: HandshakePattern;
  /** Our sending key and receiving key (32 bytes each): feed to TransportCipher. */
  tx: Uint8Array;
  rx: Uint8Array;
  /** The peer's proven Ed25519 identity key. */
  remoteIdentityPk: Uint8Array;
  /** The peer's X25519 Noise static key. */
  remoteStatic: Uint8Array;
  /** Noise handshake hash h (64 bytes): unique per session, for channel binding. */
  handshakeHash: Uint8Array;
}

export interface HandshakeStep {
  reply?: Uint8Array;
  done?: HandshakeDone;
}

const DEFAULT_PROLOGUE = new TextEncoder().encode('natter-noise-v1');
/** Message kinds: pattern in the high nibble, message number in the low one. */
const KIND = { IK: 0x10, XX: 0x20 } as const;

/** The fixed rule that picks who initiates when both sides start at once. */
export const isInitiator = (localId: string, remoteId: string): boolean => localId < remoteId;


/** noise-handshake fields a failed recv() mutates; saved so a forged datagram cannot kill a handshake. */
interface NoiseInternals {
  digest: Uint8Array;
  chainingKey: Uint8Array | null;
  key: Uint8Array | null;
  nonce: number;
  handshake: unknown[];
  re: Uint8Array | null;
  rs: Uint8Array | null;
}

export class HandshakeState {
  readonly initiator: boolean;
  readonly #local: Identity;
  readonly #expected: Uint8Array | undefined;
  readonly #prologue: Uint8Array;
  #pattern: HandshakePattern | undefined;
  #noise: NoiseState | undefined;
  #failed = false;
  #first: Uint8Array | undefined;
  #lastIn: Uint8Array | undefined;
  #lastReply: Uint8Array | undefined;
  #done: HandshakeDone | undefined;

  constructor(options: HandshakeOptions) {
    this.initiator = options.initiator;
    this.#local = options.localIdentity;
    this.#expected = options.remoteIdentityPk && Uint8Array.from(options.remoteIdentityPk);
    this.#prologue = options.prologue ?? DEFAULT_PROLOGUE;
    this.#pattern = options.pattern ?? (this.initiator ? (this.#expected ? 'IK' : 'XX') : undefined);
    // An IK initiator needs a usable responder key; a peer list is untrusted, so no throw.
    if (this.initiator && this.#pattern === 'IK' && !(this.#expected && noisePublicKeyOf(this.#expected))) this.#failed = true;
  }

  /** True when this state can make no progress (IK without a valid remote key). */
  get failed(): boolean {
    return this.#failed;
  }

  get pattern(): HandshakePattern | undefined {
    return this.#pattern;
  }

  get done(): HandshakeDone | undefined {
    return this.#done;
  }

  /** The initiator's first message (the same bytes on every call, for retransmission); undefined for a responder. */
  start(): Uint8Array | undefined {
    if (!this.initiator || this.#failed) return undefined;
    if (this.#first) return this.#first;
    const pattern = this.#pattern ?? 'XX';
    const noise = new NoiseHandshake(pattern, true, this.#local.noiseKeyPair());
    const rs = pattern === 'IK' && this.#expected ? noisePublicKeyOf(this.#expected) : undefined;
    noise.initialise(this.#prologue, rs);
    // IK sends our static now, so our identity key rides along; XX's first message is cleartext.
    const body = noise.send(pattern === 'IK' ? this.#local.publicKey : new Uint8Array(0));
    this.#noise = noise;
    this.#first = frame(KIND[pattern] | 1, body);
    return this.#first;
  }

  /**
   * Feeds one handshake message. undefined: not acceptable (malformed, forged, wrong key,
   * unexpected); the state is unchanged, so a later genuine message still works. A repeat
   * of the last message gets the same reply again (our reply was lost).
   */
  receive(message: Uint8Array): HandshakeStep | undefined {
    if (this.#failed || !(message instanceof Uint8Array) || message.length < 2 || message.length > MAX_HANDSHAKE_MESSAGE_BYTES) return undefined;
    if (this.#lastIn && Buffer.from(message).equals(this.#lastIn)) return this.#lastReply ? { reply: this.#lastReply } : {};
    if (this.#done) return undefined;
    const kind = message[0] ?? 0;
    const pattern: HandshakePattern | undefined = kind >> 4 === KIND.IK >> 4 ? 'IK' : kind >> 4 === KIND.XX >> 4 ? 'XX' : undefined;
    const number = kind & 0x0f;
    if (!pattern || !this.#expects(pattern, number)) return undefined;

    // Kept before Noise reads it: noise-handshake wipes the buffers it is given, and a copy
    // taken afterwards would be zeros, so a repeated message would no longer be recognised
    // (and our lost reply never resent).
    const received = Uint8Array.from(message);
    const fresh = !this.#noise; // a responder's first message: a fresh Noise state per attempt
    const noise = this.#noise ?? new NoiseHandshake(pattern, false, this.#local.noiseKeyPair());
    const saved = fresh ? undefined : snapshot(noise);
    try {
      if (fresh) noise.initialise(this.#prologue);
      const step = this.#advance(noise, pattern, number, noise.recv(Uint8Array.from(message.subarray(1))));
      if (step) {
        this.#noise = noise;
        this.#pattern = pattern;
        this.#lastIn = received;
        this.#lastReply = step.reply;
        return step;
      }
    } catch {
      // noise-handshake throws on short input and failed decryption: both are just bad bytes
    }
    // Noise finished but the identity was wrong (XX 3): an authenticated impostor, not a
    // forged datagram. noise-handshake has wiped its state, so this handshake is over.
    if (noise.complete) this.#failed = true;
    else if (saved) restore(noise, saved);
    return undefined;
  }

  #expects(pattern: HandshakePattern, number: number): boolean {
    if (this.#pattern && pattern !== this.#pattern) return false;
    if (this.initiator) return this.#noise !== undefined && number === 2;
    return this.#noise === undefined ? number === 1 : pattern === 'XX' && number === 3;
  }

  /** After Noise accepted message `number`: check identities, reply, finish. */
  #advance(noise: NoiseState, pattern: HandshakePattern, number: number, payload: Uint8Array): HandshakeStep | undefined {
    const carriesIdentity = (pattern === 'IK' && number === 1) || (pattern === 'XX' && number >= 2);
    let remote = this.#expected;
    if (carriesIdentity) {
      remote = this.#checkIdentity(noise, payload);
      if (!remote) return undefined;
    }
    let reply: Uint8Array | undefined;
    if (!noise.complete) {
      // IK 2 proves nothing new; XX 2 and XX 3 carry the sender's identity key
      const body = noise.send(pattern === 'XX' ? this.#local.publicKey : new Uint8Array(0));
      reply = frame(KIND[pattern] | (number + 1), body);
    }
    if (!noise.complete) return { reply };
    if (!remote || !noise.tx || !noise.rx || !noise.hash || !noise.rs) return undefined;
    this.#done = {
      pattern,
      tx: Uint8Array.from(noise.tx),
      rx: Uint8Array.from(noise.rx),
      remoteIdentityPk: Uint8Array.from(remote),
      remoteStatic: Uint8Array.from(noise.rs),
      handshakeHash: Uint8Array.from(noise.hash),
    };
    return reply ? { reply, done: this.#done } : { done: this.#done };
  }

  /** The payload must be an Ed25519 key that maps to the static key Noise just authenticated. */
  #checkIdentity(noise: NoiseState, payload: Uint8Array): Uint8Array | undefined {
    if (payload.length !== PUBLIC_KEY_BYTES || !noise.rs) return undefined;
    const converted = noisePublicKeyOf(payload);
    if (!converted || !bytesEqual(converted, noise.rs)) return undefined;
    if (this.#expected && !bytesEqual(payload, this.#expected)) return undefined;
    if (bytesEqual(payload, this.#local.publicKey)) return undefined; // our own messages reflected back
    return Uint8Array.from(payload);
  }
}

function frame(kind: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + body.length);
  out[0] = kind;
  out.set(body, 1);
  return out;
}

function snapshot(noise: NoiseState): NoiseInternals {
  const n = noise as unknown as NoiseInternals;
  return { digest: Uint8Array.from(n.digest), chainingKey: n.chainingKey, key: n.key, nonce: n.nonce, handshake: n.handshake.slice(), re: n.re, rs: n.rs };
}

function restore(noise: NoiseState, saved: NoiseInternals): void {
  const n = noise as unknown as NoiseInternals;
  n.digest.set(saved.digest); // mutated in place by mixHash
  n.chainingKey = saved.chainingKey;
  n.key = saved.key;
  n.nonce = saved.nonce;
  n.handshake = saved.handshake;
  n.re = saved.re;
  n.rs = saved.rs;
}
