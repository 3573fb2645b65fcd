// CBOR encode, and decode-and-validate for untrusted bytes. decode never throws: it caps
// the size before decoding, catches every cbor-x error, and checks the result against the
// strict schema in wire.ts. Failures come back with a reason so callers can count drops.

import { Decoder, Encoder, setSizeLimits } from 'cbor-x';
import { MAX_DATAGRAM_BYTES, PROTOCOL_VERSION } from './constants.ts';
import { isMsgType, messageSchemas, type Message, type MessageOf, type MsgType } from './wire.ts';

// A 1200-byte datagram never holds more than this; lowering cbor-x's limits (process-wide)
// means a hostile length prefix is refused before anything is allocated.
setSizeLimits({ maxArraySize: MAX_DATAGRAM_BYTES, maxMapSize: 64, maxObjectSize: 64 });

// useRecords:false keeps record extensions off the wire; tagUint8Array:false writes bytes as
// plain CBOR byte strings. Without `structures`, the decoder forgets any record definition a
// hostile datagram carries as soon as that decode ends.
const encoder = new Encoder({ useRecords: false, tagUint8Array: false, mapsAsObjects: true });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true });

export type DropReason = 'oversized' | 'empty' | 'malformed' | 'not-a-map' | 'bad-version' | 'unknown-type' | 'bad-shape';

export type DecodeResult = { ok: true; msg: Message } | { ok: false; reason: DropReason };

/** Encodes a message with its envelope. Throws only on a programming error (oversize). */
export function encode(msg: Message): Buffer {
  const bytes = encoder.encode(envelope(msg));
  if (bytes.length > MAX_DATAGRAM_BYTES) throw new RangeError(`datagram of ${bytes.length} bytes exceeds ${MAX_DATAGRAM_BYTES}`);
  return bytes;
}

/** Size of a message once encoded, for paging and fragmentation decisions. */
export function encodedSize(msg: Message): number {
  return encoder.encode(envelope(msg)).length;
}

/** The message with its version first and without undefined fields, in one pass (hot path). */
function envelope(msg: Message): Record<string, unknown> {
  const out: Record<string, unknown> = { v: PROTOCOL_VERSION, t: msg.t };
  const fields = msg as unknown as Record<string, unknown>;
  for (const key in fields) if (key !== 't' && fields[key] !== undefined) out[key] = fields[key];
  return out;
}

export function decode(bytes: Uint8Array): DecodeResult {
  if (bytes.length === 0) return { ok: false, reason: 'empty' };
  if (bytes.length > MAX_DATAGRAM_BYTES) return { ok: false, reason: 'oversized' };
  let value: unknown;
  try {
    value = decoder.decode(bytes);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) {
    return { ok: false, reason: 'not-a-map' };
  }
  const { v, t, ...body } = value as Record<string, unknown>;
  if (v !== PROTOCOL_VERSION) return { ok: false, reason: 'bad-version' };
  if (!isMsgType(t)) return { ok: false, reason: 'unknown-type' };
  let valid = false;
  try {
    valid = messageSchemas[t].check(body); // try: a cyclic value (CBOR shared refs) must not escape as a throw
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, reason: 'bad-shape' };
  return { ok: true, msg: { t, ...body } as Message };
}

/** decode(), for callers that only need the message or nothing. */
export function decodeMessage(bytes: Uint8Array): Message | undefined {
  const result = decode(bytes);
  return result.ok ? result.msg : undefined;
}

/** Narrows a decoded message to one type. */
export function isType<T extends MsgType>(msg: Message, t: T): msg is MessageOf<T> {
  return msg.t === t;
}

/** Counts dropped datagrams by reason; every receiver keeps one. */
export class DropCounter {
  readonly counts = new Map<string, number>();
  add(reason: string, n = 1): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + n);
  }
  get total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }
  toJSON(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}
