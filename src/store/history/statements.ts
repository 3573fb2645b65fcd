// Every statement the history store runs, prepared once per connection (better-sqlite3
// caches nothing by itself; re-preparing per message would cost more than the insert).

import type Database from 'better-sqlite3';

/** Columns a HistoryItem is built from. */
export const ITEM_COLUMNS = 'm.id, m.msg_id, m.peer_id, m.direction, m.seq, m.text, m.sent_at, m.state, m.ref, c.name AS peer_name';

export interface MessageRow {
  id: number;
  msg_id: string;
  peer_id: string;
  direction: 'in' | 'out';
  seq: number;
  text: string;
  sent_at: number;
  state: string;
  ref: string | null;
  peer_name: string;
}

export function prepareStatements(db: Database.Database) {
  return {
    upsertContact: db.prepare<[string, string]>(
      'INSERT INTO contacts(peer_id, name) VALUES (?, ?) ON CONFLICT(peer_id) DO UPDATE SET name = excluded.name',
    ),
    insertIncoming: db.prepare<[string, string, number, string, number, number]>(
      `INSERT INTO messages(msg_id, peer_id, direction, seq, text, sent_at, state, stored_at)
       VALUES (?, ?, 'in', ?, ?, ?, 'received', ?) ON CONFLICT(msg_id) DO NOTHING RETURNING id`,
    ),
    bumpUnread: db.prepare<[number, number, string]>('UPDATE contacts SET unread = unread + ?, last_at = max(last_at, ?) WHERE peer_id = ?'),
    insertOutgoing: db.prepare<[string, string, number, string, number, string | null, number]>(
      `INSERT INTO messages(msg_id, peer_id, direction, seq, text, sent_at, state, ref, stored_at)
       VALUES (?, ?, 'out', ?, ?, ?, 'queued', ?, ?)`,
    ),
    noteSent: db.prepare<[number, number, string]>(
      'UPDATE contacts SET last_at = max(last_at, ?), last_sent_seq = max(last_sent_seq, ?) WHERE peer_id = ?',
    ),
    // A receipt is the recipient's word that it has the message: it wins over anything but
    // itself. Only our own rows: a peer cannot mark its own messages through us.
    markDelivered: db.prepare<[string]>(
      "UPDATE messages SET state = 'delivered', fail_code = NULL, fail_reason = NULL WHERE msg_id = ? AND direction = 'out' AND state <> 'delivered'",
    ),
    markFailed: db.prepare<[string, string, string]>(
      "UPDATE messages SET state = 'failed', fail_code = ?, fail_reason = ? WHERE msg_id = ? AND direction = 'out' AND state = 'queued'",
    ),
    queued: db.prepare<[]>(
      `SELECT m.msg_id, m.peer_id, m.seq, m.text, m.sent_at, m.ref, c.name AS peer_name
       FROM messages m JOIN contacts c ON c.peer_id = m.peer_id WHERE m.state = 'queued' ORDER BY m.peer_id, m.seq`,
    ),
    lastSentSeqs: db.prepare<[]>('SELECT peer_id, last_sent_seq FROM contacts WHERE last_sent_seq > 0'),
    idOf: db.prepare<[string, string]>('SELECT id FROM messages WHERE msg_id = ? AND peer_id = ?'),
    // One peer's page: its name is read once by the caller, not joined per row.
    page: db.prepare<[string, number, number]>(
      `SELECT m.id, m.msg_id, m.peer_id, m.direction, m.seq, m.text, m.sent_at, m.state, m.ref, '' AS peer_name
       FROM messages m WHERE m.peer_id = ? AND m.id < ? ORDER BY m.id DESC LIMIT ?`,
    ),
    pageFrom: db.prepare<[string, number, number]>(
      `SELECT m.id, m.msg_id, m.peer_id, m.direction, m.seq, m.text, m.sent_at, m.state, m.ref, '' AS peer_name
       FROM messages m WHERE m.peer_id = ? AND m.id >= ? ORDER BY m.id LIMIT ?`,
    ),
    // FTS5 walks its doclist by rowid, so newest first with a LIMIT stops early.
    search: db.prepare<[string, number]>(
      `SELECT ${ITEM_COLUMNS} FROM messages_fts f JOIN messages m ON m.id = f.rowid JOIN contacts c ON c.peer_id = m.peer_id
       WHERE messages_fts MATCH ? ORDER BY f.rowid DESC LIMIT ?`,
    ),
    contacts: db.prepare<[]>(
      `SELECT c.peer_id, c.name, c.unread, c.last_at,
         (SELECT count(*) FROM messages q WHERE q.peer_id = c.peer_id AND q.state = 'queued') AS queued
       FROM contacts c ORDER BY c.last_at DESC, c.name`,
    ),
    nameOf: db.prepare<[string]>('SELECT name FROM contacts WHERE peer_id = ?'),
    markRead: db.prepare<[string]>('UPDATE contacts SET unread = 0 WHERE peer_id = ? AND unread <> 0'),
    // Oldest first by sent_at (the index); never a queued message: the outbox is a promise.
    deleteOld: db.prepare<[number, number]>(
      `DELETE FROM messages WHERE id IN (
         SELECT id FROM messages WHERE sent_at < ? AND state <> 'queued' ORDER BY sent_at LIMIT ?)`,
    ),
    all: db.prepare<[]>(`SELECT ${ITEM_COLUMNS} FROM messages m JOIN contacts c ON c.peer_id = m.peer_id ORDER BY m.id`),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
