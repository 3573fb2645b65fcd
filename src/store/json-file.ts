// The plumbing every small JSON file of ours shares (known peers, server pins, identities):
// read it (a missing file is "nothing yet", an unreadable one an error with the reason),
// parse it into a plain object without throwing, and replace it atomically with mode 0600
// in a 0700 directory (written beside, then renamed: a crash keeps the old file).

import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type ReadResult = { ok: true; text: string | undefined } | { ok: false; message: string };

/** The file's text; `text` undefined when there is no file. */
export function readOptional(path: string): ReadResult {
  try {
    return { ok: true, text: readFileSync(path, 'utf8') };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, text: undefined };
    return { ok: false, message: `cannot read ${path}: ${(err as Error).message}` };
  }
}

/** JSON text → a plain object, or undefined (never throws). */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  return typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? (doc as Record<string, unknown>) : undefined;
}

/** Replaces `path` with `doc` as JSON; returns the reason it could not, or undefined. */
export function writeJsonAtomically(path: string, doc: unknown): string | undefined {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(tmp, JSON.stringify(doc, null, 2) + '\n', { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, path);
    return undefined;
  } catch (err) {
    return `cannot write ${path}: ${(err as Error).message}`;
  }
}
