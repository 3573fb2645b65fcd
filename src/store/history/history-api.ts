// The contract between the client's edge and its history database (one SQLite file per
// identity, src/store/history/). The edge feeds it what the engine said (sends, messages,
// receipts) in batches — one transaction per I/O round (group commit) — and reads history,
// search results, contacts and the outbox back. No engine opens the database.

import type { ContactEntry, HistoryItem, SearchResult } from '../../history.ts';

/** One of our messages, as committed to the outbox before anything is sent. */
export interface OutgoingRow {
  msgId: string;
  peerId: string;
  /** The peer's name when it was sent (a label; the id is the identity). */
  peerName: string;
  seq: number;
  text: string;
  sentAt: number;
  /** The send's ref (any JSON value), returned with every event about the message. */
  ref?: unknown;
}

/** A message from a peer, stored before its receipt is sent: an outgoing row's fields without a ref. */
export type IncomingRow = Omit<OutgoingRow, 'ref'>;

/** Everything one I/O round changes, committed in one transaction. */
export interface CommitBatch {
  outgoing?: OutgoingRow[];
  incoming?: IncomingRow[];
  /** msgIds of our messages whose receipt arrived. */
  delivered?: string[];
  /** Our messages that failed for good (terminal): msgId and why. */
  failed?: { msgId: string; code: string; reason: string }[];
  /** A contact's current name (from a handshake, a peer list or a rename). */
  names?: { peerId: string; name: string }[];
}

export interface CommitResult {
  /** msgIds of `incoming` newly stored (the others were duplicates: shown before, receipt again). */
  inserted: Set<string>;
}

/** Why a commit failed: DISK_FULL (SQLITE_FULL, ENOSPC) or another I/O or database error. */
export class HistoryWriteError extends Error {
  constructor(
    readonly code: 'DISK_FULL' | 'HISTORY_ERROR',
    message: string,
  ) {
    super(message);
    this.name = 'HistoryWriteError';
  }
}

/** A queued message as the outbox restores it at start (state `queued`, by peer then seq). */
export type QueuedRow = OutgoingRow;

export interface HistoryStoreApi {
  readonly path: string;
  /** One transaction; throws HistoryWriteError and then changes nothing. */
  commit(batch: CommitBatch): CommitResult;
  /** Every message still queued, ordered by peer and seq. */
  queued(): QueuedRow[];
  /** The highest seq we ever sent to each peer (the seq counters continue from there). */
  lastSentSeqs(): Map<string, number>;
  /** Up to `limit` messages with `peerId` before `before` (a msgId; default: the newest), oldest first. */
  history(peerId: string, limit: number, before?: string): HistoryItem[];
  /**
   * Up to `limit` messages with `peerId` starting AT `from` (a msgId, included) and newer, oldest
   * first: with history(peerId, n, from) it loads the page around a search hit. Optional so a
   * test double need not have it; the SQLite store does.
   */
  historyFrom?(peerId: string, limit: number, from: string): HistoryItem[];
  /** FTS5 word and prefix search across all conversations, newest first; any text is safe (quoted). */
  search(text: string, limit: number): SearchResult[];
  /** Every contact with history, with unread counts and last activity (online is the caller's: false here). */
  contacts(): ContactEntry[];
  /** The contact's name as last stored, if any. */
  nameOf(peerId: string): string | undefined;
  markRead(peerId: string): void;
  /** Deletes up to `batch` messages older than `before` (ms since epoch), never queued ones; returns how many. */
  deleteOlderThan(before: number, batch: number): number;
  /** Every message, oldest first, as export lines (HistoryItem plus peer and peerId). */
  exportItems(): Iterable<HistoryItem & { peer: string; peerId: string }>;
  close(): void;
}
