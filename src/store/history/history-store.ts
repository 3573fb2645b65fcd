// The history database's front door for the client's edge: open (with damaged files moved
// aside), the background integrity check, export, retention, and carrying the outbox over
// from a damaged file. The parts live beside it, one job a file; none imports this one.

export type { HistoryStoreApi } from './history-api.ts';
export { HistoryWriteError } from './history-api.ts';
export { defaultDataDir, historyPath } from './paths.ts';
export { moveAside } from './file-guard.ts';
export { openHistory, type OpenOptions, type OpenResult } from './open-history.ts';
export { exportHistory, type ExportResult } from './export-file.ts';
export { readQueuedBestEffort } from './salvage.ts';
export { checkIntegrity, checkIntegrityInWorker, type IntegrityResult } from './check-integrity.ts';
export { RetentionSweeper, startRetention, type RetentionOptions } from './retention.ts';
