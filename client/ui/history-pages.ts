// A conversation's history in the UI, a page at a time. Opening a conversation asks for its
// newest page; scrolling near the top asks for the page before the oldest loaded message;
// scrolled back to the bottom, far pages are dropped again (memory stays bounded). Every
// loaded message is indexed by msgId: `queued`, `delivered` and `failed` name it.
import type { ClientCommand, HistoryItem } from '../core/events.ts';
import { stripUnsafeLines } from './sanitize.ts';
import type { ChatLine, Conversation, Mark } from './types.ts';

/** Messages per `history` request: a few screens, so one answer keeps well ahead of PageUp. */
export const PAGE_SIZE = 200;
/** A `history` request unanswered this long (ms) is asked again (an answer lost to an error). */
export const REQUEST_RETRY_MS = 10_000;
/** States remembered for messages not loaded when their event came (a later page is not stale). */
const SETTLED_MAX = 4096;

/** The mark of one of our messages in a given state; unknown (later) states show none. */
export function markOf(state: string): Mark | undefined {
  return state === 'queued' || state === 'delivered' || state === 'failed' ? state : undefined;
}

export class HistoryPages {
  private readonly byMsgId = new Map<string, ChatLine>();
  private readonly finalStates = new Map<string, Mark>();
  /** Our lines sent in this run by ref, until their final state. */
  private readonly refs = new Map<string, ChatLine>();

  constructor(
    /** Who we are now: our own messages show our current name (the store may keep another). */
    private readonly self: () => { id: string; name: string },
    private readonly clean: (text: string) => string,
    private readonly now: () => number,
    readonly pageSize = PAGE_SIZE,
  ) {}

  /** The newest page, the first time the conversation is opened; afterwards nothing. */
  newest(conv: Conversation): ClientCommand | undefined {
    if (conv.paging.started && !this.stale(conv, 'newest')) return undefined;
    Object.assign(conv.paging, { started: true, request: 'newest', requestedAt: this.now() });
    return { cmd: 'history', peer: conv.peerId, limit: this.pageSize };
  }

  /** The page before the oldest loaded message, unless one is out or the first is loaded. */
  older(conv: Conversation): ClientCommand | undefined {
    const paging = conv.paging;
    if (!paging.started || this.stale(conv, 'newest')) return this.newest(conv);
    if ((paging.request !== undefined && !this.stale(conv, 'older')) || paging.complete) return undefined;
    const before = conv.lines.find((l) => l.msgId !== undefined)?.msgId;
    if (before === undefined) {
      paging.complete = true; // the newest page was empty: there is no history
      return undefined;
    }
    Object.assign(paging, { request: 'older', requestedAt: this.now() });
    return { cmd: 'history', peer: conv.peerId, limit: this.pageSize, before };
  }

  /** A `history` answer: older than what is loaded, so it goes first; messages already shown are skipped. */
  take(conv: Conversation, items: readonly HistoryItem[]): number {
    const asked = conv.paging.request;
    conv.paging.request = undefined;
    const fresh: ChatLine[] = [];
    for (const item of items) {
      if (this.byMsgId.has(item.msgId)) continue;
      const line = this.lineOf(item);
      fresh.push(line);
      this.byMsgId.set(item.msgId, line);
    }
    conv.lines.unshift(...fresh);
    // A short page is the first one; an older page with nothing new would only repeat.
    if (items.length < this.pageSize || (asked === 'older' && fresh.length === 0)) conv.paging.complete = true;
    return fresh.length;
  }

  /** Our own line, sent under `ref`: `queued` names its msgId. */
  sent(line: ChatLine, ref: string): void {
    this.refs.set(ref, line);
  }

  /** Our sends the client has not confirmed yet (no `queued` so far): they will be queued too. */
  unconfirmed(): number {
    let n = 0;
    for (const line of this.refs.values()) if (line.mark === 'pending') n++;
    return n;
  }

  /** `queued`: the message is in the outbox (…). */
  queued(ref: unknown, msgId: string): void {
    const line = typeof ref === 'string' ? this.refs.get(ref) : undefined;
    if (line && line.msgId === undefined && msgId) this.name(line, msgId);
    if (msgId) this.settle(msgId, 'queued');
  }

  /** `delivered` or `failed`, by msgId (any run's message) and by ref (this run's, even unnamed). */
  settled(ref: unknown, msgId: string, mark: 'delivered' | 'failed', reason?: string): void {
    const byRef = typeof ref === 'string' ? this.refs.get(ref) : undefined;
    if (byRef && byRef.msgId === undefined && msgId) this.name(byRef, msgId);
    const line = msgId ? this.settle(msgId, mark, reason) : undefined;
    if (byRef && byRef !== line) Object.assign(byRef, { mark }, reason === undefined ? {} : { reason });
    if (typeof ref === 'string') this.refs.delete(ref);
  }

  /** A line with its msgId (a message that arrived, or ours once queued): found by it from now on. */
  name(line: ChatLine, msgId: string): void {
    line.msgId = msgId;
    this.byMsgId.set(msgId, line);
    const settled = this.finalStates.get(msgId);
    if (settled !== undefined) line.mark = settled;
  }

  line(msgId: string): ChatLine | undefined {
    return this.byMsgId.get(msgId);
  }

  /** A state by msgId; kept for a page that loads the message later. Never back to queued. */
  private settle(msgId: string, mark: Mark, reason?: string): ChatLine | undefined {
    const line = this.byMsgId.get(msgId);
    if (mark === 'queued') {
      if (line && (line.mark === undefined || line.mark === 'pending')) line.mark = 'queued';
      return line;
    }
    if (line) {
      line.mark = mark;
      if (reason !== undefined) line.reason = reason;
    }
    this.finalStates.set(msgId, mark);
    if (this.finalStates.size > SETTLED_MAX) this.finalStates.delete(this.finalStates.keys().next().value ?? '');
    return line;
  }

  /** Keeps the newest `keep` lines; dropped messages can be loaded again (not complete). */
  trim(conv: Conversation, keep: number): void {
    // An older page on its way would land above a gap: trim after it arrived.
    if (conv.lines.length <= keep || conv.paging.request === 'older') return;
    const dropped = conv.lines.splice(0, conv.lines.length - keep);
    for (const line of dropped) {
      if (line.msgId === undefined) continue;
      this.byMsgId.delete(line.msgId);
      conv.paging.complete = false;
    }
  }

  /** This request is out and unanswered for too long: ask again (a duplicate answer adds nothing). */
  private stale(conv: Conversation, request: 'newest' | 'older'): boolean {
    return conv.paging.request === request && this.now() - (conv.paging.requestedAt ?? 0) > REQUEST_RETRY_MS;
  }

  private lineOf(item: HistoryItem): ChatLine {
    const me = this.self();
    const self = item.fromId === me.id;
    const mark = self ? this.finalStates.get(item.msgId) ?? markOf(String(item.state)) : undefined;
    return {
      kind: 'msg', at: item.sentAt, from: self ? me.name : this.clean(item.from), self, text: stripUnsafeLines(String(item.text)), msgId: item.msgId,
      ...(mark ? { mark } : {}),
    };
  }
}
