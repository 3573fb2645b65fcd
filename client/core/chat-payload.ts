// What a chat message carries inside the reliable channel: the text and the sender's clock
// (for display only). CBOR, validated like every untrusted input: undefined on bad bytes.

import { Decoder, Encoder } from 'cbor-x';
import { MAX_MESSAGE_BYTES } from '../../src/constants.ts';
import { obj, str, uint } from '../../src/schema.ts';

const encoder = new Encoder({ useRecords: false, tagUint8Array: false, mapsAsObjects: true });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true });
const payloadSchema = obj({ text: str(0, MAX_MESSAGE_BYTES), sentAt: uint() });

export interface ChatPayload {
  text: string;
  sentAt: number;
}

export function encodeChatPayload(text: string, sentAt: number): Uint8Array {
  return encoder.encode({ text, sentAt });
}

export function decodeChatPayload(bytes: Uint8Array): ChatPayload | undefined {
  if (bytes.length > MAX_MESSAGE_BYTES + 64) return undefined;
  try {
    const value: unknown = decoder.decode(bytes);
    return payloadSchema.check(value) ? (value as ChatPayload) : undefined;
  } catch {
    return undefined;
  }
}
