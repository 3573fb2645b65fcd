// Encryption of peer-to-peer datagrams after the handshake: ChaCha20-Poly1305 (IETF, via
// libsodium) with an explicit counter carried in each datagram, as WireGuard does. Noise's
// own CipherState keeps an implicit counter, which desynchronises on the first lost or
// reordered UDP datagram; an explicit counter plus a replay window tolerates both.
//
// Nonce: 4 zero bytes || counter as 64-bit little endian (RFC 8439 layout, as WireGuard).
// A counter is never reused under one key: it only grows, and the key changes (rekey.ts)
// long before it could wrap. open() never throws: every refusal is counted by reason in
// `drops` and returns undefined.

import { MAX_DATAGRAM_BYTES, MAX_GENERATION_SKIP, PREVIOUS_GENERATION_TTL_MS } from '../constants.ts';
import { DropCounter } from '../codec.ts';
import { isBytes } from './bytes.ts';
import { sodium } from './native.ts';
import { KEY_BYTES, DEFAULT_REKEY_POLICY, nextGenerationKey, ratchet, shouldRekey, type RekeyPolicy } from './rekey.ts';
import { ReplayWindow } from './replay-window.ts';

export const TAG_BYTES = 16;

/** What goes on the wire for one encrypted datagram (the caller frames it). */
export interface Sealed {
  /** Key generation of the sender's direction: small, grows by one per rekey. */
  generation: number;
  /** Per-generation packet counter; the AEAD nonce. */
  counter: number;
  /** Encrypted payload followed by the 16-byte Poly1305 tag. */
  ciphertext: Uint8Array;
}

export type OpenDropReason = 'malformed' | 'bad-generation' | 'replay' | 'too-old' | 'auth';

export interface TransportCipherOptions {
  /** Our sending key and receiving key from the handshake (HandshakeDone.tx / .rx). */
  tx: Uint8Array;
  rx: Uint8Array;
  /** When the session began; starts the clock of the first generation. */
  now?: number;
  rekey?: Partial<RekeyPolicy>;
  /** How long the previous receive generation stays usable after a switch. */
  previousGenerationTtlMs?: number;
}

interface RxGeneration {
  generation: number;
  key: Uint8Array;
  window: ReplayWindow;
  /** When this generation stops being accepted (previous generation only). */
  expiresAt?: number;
}

export class TransportCipher {
  readonly drops = new DropCounter();
  readonly #policy: RekeyPolicy;
  readonly #previousTtlMs: number;
  readonly #nonce = new Uint8Array(12); // reused: open/seal are synchronous
  readonly #nonceView = new DataView(this.#nonce.buffer);
  #txKey: Uint8Array;
  #txGeneration = 0;
  #txCounter = 0;
  #txStartedAt: number | undefined;
  #rx: RxGeneration;
  #previous: RxGeneration | undefined;
  #destroyed = false;

  constructor(options: TransportCipherOptions) {
    if (!isBytes(options.tx, KEY_BYTES) || !isBytes(options.rx, KEY_BYTES)) throw new RangeError('transport keys must be 32 bytes');
    this.#policy = { ...DEFAULT_REKEY_POLICY, ...options.rekey };
    this.#previousTtlMs = options.previousGenerationTtlMs ?? PREVIOUS_GENERATION_TTL_MS;
    this.#txKey = Uint8Array.from(options.tx);
    this.#txStartedAt = options.now;
    this.#rx = { generation: 0, key: Uint8Array.from(options.rx), window: new ReplayWindow() };
  }

  get txGeneration(): number {
    return this.#txGeneration;
  }

  get rxGeneration(): number {
    return this.#rx.generation;
  }

