// Before a damaged file is moved aside, what was still queued is read out of it so it can be
// carried over to the fresh file: the outbox is a promise, and a damaged index or page
// elsewhere in the file should not break it. Best effort: whatever can be read is kept.

import type { HistoryStoreApi, QueuedRow } from './history-api.ts';
import { SqliteHistory } from './sqlite-history.ts';

export function readQueuedBestEffort(store: HistoryStoreApi): QueuedRow[] {
  try {
    return store.queued();
  } catch {
    // The outbox index may be what is damaged: walk the table itself, row by row.
    return store instanceof SqliteHistory ? store.queuedByScan() : [];
  }
}
