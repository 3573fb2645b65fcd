// `--export FILE`: the whole history as JSON lines, one message a line (the `history` item
// shape plus peer and peerId), streamed row by row and written beside then renamed, so a
// failed export never leaves a half file under the name the user asked for.

import { closeSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import type { HistoryStoreApi } from './history-api.ts';

/** Lines are gathered into chunks of about this many bytes per write call. */
const CHUNK_BYTES = 64 * 1024;

export type ExportResult = { ok: true; count: number } | { ok: false; message: string };

export function exportHistory(store: HistoryStoreApi, file: string): ExportResult {
  const tmp = `${file}.tmp-${process.pid}`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w', 0o600);
    let count = 0;
    let chunk = '';
    for (const item of store.exportItems()) {
      chunk += `${JSON.stringify(item)}\n`;
      count++;
      if (chunk.length >= CHUNK_BYTES) {
        writeSync(fd, chunk);
        chunk = '';
      }
    }
    if (chunk) writeSync(fd, chunk);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
    return { ok: true, count };
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was created, or it is already gone
    }
    return { ok: false, message: `cannot write ${file}: ${(err as Error).message}` };
  }
}
