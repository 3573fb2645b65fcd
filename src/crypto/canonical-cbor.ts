// A deterministic CBOR encoder (RFC 8949 §4.2.1 core deterministic encoding) for the few
// types that signed payloads use: unsigned integers, text, bytes and arrays. Signatures
// cover these exact bytes, so any implementation can rebuild them; cbor-x, by contrast,
// writes integers above 2^32 as float64, which is valid CBOR but not canonical.

export type Canonical = number | string | Uint8Array | readonly Canonical[];

/** Encodes `value`, or undefined for anything outside the supported types (never throws). */
export function encodeCanonical(value: Canonical): Uint8Array | undefined {
  const parts: Uint8Array[] = [];
  if (!write(value, parts, 0)) return undefined;
  return Buffer.concat(parts);
}

const MAX_DEPTH = 8;
const utf8 = new TextEncoder();

function write(value: Canonical, out: Uint8Array[], depth: number): boolean {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) return false;
    out.push(head(0, value));
  } else if (typeof value === 'string') {
    const bytes = utf8.encode(value);
    out.push(head(3, bytes.length), bytes);
  } else if (value instanceof Uint8Array) {
    out.push(head(2, value.length), value);
  } else if (Array.isArray(value) && depth < MAX_DEPTH) {
    out.push(head(4, value.length));
    for (const item of value as readonly Canonical[]) if (!write(item, out, depth + 1)) return false;
  } else {
    return false;
  }
  return true;
}

/** Major type and argument in the shortest form (the deterministic-encoding rule). */
function head(major: number, n: number): Uint8Array {
  const m = major << 5;
  if (n < 24) return Uint8Array.of(m | n);
  if (n < 0x100) return Uint8Array.of(m | 24, n);
  if (n < 0x1_0000) return Uint8Array.of(m | 25, n >>> 8, n & 0xff);
  const b = new Uint8Array(n < 0x1_0000_0000 ? 5 : 9);
  const view = new DataView(b.buffer);
  if (b.length === 5) {
    b[0] = m | 26;
    view.setUint32(1, n);
  } else {
    b[0] = m | 27;
    view.setUint32(1, Math.floor(n / 0x1_0000_0000));
    view.setUint32(5, n >>> 0);
  }
  return b;
}
