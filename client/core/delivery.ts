// Delivery, sans-IO: from a send to `delivered`, whatever happens in between. It owns the
// outbox (outbox.ts) and the receipt rule, and turns what conversations report about chat
// into ClientEvents:
//   send → (the edge commits it) → queued → handed to every new conversation with the peer
//   until its receipt arrives → delivered. Transport acks and failures, conversations ending
//   and peers going offline change nothing about a queued message; only a message that can
//   never be delivered (too long) fails, and it fails at once.
// The receiving side sends a receipt only once the message is stored: by the edge's word
// (storedBy 'edge': ClientEngine.stored after its database commit) or, with no database
// (simulations, tests), as soon as the message is handed out as an event.

import { MAX_MESSAGE_BYTES } from '../../src/constants.ts';
import { Fifo } from '../../src/fifo.ts';
import type { OutgoingChat } from './chat-message.ts';
import type { ChatOutput } from './chat-stream.ts';
import type { Conversation } from './conversation.ts';
import type { ConversationTable } from './conversation-table.ts';
import type { ClientEvent } from './events.ts';
import { Outbox } from './outbox.ts';
import type { OutgoingMessages } from './outgoing.ts';
import type { KnownPeer } from './resolve-peer.ts';

/** A send numbered (msgId, seq) and waiting for the edge's commit before it goes anywhere. */
export interface PreparedSend {
  peerId: string;
  peerName: string;
  chat: OutgoingChat;
}

/** Who says a received message is stored: the edge (after its commit) or nobody (receipt at once). */
export type StoredBy = 'edge' | 'event';

/** Try to reach this peer: it has queued messages and its retry time came (the facade starts the attempt). */
export interface RetryDue {
  peerId: string;
  name: string;
  listed: boolean;
}

export class Delivery {
  readonly outbox: Outbox;
  private readonly retries = new Fifo<RetryDue>();
  /** Conversations given something to send since the facade last pumped them. */
  private readonly touched = new Set<Conversation>();
  /** Receipts to send at the next flush, by peer; and the `now` of the latest. */
  private readonly pendingReceipts = new Map<string, string[]>();
  private receiptsNow = 0;

  /** @param events where its ClientEvents go: the engine's own queue, so they keep their order among the rest. */
  constructor(
    random: () => number,
    private readonly storedBy: StoredBy,
    private readonly events: Fifo<ClientEvent>,
    private readonly table: ConversationTable,
    private readonly outgoing: OutgoingMessages,
  ) {
    this.outbox = new Outbox(random);
  }

  /** A conversation given frames to send (the facade pumps it), once each. */
  pollTouched(): Conversation | undefined {
    const first = this.touched.values().next();
    if (first.done) return undefined;
    this.touched.delete(first.value);
    return first.value;
  }

  pollRetry(): RetryDue | undefined {
    return this.retries.shift();
  }

  /**
   * Numbers a message to `peer` (fresh msgId, next seq, `wallNow` as sentAt) for the edge to
   * commit; undefined, with a `failed` event, when it is too long to ever be delivered.
   */
  prepare(peer: KnownPeer, text: string, ref: unknown, wallNow: number): PreparedSend | undefined {
    if (Buffer.byteLength(text) > MAX_MESSAGE_BYTES) return void this.events.push(this.outgoing.tooLong(peer.name, peer.id, ref));
    const chat = this.outgoing.chat(peer.id, text, ref, wallNow);
    if (!this.outgoing.fits(chat)) {
      this.table.unsend(peer.id, chat.seq);
      return void this.events.push(this.outgoing.tooLong(peer.name, peer.id, ref));
    }
    return { peerId: peer.id, peerName: peer.name, chat };
  }

  /** The edge committed these sends: they are queued (on disk), and go to an open conversation at once. */
  queued(sends: readonly PreparedSend[], now: number): void {
    for (const s of sends) {
      this.outbox.add(s.peerId, s.peerName, [s.chat], now);
      this.events.push({ event: 'queued', to: s.peerName, toId: s.peerId, ref: s.chat.ref, msgId: s.chat.msgId, seq: s.chat.seq });
      const conv = this.table.openWith(s.peerId);
      if (conv?.state === 'connected') this.flushTo(conv, now);
    }
  }

  /** The edge could not commit these sends: they never happened, and their seqs are given back. */
  abandon(sends: readonly PreparedSend[]): void {
    for (const s of [...sends].reverse()) this.table.unsend(s.peerId, s.chat.seq);
  }

