// Typed doors into the two CommonJS crypto packages we use: sodium-universal (libsodium via
// sodium-native) and noise-handshake. Both ship without TypeScript types; declaring only the
// few functions we call keeps `any` out of the rest of src/crypto. sodium-universal is what
// noise-handshake itself runs on, so using it directly adds no new code to the process.

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The subset of libsodium that src/crypto calls. Functions throw on failure (sodium-native). */
export interface Sodium {
  crypto_sign_PUBLICKEYBYTES: number;
  crypto_sign_SECRETKEYBYTES: number;
  crypto_sign_SEEDBYTES: number;
  crypto_sign_BYTES: number;
  crypto_sign_keypair(pk: Uint8Array, sk: Uint8Array): void;
  crypto_sign_seed_keypair(pk: Uint8Array, sk: Uint8Array, seed: Uint8Array): void;
  crypto_sign_detached(sig: Uint8Array, message: Uint8Array, sk: Uint8Array): void;
  crypto_sign_verify_detached(sig: Uint8Array, message: Uint8Array, pk: Uint8Array): boolean;
  crypto_sign_ed25519_pk_to_curve25519(x25519Pk: Uint8Array, ed25519Pk: Uint8Array): void;
  crypto_sign_ed25519_sk_to_curve25519(x25519Sk: Uint8Array, ed25519Sk: Uint8Array): void;
  crypto_scalarmult_base(pk: Uint8Array, sk: Uint8Array): void;
  crypto_aead_chacha20poly1305_ietf_encrypt(
    out: Uint8Array,
    message: Uint8Array,
    ad: Uint8Array | null,
    nsec: null,
    nonce: Uint8Array,
    key: Uint8Array,
  ): number;
  crypto_aead_chacha20poly1305_ietf_decrypt(
    out: Uint8Array,
    nsec: null,
    ciphertext: Uint8Array,
    ad: Uint8Array | null,
    nonce: Uint8Array,
    key: Uint8Array,
  ): number;
  crypto_aead_chacha20poly1305_ietf_ABYTES: number;
  crypto_generichash(out: Uint8Array, input: Uint8Array, key?: Uint8Array): void;
  crypto_box_SEALBYTES: number;
  crypto_box_seal(out: Uint8Array, message: Uint8Array, x25519Pk: Uint8Array): void;
  /** False when the box does not open (wrong key, tampered). */
  crypto_box_seal_open(out: Uint8Array, ciphertext: Uint8Array, x25519Pk: Uint8Array, x25519Sk: Uint8Array): boolean;
  sodium_memzero(buf: Uint8Array): void;
}

export const sodium = require('sodium-universal') as Sodium;

export interface NoiseKeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/** noise-handshake's NoiseState: `send`/`recv` throw on bad input, so callers must catch. */
export interface NoiseState {
  readonly complete: boolean;
  /** Remote static X25519 key, once received (or preset for IK). */
  readonly rs: Uint8Array | null;
  readonly tx: Uint8Array | null;
  readonly rx: Uint8Array | null;
  readonly hash: Uint8Array | null;
  initialise(prologue: Uint8Array, remoteStatic?: Uint8Array): void;
  send(payload?: Uint8Array): Uint8Array;
  recv(message: Uint8Array): Uint8Array;
}

export type NoiseStateCtor = new (pattern: 'IK' | 'XX', initiator: boolean, staticKeyPair: NoiseKeyPair) => NoiseState;

export const NoiseHandshake = require('noise-handshake') as NoiseStateCtor;
