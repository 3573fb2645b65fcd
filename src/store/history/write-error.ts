// Any failure of a write → a HistoryWriteError with a code the edge can act on: DISK_FULL
// refuses new sends (and sends no receipt for what was not stored), anything else is
// HISTORY_ERROR. better-sqlite3 throws SqliteError with the extended result code in `code`.

import { HistoryWriteError } from './history-api.ts';

/** SQLite says SQLITE_FULL; the OS may say ENOSPC or EDQUOT (quota) through an I/O error. */
const FULL_CODES = new Set(['SQLITE_FULL', 'ENOSPC', 'EDQUOT']);

export function toWriteError(err: unknown): HistoryWriteError {
  if (err instanceof HistoryWriteError) return err;
  const code = String((err as { code?: unknown } | undefined)?.code ?? '');
  const message = err instanceof Error ? err.message : String(err);
  if (FULL_CODES.has(code) || code.startsWith('SQLITE_FULL') || /database or disk is full|no space left/i.test(message)) {
    return new HistoryWriteError('DISK_FULL', `the disk holding the history is full: ${message}`);
  }
  return new HistoryWriteError('HISTORY_ERROR', `history write failed (${code || 'error'}): ${message}`);
}
