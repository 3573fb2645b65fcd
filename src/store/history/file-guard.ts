// The file-level care around the history database: the directory 0700 and the file 0600
// before SQLite ever opens it (SQLite gives its -wal and -shm the main file's mode), a cheap
// look at the header that catches a file that is not a database or was cut short, and the
// move aside of a damaged file with its -wal and -shm (never deleted: the user decides).

import { chmodSync, closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

const MAGIC = 'SQLite format 3\0';
const HEADER_BYTES = 100;
/** The companions a WAL database keeps beside it; they belong with it wherever it goes. */
export const COMPANIONS = ['-wal', '-shm'] as const;

/** Makes the directory (0700) and an empty file (0600) if missing; tightens an existing file. */
export function prepareFile(path: string): void {
  const dir = dirname(path);
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  }
  // 'a': create if missing, never truncate; the mode applies only when it creates.
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
  for (const suffix of COMPANIONS) {
    if (existsSync(path + suffix)) chmodSync(path + suffix, 0o600);
  }
}

/**
 * Why the file cannot be a sound SQLite database, judged from its size and first 100 bytes
 * alone (O(1), so it runs at every start); undefined when it looks fine or is empty (new).
 */
export function headerProblem(path: string): string | undefined {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return undefined;
    const header = Buffer.alloc(HEADER_BYTES);
    const read = readSync(fd, header, 0, HEADER_BYTES, 0);
    if (read < HEADER_BYTES || header.toString('latin1', 0, 16) !== MAGIC) return 'not an SQLite database';
    const raw = header.readUInt16BE(16);
    const pageSize = raw === 1 ? 65536 : raw;
    if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return `bad page size ${raw}`;
    // With a WAL beside it the size says nothing: a crash in the middle of a checkpoint leaves
    // page 1 (the new page count) written and later pages not yet, and SQLite recovers that
    // from the WAL. Only a file with no WAL to finish it must be whole.
    if (hasWal(path)) return undefined;
    if (size % pageSize !== 0) return `file size ${size} is not a whole number of ${pageSize}-byte pages (cut short)`;
    // The in-header page count is valid only when its version stamp matches the change counter.
    const pages = header.readUInt32BE(28);
    const valid = header.readUInt32BE(92) === header.readUInt32BE(24);
    if (valid && pages > 0 && size < pages * pageSize) return `file holds ${size / pageSize} of its ${pages} pages (cut short)`;
    return undefined;
  } finally {
    closeSync(fd);
  }
}

function hasWal(path: string): boolean {
  try {
    return statSync(`${path}-wal`).size > 0;
  } catch {
    return false;
  }
}

/** Renames the file and its -wal/-shm to `PATH.damaged-<ISO time>`; returns the new name. */
export function moveAside(path: string, now: number = Date.now()): string {
  // Colons are legal here but not on every filesystem a user might copy the file to.
  const stamp = new Date(now).toISOString().replaceAll(':', '-');
  let aside = `${path}.damaged-${stamp}`;
  for (let n = 2; existsSync(aside); n++) aside = `${path}.damaged-${stamp}-${n}`;
  renameSync(path, aside);
  for (const suffix of COMPANIONS) {
    if (existsSync(path + suffix)) renameSync(path + suffix, aside + suffix);
  }
  return aside;
}
