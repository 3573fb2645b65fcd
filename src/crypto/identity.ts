// A person's long-term identity: one Ed25519 key pair.
//
// Why one key and not two: Ed25519 signs registrations with discovery servers, and the
// same key, converted to X25519 (libsodium's ed25519 -> curve25519 maps, the birational
// map Edwards -> Montgomery), is the Noise static key. So the handshake authenticates the
// very key the peer id is derived from, and nothing extra needs signing or storing.
// Using one secret for signatures and DH is safe for this pair of schemes (Thormarker
// 2021, "On using the same key pair for Ed25519 and an X25519 based KEM"; libsodium and
// Signal's XEdDSA do the same in reverse).
//
// Peer id: the first 32 hex characters (128 bits) of SHA-256(ed25519 public key).
// Fingerprint: the first 16 of those, in four groups of four, so a person who compares
// fingerprints also checks the start of the id the peer list shows.

import { createHash } from 'node:crypto';
import { isBytes } from './bytes.ts';
import { sodium, type NoiseKeyPair } from './native.ts';

export const PUBLIC_KEY_BYTES = 32;
export const SEED_BYTES = 32;
export const SIGNATURE_BYTES = 64;
/** Hex characters of SHA-256(pk) that form a peer id (128 bits: no practical second preimage). */
export const PEER_ID_HEX_CHARS = 32;

export class Identity {
  readonly publicKey: Uint8Array;
  readonly id: string;
  readonly #secretKey: Uint8Array; // libsodium layout: seed || public key (64 bytes)
  readonly #seed: Uint8Array;

  private constructor(seed: Uint8Array) {
    this.#seed = Uint8Array.from(seed);
    this.publicKey = new Uint8Array(PUBLIC_KEY_BYTES);
    this.#secretKey = new Uint8Array(64);
    sodium.crypto_sign_seed_keypair(this.publicKey, this.#secretKey, this.#seed);
    this.id = peerIdOf(this.publicKey);
  }

  /** A fresh identity from the OS random source (libsodium's randombytes). */
  static generate(): Identity {
    const pk = new Uint8Array(PUBLIC_KEY_BYTES);
    const sk = new Uint8Array(64);
    sodium.crypto_sign_keypair(pk, sk);
    return new Identity(sk.subarray(0, SEED_BYTES));
  }

  /** The identity a 32-byte seed determines (the form stored on disk), or undefined. */
  static fromSeed(seed: Uint8Array): Identity | undefined {
    return isBytes(seed, SEED_BYTES) ? new Identity(seed) : undefined;
  }

  /** The secret seed, for saving. Handle with care. */
  exportSeed(): Uint8Array {
    return Uint8Array.from(this.#seed);
  }

  get fingerprint(): string {
    return fingerprint(this.publicKey);
  }

  /** Detached Ed25519 signature (64 bytes). */
  sign(message: Uint8Array): Uint8Array {
    const sig = new Uint8Array(SIGNATURE_BYTES);
    sodium.crypto_sign_detached(sig, message, this.#secretKey);
    return sig;
  }

  /** The X25519 key pair noise-handshake uses as this identity's static key. */
  noiseKeyPair(): NoiseKeyPair {
    const secretKey = new Uint8Array(32);
    const publicKey = new Uint8Array(32);
    sodium.crypto_sign_ed25519_sk_to_curve25519(secretKey, this.#secretKey);
    sodium.crypto_scalarmult_base(publicKey, secretKey);
    return { publicKey, secretKey };
  }
}

/** Peer id of an Ed25519 public key: lowercase hex, PEER_ID_HEX_CHARS long. */
export function peerIdOf(publicKey: Uint8Array): string {
  return createHash('sha256').update(publicKey).digest('hex').slice(0, PEER_ID_HEX_CHARS);
}

/** True when `id` is the peer id of `publicKey` (ids are public: no constant time needed). */
export const peerIdMatches = (id: string, publicKey: Uint8Array): boolean =>
  isBytes(publicKey, PUBLIC_KEY_BYTES) && peerIdOf(publicKey) === id;

/** Short, human-comparable fingerprint: e.g. `3f2a-91c0-7b4e-d815` (64 bits by default). */
export function fingerprint(publicKey: Uint8Array, groups = 4): string {
  const hex = createHash('sha256').update(publicKey).digest('hex');
  const n = Math.max(1, Math.min(16, Math.floor(groups)));
  return Array.from({ length: n }, (_, i) => hex.slice(i * 4, i * 4 + 4)).join('-');
}

/** Verifies a detached Ed25519 signature; false (never a throw) on any malformed input. */
export function verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (!isBytes(publicKey, PUBLIC_KEY_BYTES) || !isBytes(signature, SIGNATURE_BYTES) || !(message instanceof Uint8Array)) return false;
  try {
    return sodium.crypto_sign_verify_detached(signature, message, publicKey);
  } catch {
    return false;
  }
}

/**
 * The X25519 (Noise static) public key an Ed25519 public key maps to, or undefined for
 * bytes that are not a valid point (libsodium refuses small-order and non-canonical keys).
 */
export function noisePublicKeyOf(publicKey: Uint8Array): Uint8Array | undefined {
  if (!isBytes(publicKey, PUBLIC_KEY_BYTES)) return undefined;
  const out = new Uint8Array(32);
  try {
    sodium.crypto_sign_ed25519_pk_to_curve25519(out, publicKey);
  } catch {
    return undefined;
  }
  return out;
}
