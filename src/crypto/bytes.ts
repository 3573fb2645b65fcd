// Small byte helpers shared by src/crypto. Parsing helpers return undefined on bad input
// instead of throwing: they read files and datagrams we do not control.

import { timingSafeEqual } from 'node:crypto';

export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

/** Strict lowercase/uppercase hex of an exact byte length, or undefined. */
export function fromHex(text: unknown, length: number): Uint8Array | undefined {
  if (typeof text !== 'string' || text.length !== length * 2 || !/^[0-9a-fA-F]*$/.test(text)) return undefined;
  return new Uint8Array(Buffer.from(text, 'hex'));
}

/** Constant-time comparison (for keys and tags); false on length mismatch. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}

export const isBytes = (value: unknown, length: number): value is Uint8Array =>
  value instanceof Uint8Array && value.byteLength === length;
