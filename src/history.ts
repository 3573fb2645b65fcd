// What a conversation's history looks like to the client's users (headless `history`,
// `search` and `contacts` events, the UI): shared by the client and its history database.

/**
 * Where one of our messages stands. queued → delivered (the recipient stored it: its
 * end-to-end receipt came back) or failed (terminal: too long, key removed). `received`
 * marks theirs. Later versions may add states (consumers accept unknown ones).
 */
export type MessageState = 'queued' | 'delivered' | 'failed' | 'received';

/** One message of a conversation's history, as `history` returns it (oldest first). */
export interface HistoryItem {
  msgId: string;
  seq: number;
  fromId: string;
  from: string;
  text: string;
  sentAt: number;
  state: MessageState;
  /** Only on our own messages: the ref given to `send`. */
  ref?: unknown;
}

/** One `search` hit, newest first. */
export interface SearchResult {
  peer: string;
  peerId: string;
  msgId: string;
  from: string;
  fromId: string;
  text: string;
  sentAt: number;
}

/** A contact with history or a pinned key; `lastAt` ms since epoch of the last message (0: none). */
export interface ContactEntry {
  id: string;
  name: string;
  online: boolean;
  unread: number;
  /** Our messages to this contact still queued (not yet on the recipient's disk). */
  queued: number;
  lastAt: number;
}
