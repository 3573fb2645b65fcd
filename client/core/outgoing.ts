// Outgoing chat messages before they reach a conversation: their identity — msgId (128
// random bits as 32 lowercase hex, chosen when the person sends), seq (the peer's next, from
// the conversation table) and sentAt (the sender's wall clock, an input) — and the one
// failure a send can meet before it is queued (too long), as a `failed` event with the send's
// ref and a code (never an `error` without its ref).

import { MAX_MESSAGE_BYTES } from '../../src/constants.ts';
import { toHex } from '../../src/crypto/bytes.ts';
import type { OutgoingChat } from './chat-message.ts';
import type { ClientEvent } from './events.ts';
import { encodeChatPayload } from './chat-payload.ts';

export class OutgoingMessages {
  constructor(
    private readonly nextSeq: (peerId: string) => number,
    private readonly randomBytes: (n: number) => Uint8Array,
  ) {}

  /** A message under a fresh msgId and the peer's next seq. */
  chat(peerId: string, text: string, ref: unknown, wallNow: number): OutgoingChat {
    return { msgId: this.msgId(), seq: this.nextSeq(peerId), text, sentAt: Math.floor(wallNow), ref };
  }

  /** False if the message, once encoded, is longer than the chat stream carries (MAX_MESSAGE_BYTES). */
  fits(chat: OutgoingChat): boolean {
    return encodeChatPayload(chat).length <= MAX_MESSAGE_BYTES;
  }

  /** Longer than MAX_MESSAGE_BYTES (as text, or once encoded: then it already took its seq). */
  tooLong(to: string, toId: string, ref: unknown, chat?: OutgoingChat): ClientEvent {
    const message = `message is longer than ${MAX_MESSAGE_BYTES / 1024} KiB`;
    const id = chat ? { msgId: chat.msgId, seq: chat.seq } : { msgId: this.msgId() };
    return { event: 'failed', to, toId, ref, ...id, code: 'MESSAGE_TOO_LONG', message, reason: message };
  }

  private msgId(): string {
    return toHex(this.randomBytes(16));
  }
}
