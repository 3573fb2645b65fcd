// The history store on one open SQLite connection: commit() writes everything one I/O round
// produced in one transaction (group commit: one fsync for the round, not one per message),
// and the reads serve the outbox at start, conversation pages, search, contacts and export.

import type Database from 'better-sqlite3';
import type { ContactEntry, HistoryItem, MessageState, SearchResult } from '../../history.ts';
import type { CommitBatch, CommitResult, HistoryStoreApi, QueuedRow } from './history-api.ts';
import { ftsQuery } from './fts-query.ts';
import { prepareStatements, type MessageRow, type Statements } from './statements.ts';
import { toWriteError } from './write-error.ts';

/** Who "we" are in this file: the identity whose messages are direction 'out'. */
export interface SelfIdentity {
  id: string;
  name: string;
}

/** Larger than any rowid SQLite hands out before it runs out of 63-bit ids: "from the newest". */
const AFTER_NEWEST = Number.MAX_SAFE_INTEGER;

export class SqliteHistory implements HistoryStoreApi {
  private readonly sql: Statements;
  private readonly commitTx: (batch: CommitBatch, now: number) => Set<string>;
  private closed = false;

  constructor(
    readonly path: string,
    private readonly db: Database.Database,
    private readonly self: SelfIdentity,
  ) {
    this.sql = prepareStatements(db);
    this.commitTx = db.transaction((batch: CommitBatch, now: number) => this.write(batch, now));
  }

  commit(batch: CommitBatch): CommitResult {
    try {
      // better-sqlite3 rolls the transaction back when the function throws.
      return { inserted: this.commitTx(batch, Date.now()) };
    } catch (err) {
      throw toWriteError(err);
    }
  }

  private write(batch: CommitBatch, now: number): Set<string> {
    const s = this.sql;
    const outgoing = batch.outgoing ?? [];
    const incoming = batch.incoming ?? [];
    // Contacts are touched once per peer per batch, not once per message: a round of 64
    // messages from one peer costs one upsert and one counter update, not 128 statements.
    const names = new Map<string, string>();
    for (const row of [...outgoing, ...incoming]) names.set(row.peerId, row.peerName);
    for (const n of batch.names ?? []) names.set(n.peerId, n.name);
    for (const [peerId, name] of names) s.upsertContact.run(peerId, name);
    const lastSeq = new Map<string, number>();
    for (const o of outgoing) {
      s.insertOutgoing.run(o.msgId, o.peerId, o.seq, o.text, o.sentAt, o.ref === undefined ? null : JSON.stringify(o.ref), now);
      lastSeq.set(o.peerId, Math.max(lastSeq.get(o.peerId) ?? 0, o.seq));
    }
    for (const [peerId, seq] of lastSeq) s.noteSent.run(now, seq, peerId);
    const inserted = new Set<string>();
    const newPerPeer = new Map<string, number>();
    for (const i of incoming) {
      if (s.insertIncoming.get(i.msgId, i.peerId, i.seq, i.text, i.sentAt, now) === undefined) continue;
      inserted.add(i.msgId);
      newPerPeer.set(i.peerId, (newPerPeer.get(i.peerId) ?? 0) + 1);
    }
    for (const [peerId, count] of newPerPeer) s.bumpUnread.run(count, now, peerId);
    for (const msgId of batch.delivered ?? []) s.markDelivered.run(msgId);
    for (const f of batch.failed ?? []) s.markFailed.run(f.code, f.reason, f.msgId);
    return inserted;
  }

  queued(): QueuedRow[] {
    const rows = this.sql.queued.all() as { msg_id: string; peer_id: string; seq: number; text: string; sent_at: number; ref: string | null; peer_name: string }[];
    return rows.map((r) => {
      const row: QueuedRow = { msgId: r.msg_id, peerId: r.peer_id, peerName: r.peer_name, seq: r.seq, text: r.text, sentAt: r.sent_at };
      const ref = parseRef(r.ref);
      if (ref !== undefined) row.ref = ref;
      return row;
    });
  }