  /** Encrypts one datagram; `ad` (e.g. the receiver's connection id) is authenticated, not sent. */
  seal(plaintext: Uint8Array, now?: number, ad?: Uint8Array): Sealed {
    if (this.#destroyed) throw new Error('TransportCipher used after destroy()'); // a programming error, not input
    if (shouldRekey(this.#policy, this.#txCounter, this.#txStartedAt, now)) {
      const next = nextGenerationKey(this.#txKey);
      sodium.sodium_memzero(this.#txKey);
      this.#txKey = next;
      this.#txGeneration++;
      this.#txCounter = 0;
      this.#txStartedAt = now;
    } else if (this.#txStartedAt === undefined) {
      this.#txStartedAt = now;
    }
    const counter = this.#txCounter++;
    const ciphertext = new Uint8Array(plaintext.length + TAG_BYTES);
    sodium.crypto_aead_chacha20poly1305_ietf_encrypt(ciphertext, plaintext, ad ?? null, null, this.#setNonce(counter), this.#txKey);
    return { generation: this.#txGeneration, counter, ciphertext };
  }

  /** Decrypts one datagram, or undefined (tampered, replayed, too old, unknown generation, foreign key). */
  open(sealed: Sealed, now?: number, ad?: Uint8Array): Uint8Array | undefined {
    const { generation, counter, ciphertext } = sealed ?? {};
    if (
      this.#destroyed ||
      !Number.isSafeInteger(generation) || generation < 0 || !Number.isSafeInteger(counter) || counter < 0 ||
      !(ciphertext instanceof Uint8Array) || ciphertext.length < TAG_BYTES || ciphertext.length > MAX_DATAGRAM_BYTES
    ) return this.#drop('malformed');

    if (this.#previous?.expiresAt !== undefined && now !== undefined && now >= this.#previous.expiresAt) this.#forgetPrevious();
    let slot: RxGeneration | undefined;
    let candidate = false;
    if (generation === this.#rx.generation) slot = this.#rx;
    else if (generation === this.#previous?.generation) slot = this.#previous;
    else if (generation > this.#rx.generation && generation - this.#rx.generation <= MAX_GENERATION_SKIP) {
      // Derived but not adopted until a datagram authenticates under it: a forged
      // generation number must not make us throw away the current key.
      slot = { generation, key: ratchet(this.#rx.key, generation - this.#rx.generation), window: new ReplayWindow() };
      candidate = true;
    }
    if (!slot) return this.#drop('bad-generation');

    const verdict = slot.window.check(counter);
    if (verdict === 'replay' || verdict === 'too-old') return this.#drop(verdict);
    if (verdict !== 'ok') return this.#drop('malformed');

    const plaintext = new Uint8Array(ciphertext.length - TAG_BYTES);
    try {
      sodium.crypto_aead_chacha20poly1305_ietf_decrypt(plaintext, null, ciphertext, ad ?? null, this.#setNonce(counter), slot.key);
    } catch {
      if (candidate) sodium.sodium_memzero(slot.key);
      return this.#drop('auth');
    }
    slot.window.commit(counter);
    if (candidate) this.#adopt(slot, now);
    return plaintext;
  }

  /** The peer moved on: the current generation becomes the previous one, briefly. */
  #adopt(next: RxGeneration, now: number | undefined): void {
    this.#forgetPrevious();
    this.#previous = this.#rx;
    this.#previous.expiresAt = now === undefined ? undefined : now + this.#previousTtlMs;
    this.#rx = next;
  }

  #forgetPrevious(): void {
    if (this.#previous) sodium.sodium_memzero(this.#previous.key);
    this.#previous = undefined;
  }

  #setNonce(counter: number): Uint8Array {
    // 64-bit little endian without BigInt: low and high 32-bit halves.
    this.#nonceView.setUint32(4, counter >>> 0, true);
    this.#nonceView.setUint32(8, Math.floor(counter / 0x1_0000_0000), true);
    return this.#nonce;
  }

  #drop(reason: OpenDropReason): undefined {
    this.drops.add(reason);
    return undefined;
  }

  /** Erases all keys; the cipher refuses everything afterwards. */
  destroy(): void {
    this.#destroyed = true;
    sodium.sodium_memzero(this.#txKey);
    sodium.sodium_memzero(this.#rx.key);
    this.#forgetPrevious();
  }
}