  /** Restores what the outbox held at the last run (from the edge's database): no events, due now. */
  restore(peerId: string, peerName: string, chats: readonly OutgoingChat[], now: number): void {
    for (const c of chats) this.table.seedSeq(peerId, c.seq);
    this.outbox.add(peerId, peerName, chats, now);
  }

  /** `conv` is open: every queued message to its peer not yet on it goes now, in seq order. */
  flushTo(conv: Conversation, now: number): void {
    if (!conv.peerId) return;
    const chats = this.outbox.takeFor(conv.peerId, conv.localCid);
    for (const chat of chats) conv.send(chat, now);
    if (chats.length) this.touched.add(conv);
  }

  /**
   * What a conversation's chat stream said, for the peer `peerId` (named `peer`). Returns
   * true when the conversation's transport gave up on a message: the caller ends that
   * conversation, so that the message goes again on a fresh one.
   */
  chat(o: ChatOutput, peer: string, peerId: string, now: number): boolean {
    switch (o.kind) {
      case 'message':
        this.events.push({ event: 'message', from: peer, fromId: peerId, msgId: o.msgId, seq: o.seq, text: o.text, sentAt: o.sentAt });
        if (this.storedBy === 'event') this.stored(peerId, [o.msgId], now);
        return false;
      case 'receipt':
        for (const chat of this.outbox.receipted(peerId, o.msgIds)) {
          this.events.push({ event: 'delivered', to: peer, toId: peerId, ref: chat.ref, msgId: chat.msgId, seq: chat.seq });
        }
        return false;
      case 'acked':
        return false; // across, not yet stored: the receipt says that
      case 'undelivered':
        if (peerId !== '') return true; // still queued; a fresh conversation carries it
        // No identity to queue it for (a dial to an address that never answered): terminal.
        this.events.push({ event: 'failed', to: peer, toId: peerId, ref: o.ref, msgId: o.msgId, seq: o.seq, code: o.code, message: o.reason, reason: o.reason });
        return false;
      case 'undecodable':
        return false; // the facade says it (a warning)
    }
  }

  /**
   * These messages from `peerId` are stored (new, or seen before): their receipt goes with the
   * next datagrams (flushReceipts), one payload for everything stored in that round of I/O.
   */
  stored(peerId: string, msgIds: string[], now: number): void {
    if (msgIds.length === 0) return;
    const ids = this.pendingReceipts.get(peerId);
    if (ids) ids.push(...msgIds);
    else this.pendingReceipts.set(peerId, [...msgIds]);
    this.receiptsNow = now;
  }

  get hasPendingReceipts(): boolean {
    return this.pendingReceipts.size > 0;
  }

  /**
   * Sends the receipts gathered since the last flush. With no open conversation a receipt does
   * not go at all: the sender sends the message again on the next one, and gets it then.
   */
  flushReceipts(): number {
    for (const [peerId, msgIds] of this.pendingReceipts) {
      const conv = this.table.openWith(peerId);
      if (conv?.state !== 'connected') continue;
      conv.sendReceipt(msgIds, this.receiptsNow);
      this.touched.add(conv);
    }
    this.pendingReceipts.clear();
    return this.receiptsNow; // the time the facade pumps the touched conversations at
  }

  /** A conversation with `peerId` ended or never opened: its queued messages wait for the next attempt. */
  conversationEnded(peerId: string, cid: number, now: number): void {
    this.outbox.conversationEnded(peerId, cid, now);
  }

  /** Peers listed by a server now (a peer appearing is tried at once). */
  listed(isListed: (peerId: string) => boolean, now: number): void {
    for (const peerId of this.outbox.peerIds()) this.outbox.setListed(peerId, isListed(peerId), now);
  }

  /**
   * Retries whose time came: a conversation already open takes the queue; one opening is left
   * to finish; an unlisted peer backs off again; a listed one is the facade's to dial (pollRetry).
   */
  handleTimeout(now: number): void {
    for (const due of this.outbox.due(now)) {
      const conv = this.table.openWith(due.peerId);
      if (conv?.state === 'connected') this.flushTo(conv, now);
      else if (conv) continue; // an attempt is under way; its end sets the next retry
      else if (due.listed) this.retries.push(due);
      else this.outbox.attemptFailed(due.peerId, now);
    }
  }

  nextTimeout(): number | undefined {
    return this.outbox.nextTimeout();
  }

  /** Our messages not yet on their recipient's disk (for `peerId`, or all). */
  queuedCount(peerId?: string): number {
    return this.outbox.count(peerId);
  }

  /** True while a queued message is on an open conversation: its receipt may come any moment. */
  awaitingReceipts(): boolean {
    return this.outbox.hasInFlight((cid) => this.table.withCid(cid)?.state === 'connected');
  }
}
