// The chat stream of one conversation: chat messages and receipts in, payloads onto stream 0
// of the path sender, and back out: messages and receipts from the peer, and for ours whether
// the transport got them across (`acked`) or gave up (`undelivered`), each under the msgId and
// seq the sender chose (the channel's own numbering never leaves this file). Neither is
// `delivered`: that takes the peer's receipt (outbox.ts). Messages sent before the
// conversation is open wait here, and enter the channel in order once it is.

import { FailedCode } from '../../src/errors.ts';
import { Fifo } from '../../src/fifo.ts';
import { MAX_MESSAGE_BYTES, MESSAGE_GIVE_UP_MS } from '../../src/constants.ts';
import { FailReason, type ReliableChannel } from '../../src/reliability/channel.ts';
import type { OutgoingChat } from './chat-message.ts';
import { MAX_RECEIPT_IDS, decodeChatPayload, encodeChatPayload, encodeReceiptPayload } from './chat-payload.ts';

/** What the chat stream tells the conversation (and, through it, the engine). */
export type ChatOutput =
  | { kind: 'message'; msgId: string; seq: number; text: string; sentAt: number }
  /** The peer stored these messages of ours (its end-to-end receipt). */
  | { kind: 'receipt'; msgIds: string[] }
  /** The transport got ours across (the peer has not necessarily stored it yet). */
  | { kind: 'acked'; ref: unknown; msgId: string; seq: number }
  /** The transport gave ours up, or the conversation ended first. */
  | { kind: 'undelivered'; ref: unknown; msgId: string; seq: number; code: FailedCode; reason: string }
  /** The channel delivered a payload that does not decode (it was acknowledged: the sender thinks it arrived). */
  | { kind: 'undecodable'; reason: string };

interface Queued {
  readonly chat: OutgoingChat;
  readonly payload: Uint8Array;
}

/** Why the channel gave a message up, for people; the code says it for programs. */
const FAIL_MESSAGES: Record<string, string> = {
  [FailReason.Timeout]: `not acknowledged within ${MESSAGE_GIVE_UP_MS / 1000} s`,
  [FailReason.PreviousFailed]: 'an earlier message to this peer was not delivered, and messages arrive in order',
  [FailReason.ChannelFailed]: 'an earlier message to this peer was not delivered, and messages arrive in order',
};

export class ChatStream {
  private readonly waiting = new Fifo<Queued>();
  /** Our messages in the channel, by the channel's id for them. */
  private readonly inFlight = new Map<number, OutgoingChat>();
  private readonly out = new Fifo<ChatOutput>();
  private isOpen = false;
  private closedWith: string | undefined;

  constructor(private readonly channel: ReliableChannel) {}

  /**
   * Queues a message; false if its payload is longer than the stream carries. The limit is
   * on the encoded payload, so a text of MAX_MESSAGE_BYTES is refused here rather than
   * overflowing the channel. Before open() it waits; after close() it fails at once.
   */
  send(chat: OutgoingChat, now: number): boolean {
    const payload = encodeChatPayload(chat);
    if (payload.length > MAX_MESSAGE_BYTES) return false;
    if (this.closedWith !== undefined) this.fail(chat, this.closedWith);
    else if (this.isOpen) this.toChannel({ chat, payload }, now);
    else this.waiting.push({ chat, payload });
    return true;
  }

  /** The conversation is open: what waited enters the channel, in order. */
  open(now: number): void {
    if (this.closedWith !== undefined) return;
    this.isOpen = true;
    for (let q = this.waiting.shift(); q; q = this.waiting.shift()) this.toChannel(q, now);
  }

  /** Tells the peer we stored these messages of theirs (split into payloads of MAX_RECEIPT_IDS). */
  sendReceipt(msgIds: readonly string[], now: number): void {
    if (!this.isOpen || this.closedWith !== undefined) return; // the sender sends them again on the next conversation
    for (let i = 0; i < msgIds.length; i += MAX_RECEIPT_IDS) this.channel.send(encodeReceiptPayload(msgIds.slice(i, i + MAX_RECEIPT_IDS)), now);
  }

  hasPending(): boolean {
    return this.waiting.length > 0 || this.channel.hasUnacked();
  }

  /**
   * The conversation is being replaced (the peer restarted): our messages not yet
   * acknowledged, in the order they were sent, to go again on the new conversation under
   * the same msgId and seq. They leave this stream without a failure; close() follows.
   */
  takeUnacked(): OutgoingChat[] {
    const moved = [...this.inFlight.values()];
    this.inFlight.clear();
    for (let q = this.waiting.shift(); q; q = this.waiting.shift()) moved.push(q.chat);
    return moved;
  }

  /** The conversation ended: every waiting and unacknowledged message fails with `reason`, and so will later ones. */
  close(reason: string): void {
    this.closedWith = reason;
    for (let q = this.waiting.shift(); q; q = this.waiting.shift()) this.fail(q.chat, reason);
    this.channel.failAll(reason);
  }

  /** Turns what the channel reported since the last call into outputs; returns the next one. */
  poll(): ChatOutput | undefined {
    for (let ev = this.channel.pollEvent(); ev; ev = this.channel.pollEvent()) {
      if (ev.type === 'deliver') {
        const decoded = decodeChatPayload(ev.body);
        if (decoded.ok && 'receipt' in decoded) this.out.push({ kind: 'receipt', msgIds: decoded.receipt });
        else if (decoded.ok) this.out.push({ kind: 'message', ...decoded.chat });
        else this.out.push({ kind: 'undecodable', reason: `chat payload ${decoded.reason}` });
        continue;
      }
      const chat = this.inFlight.get(ev.msgId);
      this.inFlight.delete(ev.msgId);
      if (!chat) continue; // a receipt of ours: nothing to report
      if (ev.type === 'acked') this.out.push({ kind: 'acked', ref: chat.ref, msgId: chat.msgId, seq: chat.seq });
      else this.fail(chat, FAIL_MESSAGES[ev.reason] ?? ev.reason);
    }
    return this.out.shift();
  }

  private toChannel(q: Queued, now: number): void {
    this.inFlight.set(this.channel.send(q.payload, now), q.chat);
  }

  /**
   * Every failure is MESSAGE_TIMEOUT: the channel gave up, or an earlier message did (order
   * makes later ones undeliverable), or the conversation ended before the peer acknowledged.
   * The reason says which.
   */
  private fail(chat: OutgoingChat, reason: string): void {
    this.out.push({ kind: 'undelivered', ref: chat.ref, msgId: chat.msgId, seq: chat.seq, code: FailedCode.MessageTimeout, reason });
  }
}
