// Opening a client's history database at start, as the CLI does it: one file per identity
// under the data directory; a damaged file is moved aside and said (never silently emptied);
// the full integrity check runs beside the first screen (a worker), and if it fails the file
// is moved aside then too, with what was still queued carried over to the fresh one.

import { checkIntegrity, historyPath, moveAside, openHistory, readQueuedBestEffort } from '../../src/store/history/history-store.ts';
import type { HistoryStoreApi } from '../../src/store/history/history-api.ts';

export interface OpenedHistory {
  store: HistoryStoreApi;
  /** Resolves once the integrity check is done: with the store to use from then on. */
  check: Promise<{ store: HistoryStoreApi; warning?: string }>;
  /** Said at start: the file could not be opened and was moved aside. */
  warning?: string;
}

/** Opens (creating if needed) the history of `self` (file `DATA/<id>.sqlite3`); a one-line message if even a fresh file cannot be made. */
export function openClientHistory(dataDir: string, self: { id: string; name: string }): OpenedHistory | { error: string } {
  const path = historyPath(dataDir, self.id);
  const opened = openHistory(path, { self });
  if (!opened.ok) return { error: opened.message };
  const warning = opened.movedAside ? `your history file could not be read and was moved aside to ${opened.movedAside}; a new one was started` : undefined;
  const check = checkIntegrity(path).then((result) => {
    if (result.ok) return { store: opened.store };
    // Damaged beyond the quick look at open: keep the queue, move the file aside, start afresh.
    const queued = readQueuedBestEffort(opened.store);
    opened.store.close();
    const aside = moveAside(path);
    const fresh = openHistory(path, { self });
    if (!fresh.ok) throw new Error(fresh.message);
    if (queued.length) fresh.store.commit({ outgoing: queued });
    return {
      store: fresh.store,
      warning: `your history file failed its integrity check (${result.detail}) and was moved aside to ${aside}; ${queued.length} queued message(s) were carried over to a new one`,
    };
  });
  return { store: opened.store, check, ...(warning ? { warning } : {}) };
}
