// The outbox, sans-IO: our messages that the recipient has not yet stored, per peer in seq
// order, and when to try each unreachable peer again. A message leaves the outbox only when
// the peer's end-to-end receipt arrives (the recipient has it on disk) — never because a
// transport ack came, a conversation ended or time passed. The edge keeps the same set on
// disk (state `queued`) and restores it here at start; this file only keeps it in memory.
//
// Each entry remembers the conversation (by local cid) it was last handed to, so a new
// conversation gets every entry the old one did not confirm, in order, and a path change
// within one conversation sends nothing twice.
//
// Retries: while a peer with queued messages is unreachable, attempts back off — 1 s,
// doubling, ±20 % jitter, at most 60 s (never a fixed one-a-minute poll). Seeing the peer
// again (listed by a server, or contacting us) resets the backoff and flushes at once.

import type { OutgoingChat } from './chat-message.ts';

/** The first retry delay, and the cap the doubling stops at. */
export const OUTBOX_RETRY_FIRST_MS = 1_000;
export const OUTBOX_RETRY_MAX_MS = 60_000;
/** ±20 %: peers that lost each other at the same moment do not retry in lockstep. */
const JITTER = 0.2;

interface Entry {
  readonly chat: OutgoingChat;
  /** The local cid of the conversation it was last handed to; undefined: on none. */
  on: number | undefined;
}

interface PeerQueue {
  name: string;
  /** In seq order (new messages have the highest seq; restored ones are sorted). */
  entries: Entry[];
  delayMs: number;
  /** When to try again; undefined while an attempt is under way. */
  retryAt: number | undefined;
  /** Listed by a server at the last check: a change to true resets the backoff. */
  listed: boolean;
}

export class Outbox {
  private readonly peers = new Map<string, PeerQueue>();

  /** @param random a number in [0, 1) for the jitter (injectable for tests). */
  constructor(private readonly random: () => number) {}

  /** Adds messages committed to the outbox (new sends, or restored at start), due for delivery now. */
  add(peerId: string, peerName: string, chats: readonly OutgoingChat[], now: number): void {
    let q = this.peers.get(peerId);
    if (!q) this.peers.set(peerId, (q = { name: peerName, entries: [], delayMs: OUTBOX_RETRY_FIRST_MS, retryAt: now, listed: false }));
    q.name = peerName;
    const sorted = q.entries.length > 0 && chats.some((c) => c.seq < (q.entries.at(-1) as Entry).chat.seq);
    for (const chat of chats) q.entries.push({ chat, on: undefined });
    if (sorted) q.entries.sort((a, b) => a.chat.seq - b.chat.seq);
    q.retryAt ??= now;
  }

  /** The receipt for these msgIds arrived: they leave the outbox. Returns those that were in it. */
  receipted(peerId: string, msgIds: readonly string[]): OutgoingChat[] {
    const q = this.peers.get(peerId);
    if (!q) return [];
    const ids = new Set(msgIds);
    const done: OutgoingChat[] = [];
    q.entries = q.entries.filter((e) => {
      if (!ids.has(e.chat.msgId)) return true;
      done.push(e.chat);
      return false;
    });
    if (q.entries.length === 0) this.peers.delete(peerId);
    return done;
  }

  /** Messages to hand to the conversation `cid` with `peerId`: every one not already on it, in seq order. */
  takeFor(peerId: string, cid: number): OutgoingChat[] {
    const q = this.peers.get(peerId);
    if (!q) return [];
    q.retryAt = undefined; // a conversation is carrying them: no retry timer meanwhile
    q.delayMs = OUTBOX_RETRY_FIRST_MS;
    // Entries are handed over in seq order, so those already on `cid` are a prefix: walk back
    // from the newest to the first one it has (O(new), not O(queue), for each send).
    let i = q.entries.length;
    while (i > 0 && (q.entries[i - 1] as Entry).on !== cid) i--;
    const out: OutgoingChat[] = [];
    for (let j = i; j < q.entries.length; j++) {
      const e = q.entries[j] as Entry;
      e.on = cid;
      out.push(e.chat);
    }
    return out;
  }

  /**
   * The conversation `cid` with `peerId` ended (or never opened): what it carried is on no
   * conversation now, and the next attempt waits for the backoff.
   */
  conversationEnded(peerId: string, cid: number, now: number): void {
    const q = this.peers.get(peerId);
    if (!q) return;
    for (const e of q.entries) if (e.on === cid) e.on = undefined;
    this.backOff(q, now);
  }

  /** The peer is (or is not) listed by a server now; becoming listed makes it due at once. */
  setListed(peerId: string, listed: boolean, now: number): void {
    const q = this.peers.get(peerId);
    if (!q || q.listed === listed) return;
    q.listed = listed;
    if (listed && q.retryAt !== undefined) {
      q.delayMs = OUTBOX_RETRY_FIRST_MS;
      q.retryAt = now;
    }
  }

  /** Peers whose retry time has come; each is then waiting on its attempt (see attemptFailed, takeFor). */
  due(now: number): { peerId: string; name: string; listed: boolean }[] {
    const out: { peerId: string; name: string; listed: boolean }[] = [];
    for (const [peerId, q] of this.peers) {
      if (q.retryAt === undefined || q.retryAt > now) continue;
      q.retryAt = undefined;
      out.push({ peerId, name: q.name, listed: q.listed });
    }
    return out;
  }

  /** An attempt could not start or did not connect: try again after the backoff. */
  attemptFailed(peerId: string, now: number): void {
    const q = this.peers.get(peerId);
    if (q) this.backOff(q, now);
  }

  nextTimeout(): number | undefined {
    let next: number | undefined;
    for (const q of this.peers.values()) if (q.retryAt !== undefined && (next === undefined || q.retryAt < next)) next = q.retryAt;
    return next;
  }

  /** Peers with queued messages. */
  peerIds(): IterableIterator<string> {
    return this.peers.keys();
  }

  /** Messages queued for `peerId` (all peers if undefined). */
  count(peerId?: string): number {
    if (peerId !== undefined) return this.peers.get(peerId)?.entries.length ?? 0;
    let n = 0;
    for (const q of this.peers.values()) n += q.entries.length;
    return n;
  }

  /** True while some queued message is on a conversation (`isOpen(cid)`): a receipt may come soon. */
  hasInFlight(isOpen: (cid: number) => boolean): boolean {
    for (const q of this.peers.values()) for (const e of q.entries) if (e.on !== undefined && isOpen(e.on)) return true;
    return false;
  }

  private backOff(q: PeerQueue, now: number): void {
    const jitter = 1 + JITTER * (2 * this.random() - 1);
    q.retryAt = now + Math.round(q.delayMs * jitter);
    q.delayMs = Math.min(q.delayMs * 2, OUTBOX_RETRY_MAX_MS);
  }
}
