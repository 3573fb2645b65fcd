// The UI's data shapes, shared by the model and its parts (history pages, search, view)
// so that none of them imports the model that routes between them.
import type { PathKind } from '../core/events.ts';

/** `pending`: sent, not yet committed; `queued`: in the outbox; both show `…`. */
export type Mark = 'pending' | 'queued' | 'delivered' | 'failed';

export interface ChatLine {
  kind: 'msg' | 'system';
  at: number;
  text: string;
  /** For messages: the sender's name and whether it is us. */
  from?: string;
  self?: boolean;
  mark?: Mark;
  reason?: string;
  /** For messages: its id in the history (absent on our own until `queued` names it). */
  msgId?: string;
}

/** Where a conversation's loaded lines stand against its history on disk. */
export interface Paging {
  /** The newest page was asked for (once per conversation, when it is first opened). */
  started: boolean;
  /** The `history` request out, if any: one at a time per conversation, so each answer is known. */
  request?: 'newest' | 'older';
  /** When it was sent (the model's clock), to ask again if no answer comes. */
  requestedAt?: number;
  /** The oldest message loaded is the conversation's first: nothing older to ask for. */
  complete: boolean;
}

export interface Conversation {
  peerId: string;
  name: string;
  lines: ChatLine[];
  unread: number;
  connected: boolean;
  connecting: boolean;
  via?: PathKind;
  addr?: string;
  paging: Paging;
  /** When its last message arrived or was sent (the model's clock): the list's order. */
  lastAt?: number;
}
