// A deterministic CBOR encoder (RFC 8949 §4.2.1 core deterministic encoding) for the few
// types that signed payloads use: unsigned integers, text, bytes and arrays. Signatures
// cover these exact bytes, so any implementation can rebuild them; cbor-x, by contrast,
// writes integers above 2^32 as float64, which is valid CBOR but not canonical.

export type Canonical = number | string | Uint8Array | readonly Canonical[];

/** Encodes `value`, or undefined for anything outside the supported types (never throws). */
export function encodeCanonical(value: Canonical): Uint8Array | undefined {
  // Two passes (size, then write into one buffer): MACs on the server's hot path use this,
  // and a part per item joined at the end cost several times more.
  const size = sizeOf(value, 0);
  if (size < 0) return undefined;
  const out = Buffer.allocUnsafe(size);
  write(value, out, 0);
  return out;
}

/**
 * Encodes `value` into `scratch` when it fits (a view of it, valid until the next call with
 * the same scratch), else into a new buffer: for bytes that are hashed at once and dropped,
 * such as a MAC's input on the server's hot path, so each reply allocates nothing for them.
 */
export function encodeCanonicalScratch(value: Canonical, scratch: Buffer): Uint8Array | undefined {
  const size = sizeOf(value, 0);
  if (size < 0) return undefined;
  const out = size <= scratch.length ? scratch : Buffer.allocUnsafe(size);
  write(value, out, 0);
  return out.subarray(0, size);
}

const MAX_DEPTH = 8;

/** Encoded size, or -1 for a value outside the supported types. */
function sizeOf(value: Canonical, depth: number): number {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? headSize(value) : -1;
  if (typeof value === 'string') {
    const n = Buffer.byteLength(value, 'utf8');
    return headSize(n) + n;
  }
  if (value instanceof Uint8Array) return headSize(value.length) + value.length;
  if (!Array.isArray(value) || depth >= MAX_DEPTH) return -1;
  let total = headSize(value.length);
  for (const item of value as readonly Canonical[]) {
    const n = sizeOf(item, depth + 1);
    if (n < 0) return -1;
    total += n;
  }
  return total;
}

/** Writes a value sizeOf accepted at `at`; returns the offset after it. */
function write(value: Canonical, out: Buffer, at: number): number {
  if (typeof value === 'number') return writeHead(out, at, 0, value);
  if (typeof value === 'string') {
    const n = Buffer.byteLength(value, 'utf8');
    at = writeHead(out, at, 3, n);
    return at + out.write(value, at, 'utf8');
  }
  if (value instanceof Uint8Array) {
    at = writeHead(out, at, 2, value.length);
    out.set(value, at);
    return at + value.length;
  }
  const items = value as readonly Canonical[];
  at = writeHead(out, at, 4, items.length);
  for (const item of items) at = write(item, out, at);
  return at;
}

const headSize = (n: number): number => (n < 24 ? 1 : n < 0x100 ? 2 : n < 0x1_0000 ? 3 : n < 0x1_0000_0000 ? 5 : 9);

/** Major type and argument in the shortest form (the deterministic-encoding rule). */
function writeHead(out: Buffer, at: number, major: number, n: number): number {
  const m = major << 5;
  if (n < 24) {
    out[at] = m | n;
    return at + 1;
  }
  if (n < 0x100) {
    out[at] = m | 24;
    out[at + 1] = n;
    return at + 2;
  }
  if (n < 0x1_0000) {
    out[at] = m | 25;
    out.writeUInt16BE(n, at + 1);
    return at + 3;
  }
  if (n < 0x1_0000_0000) {
    out[at] = m | 26;
    out.writeUInt32BE(n, at + 1);
    return at + 5;
  }
  out[at] = m | 27;
  out.writeUInt32BE(Math.floor(n / 0x1_0000_0000), at + 1);
  out.writeUInt32BE(n >>> 0, at + 5);
  return at + 9;
}
