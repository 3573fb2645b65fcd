// What the chat stream carries (encrypted end to end), as CBOR maps:
//   a message  { v: 1, msgId: <32 lowercase hex>, seq: <uint>, sentAt: <ms since epoch>, text: <string> }
//   a receipt  { v: 1, r: [<msgId>, ...] }  "I have these on disk" (1..MAX_RECEIPT_IDS ids)
// A receipt is not a transport ack: the stream's own acks say a datagram arrived; a receipt
// says the recipient stored the message, and only that makes it `delivered` (see outbox.ts).
// Version rule: `v` says which fields a sender knew, never how to read the v1 ones. Every
// version carries the v1 fields with their v1 meaning; a newer client may add fields, and an
// older one ignores what it does not know. So decoding checks the fields it needs and nothing
// else: an unknown field must not lose a message the channel has already acknowledged.
// Untrusted bytes never throw: a payload that does not decode comes back with a reason.

import { Decoder, Encoder } from 'cbor-x';
import { MAX_MESSAGE_BYTES } from '../../src/constants.ts';
import { str, uint, type Schema } from '../../src/schema.ts';
import type { IncomingChat, OutgoingChat } from './chat-message.ts';

export const CHAT_PAYLOAD_VERSION = 1;

const encoder = new Encoder({ useRecords: false, tagUint8Array: false, mapsAsObjects: true });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true });

/** 128 random bits as 32 lowercase hex characters. */
export const MSG_ID_PATTERN = /^[0-9a-f]{32}$/;

/** The v1 fields: required in every version, with this meaning. */
const requiredFields: Record<keyof IncomingChat, Schema<unknown>> = {
  msgId: str(32, 32, MSG_ID_PATTERN),
  seq: uint(),
  sentAt: uint(),
  text: str(0, MAX_MESSAGE_BYTES),
};
const version = uint();

export type UndecodableReason = 'oversized' | 'not-cbor' | 'not-a-map' | 'bad-version' | 'bad-field';

export type DecodedChat = { ok: true; chat: IncomingChat } | { ok: true; receipt: string[] } | { ok: false; reason: UndecodableReason };

/** Ids per receipt payload: 256 × 33 bytes stays far below the stream's message limit. */
export const MAX_RECEIPT_IDS = 256;

/** The payload of a receipt for `msgIds` (1..MAX_RECEIPT_IDS of them; the caller splits longer lists). */
export function encodeReceiptPayload(msgIds: readonly string[]): Uint8Array {
  if (msgIds.length === 0 || msgIds.length > MAX_RECEIPT_IDS || !msgIds.every((id) => MSG_ID_PATTERN.test(id))) {
    throw new TypeError(`a receipt carries 1..${MAX_RECEIPT_IDS} msgIds of 32 hex, got ${msgIds.length}`);
  }
  return encoder.encode({ v: CHAT_PAYLOAD_VERSION, r: msgIds });
}

function receiptIds(value: unknown): string[] | undefined {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_RECEIPT_IDS) return undefined;
  for (const id of value) if (!requiredFields.msgId.check(id)) return undefined;
  return value as string[];
}

/**
 * The payload of `chat`, to be sent on the chat stream; its length is what the stream's limit
 * (MAX_MESSAGE_BYTES) applies to. Throws TypeError on an impossible msgId, seq or sentAt: the
 * caller made them, and the peer would drop the message after acknowledging it.
 */
export function encodeChatPayload(chat: OutgoingChat | IncomingChat): Uint8Array {
  const { msgId, seq, sentAt, text } = chat;
  if (!requiredFields.msgId.check(msgId) || !requiredFields.seq.check(seq) || !requiredFields.sentAt.check(sentAt)) {
    throw new TypeError(`chat message needs a 32-hex msgId and integer seq and sentAt, got ${JSON.stringify({ msgId, seq, sentAt })}`);
  }
  return encoder.encode({ v: CHAT_PAYLOAD_VERSION, msgId, seq, sentAt, text });
}

export function decodeChatPayload(bytes: Uint8Array): DecodedChat {
  if (bytes.length > MAX_MESSAGE_BYTES) return { ok: false, reason: 'oversized' };
  let value: unknown;
  try {
    value = decoder.decode(bytes);
  } catch {
    return { ok: false, reason: 'not-cbor' };
  }
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return { ok: false, reason: 'not-a-map' };
  const fields = value as Record<string, unknown>;
  if (!version.check(fields.v) || (fields.v as number) < CHAT_PAYLOAD_VERSION) return { ok: false, reason: 'bad-version' };
  if ('r' in fields) {
    const ids = receiptIds(fields.r);
    return ids ? { ok: true, receipt: ids } : { ok: false, reason: 'bad-field' };
  }
  for (const key in requiredFields) {
    if (!requiredFields[key as keyof IncomingChat].check(fields[key])) return { ok: false, reason: 'bad-field' };
  }
  // Only the known fields travel on: the rest is a newer client's business.
  return { ok: true, chat: { msgId: fields.msgId as string, seq: fields.seq as number, sentAt: fields.sentAt as number, text: fields.text as string } };
}
