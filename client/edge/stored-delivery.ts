// Between the engine and the history database: what people said goes to disk before anything
// else happens to it. A send is committed to the outbox before it is queued in the engine
// (and so before it is shown or sent); a message from a peer is committed before it is shown
// and before its receipt goes back (`delivered` on the other side means "on this disk"); a
// receipt's `delivered` is committed before it is shown. Everything one round of I/O brings
// is committed in ONE transaction (group commit, on setImmediate): durability costs one
// fsync per round, not one per message.
//
// Events keep their order: from the first event that waits for a commit, every later one
// waits behind it. A message already stored (sent again after its receipt was lost) is not
// shown again; its receipt goes again.

import { HistoryWriteError, type CommitBatch, type HistoryStoreApi, type IncomingRow, type OutgoingRow } from '../../src/store/history/history-api.ts';
import type { ClientEngine } from '../core/client-engine.ts';
import type { PreparedSend } from '../core/delivery.ts';
import type { ClientEvent } from '../core/events.ts';

interface Batch {
  sends: PreparedSend[];
  incoming: IncomingRow[];
  delivered: string[];
  /** Events in the order the engine gave them, held until the commit. */
  events: ClientEvent[];
}

const emptyBatch = (): Batch => ({ sends: [], incoming: [], delivered: [], events: [] });

export class StoredDelivery {
  private batch = emptyBatch();
  private scheduled = false;
  /** Until the integrity check at start passed, commits wait (reads do not). */
  private open = false;
  private readonly settledWaiters: (() => void)[] = [];

  constructor(
    private store: HistoryStoreApi,
    private readonly engine: ClientEngine,
    private readonly emit: (ev: ClientEvent) => void,
    private readonly now: () => number,
    /** After a commit: the engine has events and datagrams to hand out. */
    private readonly afterCommit: () => void,
  ) {}

  get history(): HistoryStoreApi {
    return this.store;
  }

  /** The integrity check passed (or the damaged file was replaced by `store`): commits may start. */
  opened(store: HistoryStoreApi = this.store): void {
    this.store = store;
    this.open = true;
    this.schedule();
  }

  /** Numbers the message and holds it for the next commit. Throws NatterError for an unknown peer. */
  send(peer: string, text: string, ref: unknown, wallNow: number): void {
    const prepared = this.engine.prepareSend(peer, text, ref, this.now(), wallNow);
    if (!prepared) return;
    this.batch.sends.push(prepared);
    this.schedule();
  }

  /** An event from the engine: passed on now, or held behind a commit. */
  event(ev: ClientEvent): void {
    const b = this.batch;
    if (ev.event === 'message') {
      b.incoming.push({ msgId: ev.msgId, peerId: ev.fromId, peerName: ev.from, seq: ev.seq, text: ev.text, sentAt: ev.sentAt });
    } else if (ev.event === 'delivered') {
      b.delivered.push(ev.msgId);
    } else if (b.events.length === 0) {
      return this.emit(ev);
    }
    b.events.push(ev);
    this.schedule();
  }

  /** True while something waits for a commit. */
  get pending(): boolean {
    return this.batch.sends.length > 0 || this.batch.events.length > 0;
  }

  /** Resolves once nothing waits for a commit (end of input waits for this before it quits). */
  settled(): Promise<void> {
    if (!this.pending) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  /** Commits what waits now, if the database is open (tests and shutdown). */
  flush(): void {
    this.scheduled = false;
    if (!this.open || !this.pending) return;
    const b = this.batch;
    this.batch = emptyBatch();
    const commit: CommitBatch = { outgoing: b.sends.map(toRow), incoming: b.incoming, delivered: b.delivered };
    let inserted: Set<string> | undefined;
    let failure: HistoryWriteError | undefined;
    try {
      inserted = this.store.commit(commit).inserted;
    } catch (err) {
      if (!(err instanceof HistoryWriteError)) throw err;
      failure = err;
    }
    const now = this.now();
    if (failure) this.failed(b, failure);
    else this.engine.enqueue(b.sends, now); // `queued`, then onto the wire: after the commit, never before
    const receipts = new Map<string, string[]>();
    for (const ev of b.events) {
      if (ev.event !== 'message') this.emit(ev);
      else if (inserted) {
        if (inserted.has(ev.msgId)) this.emit(ev);
        const ids = receipts.get(ev.fromId) ?? [];
        ids.push(ev.msgId);
        receipts.set(ev.fromId, ids);
      }
    }
    for (const [peerId, ids] of receipts) this.engine.stored(peerId, ids, now);
    this.afterCommit();
    if (!this.pending) for (const w of this.settledWaiters.splice(0)) w();
  }

  /**
   * The commit failed (disk full, I/O error): the sends never happened (an error each, with
   * its ref; nothing was sent), the peers' messages are not shown and get no receipt (their
   * senders keep them queued and send them again), and what was already on disk is untouched.
   */
  private failed(b: Batch, err: HistoryWriteError): void {
    this.engine.abandon(b.sends);
    for (const s of b.sends) this.emit({ event: 'error', code: err.code, message: `not sent: ${err.message}`, ref: s.chat.ref });
    const lost = b.incoming.length;
    if (lost > 0) {
      this.emit({ event: 'warning', code: 'HISTORY_NOT_SAVED', message: `${lost} message(s) from peers could not be stored (${err.message}); their senders keep them and send them again` });
    }
  }

  private schedule(): void {
    if (this.scheduled || !this.open) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }
}

function toRow(s: PreparedSend): OutgoingRow {
  return { msgId: s.chat.msgId, peerId: s.peerId, peerName: s.peerName, seq: s.chat.seq, text: s.chat.text, sentAt: s.chat.sentAt, ref: s.chat.ref };
}
