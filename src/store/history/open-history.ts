// Opening a history file: make it safely (modes first), look at its header, open, migrate.
// A file that is not a database or is damaged is moved aside and a fresh one started — the
// caller is told where the old one went (never silently emptied). A file we merely cannot
// open (permissions, locked, from a newer natter) is left alone and reported as an error.

import { basename } from 'node:path';
import Database from 'better-sqlite3';
import type { HistoryStoreApi } from './history-api.ts';
import { headerProblem, moveAside, prepareFile } from './file-guard.ts';
import { applyPragmas, migrate } from './schema.ts';
import { SqliteHistory, type SelfIdentity } from './sqlite-history.ts';

export type OpenResult = { ok: true; store: HistoryStoreApi; movedAside?: string } | { ok: false; message: string };

export interface OpenOptions {
  /** Our identity, as `history` and `search` name our own messages (default: the file's name, "me"). */
  self?: SelfIdentity;
}

/** SQLite's words for "these bytes are not a sound database" (the others are not the file's fault). */
const isDamage = (code: string): boolean => code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT');

type Attempt = { ok: true; store: SqliteHistory } | { ok: false; damaged: boolean; message: string };

export function openHistory(path: string, options: OpenOptions = {}): OpenResult {
  const self = options.self ?? { id: basename(path).replace(/\.sqlite3$/, ''), name: 'me' };
  const first = attempt(path, self);
  if (first.ok) return { ok: true, store: first.store };
  if (!first.damaged) return { ok: false, message: first.message };
  let aside: string;
  try {
    aside = moveAside(path);
  } catch (err) {
    return { ok: false, message: `${path} is damaged (${first.message}) and could not be moved aside: ${(err as Error).message}` };
  }
  const fresh = attempt(path, self);
  if (!fresh.ok) return { ok: false, message: `${path}: moved the damaged file aside to ${aside}, but a new one failed: ${fresh.message}` };
  return { ok: true, store: fresh.store, movedAside: aside };
}

function attempt(path: string, self: SelfIdentity): Attempt {
  try {
    prepareFile(path);
    const problem = headerProblem(path);
    if (problem) return { ok: false, damaged: true, message: problem };
  } catch (err) {
    return { ok: false, damaged: false, message: `cannot use ${path}: ${(err as Error).message}` };
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(path);
    applyPragmas(db);
    const refused = migrate(db);
    if (refused) {
      db.close();
      return { ok: false, damaged: false, message: refused };
    }
    prepareFile(path); // the -wal and -shm exist now: make sure of their modes too
    return { ok: true, store: new SqliteHistory(path, db, self) };
  } catch (err) {
    db?.close();
    const code = String((err as { code?: unknown }).code ?? '');
    return { ok: false, damaged: isDamage(code), message: `${code || 'error'}: ${(err as Error).message}` };
  }
}
