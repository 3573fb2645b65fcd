// The full `PRAGMA integrity_check` reads every page: seconds on a million messages. It runs
// on a second, read-only connection (WAL lets it read while the first one writes), so the
// first screen never waits for it. checkIntegrity() runs it in a worker thread; the worker
// and the fallback share runCheck().

import Database from 'better-sqlite3';

export type IntegrityResult = { ok: true; skipped?: string } | { ok: false; detail: string };

/** How many problems integrity_check lists before it stops (the first few tell the story). */
const MAX_ERRORS = 10;

const isDamage = (code: string): boolean => code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT');

/**
 * ok, or the problems found. A check that could not run for reasons other than damage (the
 * file is gone, locked, unreadable) is not evidence against the file: ok with `skipped`.
 */
export function runCheck(path: string): IntegrityResult {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    const rows = db.pragma(`integrity_check(${MAX_ERRORS})`) as { integrity_check: string }[];
    const problems = rows.map((r) => r.integrity_check).filter((r) => r !== 'ok');
    return problems.length === 0 ? { ok: true } : { ok: false, detail: problems.join('; ') };
  } catch (err) {
    const code = String((err as { code?: unknown }).code ?? '');
    const message = `${code || 'error'}: ${(err as Error).message}`;
    return isDamage(code) ? { ok: false, detail: message } : { ok: true, skipped: message };
  } finally {
    db?.close();
  }
}