  /**
   * The queued rows found by walking the table without its indexes (which may be the damaged
   * part), keeping every row read before the walk hits a bad page. Never throws.
   */
  queuedByScan(): QueuedRow[] {
    const rows: QueuedRow[] = [];
    try {
      const scan = this.db.prepare("SELECT msg_id, peer_id, seq, text, sent_at, ref FROM messages NOT INDEXED WHERE state = 'queued'");
      for (const r of scan.iterate() as IterableIterator<{ msg_id: string; peer_id: string; seq: number; text: string; sent_at: number; ref: string | null }>) {
        const row: QueuedRow = { msgId: r.msg_id, peerId: r.peer_id, peerName: this.safeNameOf(r.peer_id), seq: r.seq, text: r.text, sentAt: r.sent_at };
        const ref = parseRef(r.ref);
        if (ref !== undefined) row.ref = ref;
        rows.push(row);
      }
    } catch {
      // a bad page: keep what came before it
    }
    return rows.sort((a, b) => (a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : a.seq - b.seq));
  }

  private safeNameOf(peerId: string): string {
    try {
      return this.nameOf(peerId) ?? peerId;
    } catch {
      return peerId;
    }
  }

  lastSentSeqs(): Map<string, number> {
    const rows = this.sql.lastSentSeqs.all() as { peer_id: string; last_sent_seq: number }[];
    return new Map(rows.map((r) => [r.peer_id, r.last_sent_seq]));
  }

  history(peerId: string, limit: number, before?: string): HistoryItem[] {
    let beforeId = AFTER_NEWEST;
    if (before !== undefined) {
      const found = this.sql.idOf.get(before, peerId) as { id: number } | undefined;
      // An unknown anchor has nothing before it that we could name honestly.
      if (!found) return [];
      beforeId = found.id;
    }
    const rows = this.sql.page.all(peerId, beforeId, Math.max(0, Math.floor(limit))) as MessageRow[];
    if (rows.length === 0) return [];
    const name = this.nameOf(peerId) ?? peerId;
    return rows.reverse().map((r) => this.item(r, name));
  }

  historyFrom(peerId: string, limit: number, from: string): HistoryItem[] {
    const found = this.sql.idOf.get(from, peerId) as { id: number } | undefined;
    if (!found) return [];
    const rows = this.sql.pageFrom.all(peerId, found.id, Math.max(0, Math.floor(limit))) as MessageRow[];
    if (rows.length === 0) return [];
    const name = this.nameOf(peerId) ?? peerId;
    return rows.map((r) => this.item(r, name));
  }

  search(text: string, limit: number): SearchResult[] {
    const query = ftsQuery(text);
    if (query === undefined) return [];
    const rows = this.sql.search.all(query, Math.max(0, Math.floor(limit))) as MessageRow[];
    return rows.map((r) => {
      const item = this.item(r);
      return { peer: r.peer_name, peerId: r.peer_id, msgId: r.msg_id, from: item.from, fromId: item.fromId, text: r.text, sentAt: r.sent_at };
    });
  }

  contacts(): ContactEntry[] {
    const rows = this.sql.contacts.all() as { peer_id: string; name: string; unread: number; last_at: number; queued: number }[];
    return rows.map((r) => ({ id: r.peer_id, name: r.name, online: false, unread: r.unread, queued: r.queued, lastAt: r.last_at }));
  }

  nameOf(peerId: string): string | undefined {
    return (this.sql.nameOf.get(peerId) as { name: string } | undefined)?.name;
  }

  markRead(peerId: string): void {
    try {
      this.sql.markRead.run(peerId);
    } catch (err) {
      throw toWriteError(err);
    }
  }

  deleteOlderThan(before: number, batch: number): number {
    try {
      return this.sql.deleteOld.run(before, Math.max(0, Math.floor(batch))).changes;
    } catch (err) {
      throw toWriteError(err);
    }
  }

  *exportItems(): Iterable<HistoryItem & { peer: string; peerId: string }> {
    // iterate() streams rows: a million-message export never sits in memory at once.
    for (const r of this.sql.all.iterate() as IterableIterator<MessageRow>) {
      yield { ...this.item(r), peer: r.peer_name, peerId: r.peer_id };
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.db.close();
    } catch {
      // Closing a connection whose file vanished or broke: nothing left to save.
    }
  }

  private item(r: MessageRow, peerName: string = r.peer_name): HistoryItem {
    const ours = r.direction === 'out';
    const item: HistoryItem = {
      msgId: r.msg_id,
      seq: r.seq,
      fromId: ours ? this.self.id : r.peer_id,
      from: ours ? this.self.name : peerName,
      text: r.text,
      sentAt: r.sent_at,
      state: (ours ? r.state : 'received') as MessageState,
    };
    if (ours) {
      const ref = parseRef(r.ref);
      if (ref !== undefined) item.ref = ref;
    }
    return item;
  }
}

/** Stored JSON text → the ref; a row someone edited by hand must not throw at read. */
function parseRef(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
