// Dev-only: an in-memory history for the FakeClient, answering `history`, `search`,
// `contacts` and `read` the way the headless contract says (pages oldest first, search
// newest first, unread per contact), so the UI can be driven without the database.
import type { ContactEntry, HistoryItem, MessageState, SearchResult } from '../../client/core/events.ts';

export interface FakeContact { id: string; name: string }

/** Sent times of seeded history: one message a minute from this fixed day (local time). */
export const SEED_START = new Date(2026, 0, 5, 8, 0).getTime();

export class FakeHistory {
  private readonly byPeer = new Map<string, HistoryItem[]>();
  private readonly names = new Map<string, string>();
  private readonly unread = new Map<string, number>();
  private nextId = 1;

  constructor(private readonly self: { id: string; name: string }) {}

  /** `count` messages alternating between the peer and us; `special` puts given texts at indexes. */
  seed(peer: FakeContact, count: number, special: Record<number, string>, unread: number, queuedAtEnd: string[] = []): void {
    for (let i = 0; i < count; i++) {
      const theirs = i % 2 === 0;
      this.add(peer, theirs, special[i] ?? `${theirs ? peer.name : 'alice'} says ${i}`, theirs ? 'received' : 'delivered', SEED_START + i * 60_000);
    }
    for (const text of queuedAtEnd) this.add(peer, false, text, 'queued', SEED_START + count * 60_000);
    this.unread.set(peer.id, unread);
  }

  add(peer: FakeContact, theirs: boolean, text: string, state: MessageState, sentAt: number): HistoryItem {
    this.names.set(peer.id, peer.name);
    const list = this.byPeer.get(peer.id) ?? [];
    this.byPeer.set(peer.id, list);
    const item: HistoryItem = {
      msgId: `fake${String(this.nextId++).padStart(8, '0')}`, seq: list.length + 1,
      fromId: theirs ? peer.id : this.self.id, from: theirs ? peer.name : this.self.name, text, sentAt, state,
    };
    list.push(item);
    if (theirs) this.unread.set(peer.id, (this.unread.get(peer.id) ?? 0) + 1);
    return item;
  }

  setState(msgId: string, state: MessageState): void {
    for (const list of this.byPeer.values()) for (const item of list) if (item.msgId === msgId) item.state = state;
  }

  /** The peer's id for an id or a name; undefined when it has no history. */
  resolve(peer: string): string | undefined {
    if (this.byPeer.has(peer)) return peer;
    return [...this.names].find(([, name]) => name === peer)?.[0];
  }

  page(peerId: string, limit = 200, before?: string): HistoryItem[] {
    const list = this.byPeer.get(peerId) ?? [];
    const end = before === undefined ? list.length : list.findIndex((m) => m.msgId === before);
    return list.slice(Math.max(0, end - limit), Math.max(0, end)).map((m) => ({ ...m }));
  }

  search(text: string, limit = 50): SearchResult[] {
    const words = text.toLowerCase().split(/\s+/).filter((w) => w !== '');
    const hits: SearchResult[] = [];
    for (const [peerId, list] of this.byPeer) {
      for (const m of list) {
        const have = m.text.toLowerCase().split(/\W+/);
        if (!words.every((w) => have.some((h) => h.startsWith(w)))) continue;
        hits.push({ peer: this.names.get(peerId) ?? '', peerId, msgId: m.msgId, from: m.from, fromId: m.fromId, text: m.text, sentAt: m.sentAt });
      }
    }
    return hits.sort((a, b) => b.sentAt - a.sentAt).slice(0, limit);
  }

  contacts(online: (id: string) => boolean): ContactEntry[] {
    return [...this.byPeer].map(([id, list]) => ({
      id, name: this.names.get(id) ?? '', online: online(id), unread: this.unread.get(id) ?? 0,
      queued: list.filter((m) => m.state === 'queued').length, lastAt: list.at(-1)?.sentAt ?? 0,
    }));
  }

  read(peerId: string): void {
    this.unread.set(peerId, 0);
  }
}
