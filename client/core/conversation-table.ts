// Every conversation this client has, by our connection id and by peer id: opening one
// (with an unpredictable cid), admitting ones that someone else's Punch opened (rate and
// cap, so a flood of forged Punches cannot fill memory), and forgetting closed ones (their
// drop counts are kept). It also numbers outgoing messages per peer: `seq` is our count of
// messages to that peer, from 1, never reused, and outlives any one conversation with it.

import { INBOUND_ATTEMPT_BURST, INBOUND_ATTEMPT_RATE_PER_S, MAX_INBOUND_CONNECTING } from '../../src/constants.ts';
import { DropCounter } from '../../src/codec.ts';
import type { Identity } from '../../src/crypto/identity.ts';
import type { Timings } from '../../src/timings.ts';
import { TokenBucket } from '../../src/token-bucket.ts';
import { Conversation } from './conversation.ts';

export class ConversationTable {
  private readonly byCid = new Map<number, Conversation>();
  private readonly byPeer = new Map<string, Conversation>();
  /** Conversations a Punch from someone else opened, while they are still connecting. */
  private readonly inbound = new Set<Conversation>();
  private readonly inboundBucket: TokenBucket;
  /** The last seq given to a message for each peer. */
  private readonly lastSeq = new Map<string, number>();
  /** Drops counted by conversations already forgotten. */
  private readonly forgottenDrops = new DropCounter();

  constructor(
    private readonly identity: Identity,
    private readonly randomCid: () => number,
    private readonly timings: Partial<Timings> | undefined,
    now: number,
  ) {
    this.inboundBucket = new TokenBucket(INBOUND_ATTEMPT_RATE_PER_S, INBOUND_ATTEMPT_BURST, now);
  }

  withCid(cid: number): Conversation | undefined {
    return this.byCid.get(cid);
  }

  withPeer(peerId: string): Conversation | undefined {
    return this.byPeer.get(peerId);
  }

  /** The conversation with `peerId` unless there is none or it is closed. */
  openWith(peerId: string): Conversation | undefined {
    const conv = this.byPeer.get(peerId);
    return conv && conv.state !== 'closed' ? conv : undefined;
  }

  /** True while `conv` is in the table (not forgotten or replaced). */
  holds(conv: Conversation): boolean {
    return this.byCid.get(conv.localCid) === conv;
  }

  all(): Conversation[] {
    return [...this.byCid.values()];
  }

  /** A new conversation; one with a known peer replaces (and forgets) any older one with it. */
  open(peerId: string | undefined, peerName: string | undefined, now: number): Conversation {
    let cid = this.randomCid() >>> 0;
    while (this.byCid.has(cid)) cid = (cid + 1) >>> 0;
    const conv = new Conversation(peerId, peerName, cid, now, this.identity, { timings: this.timings });
    this.byCid.set(cid, conv);
    if (peerId) this.bindPeer(conv, peerId);
    return conv;
  }

  /** A conversation someone else's Punch opens: undefined when over the rate or the cap on pending ones. */
  openInbound(peerId: string, peerName: string, now: number): Conversation | undefined {
    for (const c of this.inbound) if (c.state !== 'connecting') this.inbound.delete(c);
    if (this.inbound.size >= MAX_INBOUND_CONNECTING || !this.inboundBucket.take(now)) return undefined;
    const conv = this.open(peerId, peerName, now);
    this.inbound.add(conv);
    return conv;
  }

  /** True if someone else opened `conv` and it is not yet connected (its failure is nobody's news). */
  isInbound(conv: Conversation): boolean {
    return this.inbound.has(conv);
  }

  /** A /connect host:port dial learned who answered. */
  bindPeer(conv: Conversation, peerId: string): void {
    conv.peerId = peerId;
    const old = this.byPeer.get(peerId);
    if (old && old !== conv) this.forget(old);
    this.byPeer.set(peerId, conv);
  }

  forget(conv: Conversation): void {
    this.inbound.delete(conv);
    if (!this.holds(conv)) return;
    for (const [reason, n] of Object.entries(conversationDrops(conv))) this.forgottenDrops.add(reason, n);
    this.byCid.delete(conv.localCid);
    if (conv.peerId && this.byPeer.get(conv.peerId) === conv) this.byPeer.delete(conv.peerId);
  }

  /** The seq for our next message to `peerId`: one more than the last, from 1. */
  nextSeq(peerId: string): number {
    const seq = (this.lastSeq.get(peerId) ?? 0) + 1;
    this.lastSeq.set(peerId, seq);
    return seq;
  }

  /** Seeds the counter from storage: the highest seq ever sent to `peerId` (never lowers it). */
  seedSeq(peerId: string, lastSent: number): void {
    if (lastSent > (this.lastSeq.get(peerId) ?? 0)) this.lastSeq.set(peerId, lastSent);
  }

  /** Drops by reason, of forgotten conversations and live ones. */
  dropCounts(): DropCounter {
    const total = new DropCounter();
    for (const [reason, n] of this.forgottenDrops.counts) total.add(reason, n);
    for (const conv of this.byCid.values()) for (const [reason, n] of Object.entries(conversationDrops(conv))) total.add(reason, n);
    return total;
  }

  hasPendingMessages(): boolean {
    for (const c of this.byCid.values()) if (c.state !== 'closed' && c.hasPending()) return true;
    return false;
  }
}

/** What a conversation dropped (forged, replayed, undecodable, ...), by reason. */
function conversationDrops(conv: Conversation): Record<string, number> {
  return conv.dropCounts();
}
