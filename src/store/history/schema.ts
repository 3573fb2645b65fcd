// The history database's schema and its migrations. Each migration moves the file from
// `user_version` N to N+1 inside one transaction, so a crash mid-migration leaves the old
// version intact; a file from a newer natter (a higher version than we know) is refused
// rather than written to with assumptions it does not meet.

import type Database from 'better-sqlite3';

/** Migration i takes user_version i to i+1. Append only: never edit a shipped one. */
const MIGRATIONS: string[] = [
  `
  -- Every contact with history. unread: their messages not yet seen; last_at: our clock when
  -- the last message was stored (a peer's clock could sit in the future and pin the list);
  -- last_sent_seq: our per-pair seq counter survives retention deleting the rows.
  CREATE TABLE contacts (
    peer_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    unread INTEGER NOT NULL DEFAULT 0,
    last_at INTEGER NOT NULL DEFAULT 0,
    last_sent_seq INTEGER NOT NULL DEFAULT 0
  ) STRICT, WITHOUT ROWID;

  -- One row per message either way. id (the rowid) is the display order: the order we stored
  -- them in, which is what a conversation showed. ref is the send's ref as JSON text.
  CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    msg_id TEXT NOT NULL UNIQUE,
    peer_id TEXT NOT NULL REFERENCES contacts(peer_id),
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    seq INTEGER NOT NULL,
    text TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    state TEXT NOT NULL,
    ref TEXT,
    fail_code TEXT,
    fail_reason TEXT,
    stored_at INTEGER NOT NULL
  ) STRICT;

  -- A conversation's pages: keyset by id within one peer, O(limit) at any depth.
  CREATE INDEX messages_by_peer ON messages(peer_id, id);
  -- The outbox: only queued rows, so it stays as small as the queue, ordered as it is sent.
  CREATE INDEX messages_queued ON messages(peer_id, seq) WHERE state = 'queued';
  -- Retention: the oldest first without a scan of the whole table.
  CREATE INDEX messages_by_time ON messages(sent_at);

  -- Full-text search over messages.text, kept by triggers (external content: the text is
  -- stored once). unicode61 with diacritics folded: "cafe" finds "café".
  CREATE VIRTUAL TABLE messages_fts USING fts5(
    text, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
  );
  CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text);
  END;
  CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
  END;
  CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text);
  END;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Connection settings every connection (writer or checker) uses. */
export function applyPragmas(db: Database.Database): void {
  // WAL: readers (the integrity worker) never block the writer; one fsync per commit.
  db.pragma('journal_mode = WAL');
  // FULL: a committed outbox row or delivery state survives power loss, not only a crash.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  // A second connection (the integrity check) may hold a read lock for a moment.
  db.pragma('busy_timeout = 5000');
}

/** Brings the file to SCHEMA_VERSION; a reason string if it cannot (newer file). */
export function migrate(db: Database.Database): string | undefined {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) return `history file is version ${version}, newer than this natter knows (${SCHEMA_VERSION}); update natter`;
  for (let v = version; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return undefined;
}
