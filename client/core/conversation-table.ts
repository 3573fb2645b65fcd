// Every conversation this client has, by our connection id and by peer id: opening one
// (with an unpredictable cid), admitting ones that someone else's Punch opened (rate and
// cap, so a flood of forged Punches cannot fill memory), and forgetting closed ones (their
// drop counts are kept). It also numbers outgoing messages per peer: `seq` is our count of
// messages to that peer, from 1, never reused, and outlives any one conversation with it.
//
// A live conversation is never replaced by a plaintext datagram. A Punch for a peer we have a
// session with, under a cid that is not that session's, opens a *replacement*: a separate
// pending conversation, admitted like any inbound one and not listed under the peer. Only
// when its handshake proves the same key does it take the old one's place (promote), with
// the old one's unacknowledged messages (WireGuard keeps the current session until a new
// handshake completes). Message ids shown recently are remembered per peer, so a message
// moved after its ack was lost is shown once.

import { INBOUND_ATTEMPT_BURST, INBOUND_ATTEMPT_RATE_PER_S, MAX_INBOUND_CONNECTING, MAX_REPLACEMENTS_PER_PEER, RECENT_MSG_IDS_PER_PEER } from '../../src/constants.ts';
import { DropCounter } from '../../src/codec.ts';
import type { Identity } from '../../src/crypto/identity.ts';
import type { Timings } from '../../src/timings.ts';
import { TokenBucket } from '../../src/token-bucket.ts';
import type { OutgoingChat } from './chat-message.ts';
import { Conversation } from './conversation.ts';

export class ConversationTable {
  private readonly byCid = new Map<number, Conversation>();
  private readonly byPeer = new Map<string, Conversation>();
  /** Conversations a Punch from someone else opened, while they are still connecting. */
  private readonly inbound = new Set<Conversation>();
  private readonly inboundBucket: TokenBucket;
  /** Pending conversations that would replace the live one with a peer, oldest first. */
  private readonly replacements = new Map<string, Conversation[]>();
  /** Message ids recently shown, per peer, oldest first (see firstSight). */
  private readonly recentMsgIds = new Map<string, Set<string>>();
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
    const conv = this.create(peerId, peerName, now);
    if (peerId) this.bindPeer(conv, peerId);
    return conv;
  }

  /** A conversation someone else's Punch (or introduction) opens: undefined when over the rate or the cap on pending ones. */
  openInbound(peerId: string, peerName: string, now: number): Conversation | undefined {
    if (!this.admitInbound(now)) return undefined;
    const conv = this.open(peerId, peerName, now);
    this.inbound.add(conv);
    return conv;
  }

  /** The pending replacement for `peerId` whose peer cid is `remoteCid`, if any. */
  replacementFor(peerId: string, remoteCid: number): Conversation | undefined {
    return this.replacements.get(peerId)?.find((c) => c.remoteCid === remoteCid && c.state !== 'closed');
  }

  /**
   * A pending conversation that may replace the live one with `peerId` (see the top of the
   * file): admitted like an inbound one, at most MAX_REPLACEMENTS_PER_PEER (a newer one
   * evicts the oldest), and not listed under the peer until promoted.
   */
  openReplacement(peerId: string, peerName: string | undefined, now: number): Conversation | undefined {
    if (!this.admitInbound(now)) return undefined;
    const list = (this.replacements.get(peerId) ?? []).filter((c) => c.state !== 'closed' && this.holds(c));
    while (list.length >= MAX_REPLACEMENTS_PER_PEER) this.forget(list.shift() as Conversation);
    const conv = this.create(peerId, peerName, now);
    conv.peerId = peerId;
    this.inbound.add(conv);
    list.push(conv);
    this.replacements.set(peerId, list);
    return conv;
  }

  isReplacement(conv: Conversation): boolean {
    return conv.peerId !== undefined && (this.replacements.get(conv.peerId)?.includes(conv) ?? false);
  }

  /**
   * A replacement completed its handshake with the same key: it becomes the conversation with
   * the peer. The old one retires silently; its unacknowledged messages are returned, to be
   * sent again on the new one under the same msgId and seq.
   */
  promote(conv: Conversation): OutgoingChat[] {
    const peerId = conv.peerId as string;
    const list = this.replacements.get(peerId)?.filter((c) => c !== conv) ?? [];
    if (list.length) this.replacements.set(peerId, list);
    else this.replacements.delete(peerId);
    this.inbound.delete(conv);
    const old = this.byPeer.get(peerId);
    const moved = old && old !== conv ? old.retire() : [];
    this.bindPeer(conv, peerId);
    return moved;
  }

  /** True the first time `msgId` from `peerId` is seen (of the last RECENT_MSG_IDS_PER_PEER). */
  firstSight(peerId: string, msgId: string): boolean {
    let seen = this.recentMsgIds.get(peerId);
    if (!seen) this.recentMsgIds.set(peerId, (seen = new Set()));
    if (seen.has(msgId)) return false;
    // A Set iterates in insertion order: the first entry is the oldest.
    if (seen.size >= RECENT_MSG_IDS_PER_PEER) seen.delete(seen.values().next().value as string);
    seen.add(msgId);
    return true;
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
    const pending = conv.peerId === undefined ? undefined : this.replacements.get(conv.peerId);
    if (pending?.includes(conv)) {
      const rest = pending.filter((c) => c !== conv);
      if (rest.length) this.replacements.set(conv.peerId as string, rest);
      else this.replacements.delete(conv.peerId as string);
    }
    if (!this.holds(conv)) return;
    for (const [reason, n] of Object.entries(conversationDrops(conv))) this.forgottenDrops.add(reason, n);
    this.byCid.delete(conv.localCid);
    if (conv.peerId && this.byPeer.get(conv.peerId) === conv) this.byPeer.delete(conv.peerId);
  }

  private create(peerId: string | undefined, peerName: string | undefined, now: number): Conversation {
    let cid = this.randomCid() >>> 0;
    while (this.byCid.has(cid)) cid = (cid + 1) >>> 0;
    const conv = new Conversation(peerId, peerName, cid, now, this.identity, { timings: this.timings });
    this.byCid.set(cid, conv);
    return conv;
  }

  /** Inbound attempts (Punch-opened, introduced, replacements) share one rate and one cap on pending ones. */
  private admitInbound(now: number): boolean {
    for (const c of this.inbound) if (c.state !== 'connecting') this.inbound.delete(c);
    return this.inbound.size < MAX_INBOUND_CONNECTING && this.inboundBucket.take(now);
  }

  /** The seq for our next message to `peerId`: one more than the last, from 1. */
  nextSeq(peerId: string): number {
    const seq = (this.lastSeq.get(peerId) ?? 0) + 1;
    this.lastSeq.set(peerId, seq);
    return seq;
  }

  /** `seq` was never used (the send it numbered was not committed): the next send takes it again. */
  unsend(peerId: string, seq: number): void {
    if (this.lastSeq.get(peerId) === seq) this.lastSeq.set(peerId, seq - 1);
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
