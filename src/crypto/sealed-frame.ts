// An optional fixed binary layout for a Sealed datagram, for a caller that sends it raw
// rather than inside a CBOR message: generation (u32 LE) || counter (u64 LE) || ciphertext.
// Overhead: 12 header bytes + 16 tag bytes = 28 bytes per datagram.

import { TAG_BYTES, type Sealed } from './transport-cipher.ts';

export const SEALED_HEADER_BYTES = 12;

export function packSealed(sealed: Sealed): Uint8Array {
  const out = new Uint8Array(SEALED_HEADER_BYTES + sealed.ciphertext.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, sealed.generation, true);
  view.setUint32(4, sealed.counter >>> 0, true);
  view.setUint32(8, Math.floor(sealed.counter / 0x1_0000_0000), true);
  out.set(sealed.ciphertext, SEALED_HEADER_BYTES);
  return out;
}

/** Splits a raw frame, or undefined if too short or the counter exceeds 2^53 (never sent). */
export function unpackSealed(bytes: Uint8Array): Sealed | undefined {
  if (!(bytes instanceof Uint8Array) || bytes.length < SEALED_HEADER_BYTES + TAG_BYTES) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const high = view.getUint32(8, true);
  if (high > 0x1f_ffff) return undefined;
  return { generation: view.getUint32(0, true), counter: high * 0x1_0000_0000 + view.getUint32(4, true), ciphertext: bytes.subarray(SEALED_HEADER_BYTES) };
}
