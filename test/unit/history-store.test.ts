import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { IncomingRow, OutgoingRow } from '../../src/store/history/history-api.ts';
import { HistoryWriteError, openHistory, type HistoryStoreApi } from '../../src/store/history/history-store.ts';
import { SCHEMA_VERSION } from '../../src/store/history/schema.ts';

const ALICE = { id: 'a'.repeat(64), name: 'alice' };
const BOB = 'b'.repeat(64);
const CAROL = 'c'.repeat(64);

const out = (n: number, extra: Partial<OutgoingRow> = {}): OutgoingRow => ({
  msgId: `out-${n}`, peerId: BOB, peerName: 'bob', seq: n, text: `hello bob ${n}`, sentAt: 1_000 + n, ...extra,
});
const inc = (n: number, extra: Partial<IncomingRow> = {}): IncomingRow => ({
  msgId: `in-${n}`, peerId: BOB, peerName: 'bob', seq: n, text: `hi alice ${n}`, sentAt: 2_000 + n, ...extra,
});

describe('history store: schema, commit and reads on a real file', () => {
  let dir: string;
  let n = 0;
  const fresh = (): HistoryStoreApi => {
    const opened = openHistory(join(dir, `h${n++}`, `${ALICE.id}.sqlite3`), { self: ALICE });
    assert.ok(opened.ok, opened.ok ? '' : opened.message);
    assert.equal(opened.movedAside, undefined);
    return opened.store;
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'natter-history-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the schema from user_version 0: STRICT tables, WAL, foreign keys, the indexes and FTS', () => {
    const store = fresh();
    store.close();
    const db = new Database(store.path, { readonly: true });
    assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    const tables = db.prepare("SELECT name, sql FROM sqlite_master WHERE type IN ('table', 'index')").all() as { name: string; sql: string | null }[];
    const byName = new Map(tables.map((t) => [t.name, t.sql ?? '']));
    assert.match(byName.get('messages')!, /\) STRICT$/);
    assert.match(byName.get('contacts')!, /STRICT, WITHOUT ROWID$/);
    for (const name of ['messages_by_peer', 'messages_queued', 'messages_by_time', 'messages_fts']) assert.ok(byName.has(name), name);
    db.close();
    // Reopening a current file runs no migration and keeps what is there.
    const again = openHistory(store.path, { self: ALICE });
    assert.ok(again.ok);
    again.store.close();
  });

  it('refuses a file from a newer natter without touching it', () => {
    const store = fresh();
    store.close();
    const db = new Database(store.path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const opened = openHistory(store.path, { self: ALICE });
    assert.equal(opened.ok, false);
    assert.match(opened.ok ? '' : opened.message, /newer/);
  });

  it('outgoing rows are queued, by peer then seq, and the seq counters continue after reopening', () => {
    const store = fresh();
    store.commit({ outgoing: [out(1, { ref: { n: 1 } }), out(2), out(1, { msgId: 'c-1', peerId: CAROL, peerName: 'carol' })] });
    const queued = store.queued();
    assert.deepEqual(queued.map((q) => q.msgId).sort(), ['c-1', 'out-1', 'out-2']);
    assert.deepEqual(queued.filter((q) => q.peerId === BOB).map((q) => q.seq), [1, 2]);
    assert.deepEqual(queued.find((q) => q.msgId === 'out-1')?.ref, { n: 1 });
    store.close();
    const again = openHistory(store.path, { self: ALICE });
    assert.ok(again.ok);
    assert.deepEqual(again.store.lastSentSeqs(), new Map([[BOB, 2], [CAROL, 1]]));
    assert.equal(again.store.queued().length, 3, 'the outbox survives a restart');
    again.store.close();
  });

  it('a batch is one transaction: a duplicate outgoing msgId fails the whole batch and nothing is written', () => {
    const store = fresh();
    store.commit({ outgoing: [out(1)] });
    assert.throws(
      () => store.commit({ outgoing: [out(2), out(1)], incoming: [inc(1)], delivered: ['out-1'] }),
      (err: unknown) => err instanceof HistoryWriteError && err.code === 'HISTORY_ERROR',
    );
    assert.deepEqual(store.queued().map((q) => q.msgId), ['out-1'], 'out-2 rolled back, out-1 still queued');
    assert.deepEqual(store.history(BOB, 10).map((h) => h.msgId), ['out-1'], 'the incoming row rolled back too');
    assert.equal(store.contacts()[0]?.unread, 0);
    store.close();
  });

  it('incoming rows are stored once: a duplicate is reported as not inserted and counts no unread', () => {
    const store = fresh();
    const first = store.commit({ incoming: [inc(1), inc(2)] });
    assert.deepEqual([...first.inserted].sort(), ['in-1', 'in-2']);
    const second = store.commit({ incoming: [inc(2), inc(3), inc(3)] });
    assert.deepEqual([...second.inserted], ['in-3'], 'in-2 was stored before; in-3 twice in one batch counts once');
    const bob = store.contacts().find((c) => c.id === BOB);
    assert.equal(bob?.unread, 3);
    assert.ok((bob?.lastAt ?? 0) > 0);
    store.close();
  });

  it('receipts mark only our own messages, failed is terminal, and delivered is never downgraded', () => {
    const store = fresh();
    store.commit({ outgoing: [out(1), out(2), out(3)], incoming: [inc(1)] });
    store.commit({ delivered: ['out-1', 'in-1'], failed: [{ msgId: 'out-2', code: 'TOO_LONG', reason: 'over the size limit' }] });
    store.commit({ failed: [{ msgId: 'out-1', code: 'KEY_REMOVED', reason: 'late' }] });
    const states = Object.fromEntries(store.history(BOB, 10).map((h) => [h.msgId, h.state]));
    assert.deepEqual(states, { 'out-1': 'delivered', 'out-2': 'failed', 'out-3': 'queued', 'in-1': 'received' });
    assert.deepEqual(store.queued().map((q) => q.msgId), ['out-3']);
    const bob = store.contacts().find((c) => c.id === BOB);
    assert.equal(bob?.queued, 1, 'contacts count what is still queued');
    store.close();
  });

  it('unread, markRead, names and contacts', () => {
    const store = fresh();
    store.commit({ incoming: [inc(1), inc(2), inc(1, { msgId: 'c-in-1', peerId: CAROL, peerName: 'carol' })] });
    store.commit({ names: [{ peerId: BOB, name: 'robert' }] });
    assert.equal(store.nameOf(BOB), 'robert');
    assert.equal(store.nameOf('unknown'), undefined);
    store.markRead(BOB);
    const byId = new Map(store.contacts().map((c) => [c.id, c]));
    assert.equal(byId.get(BOB)?.unread, 0);
    assert.equal(byId.get(BOB)?.name, 'robert');
    assert.equal(byId.get(CAROL)?.unread, 1);
    assert.equal(byId.get(CAROL)?.online, false);
    store.close();
    const again = openHistory(store.path, { self: ALICE });
    assert.ok(again.ok);
    assert.equal(again.store.contacts().find((c) => c.id === CAROL)?.unread, 1, 'unread survives a restart');
    again.store.close();
  });

  it('history pages by `before`, oldest first, naming who wrote each message', () => {
    const store = fresh();
    for (let i = 1; i <= 25; i++) store.commit(i % 2 ? { outgoing: [out(i, { ref: `r${i}` })] } : { incoming: [inc(i)] });
    store.commit({ incoming: [inc(99, { peerId: CAROL, peerName: 'carol' })] });
    const last = store.history(BOB, 10);
    assert.deepEqual(last.map((h) => h.seq), [16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
    const mine = last.find((h) => h.seq === 17)!;
    assert.deepEqual([mine.fromId, mine.from, mine.state, mine.ref], [ALICE.id, 'alice', 'queued', 'r17']);
    const theirs = last.find((h) => h.seq === 16)!;
    assert.deepEqual([theirs.fromId, theirs.from, theirs.state, 'ref' in theirs], [BOB, 'bob', 'received', false]);
    const older = store.history(BOB, 10, last[0]!.msgId);
    assert.deepEqual(older.map((h) => h.seq), [6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    const first = store.history(BOB, 10, older[0]!.msgId);
    assert.deepEqual(first.map((h) => h.seq), [1, 2, 3, 4, 5]);
    assert.deepEqual(store.history(BOB, 10, first[0]!.msgId), [], 'nothing before the first message');
    assert.deepEqual(store.history(BOB, 10, 'no-such-id'), []);
    assert.deepEqual(store.history(BOB, 10, 'c-in-99'), [], "another peer's msgId is not an anchor here");
    // Around a search hit: the page before it, and the page from it on.
    assert.deepEqual(store.historyFrom?.(BOB, 4, 'out-11').map((h) => h.seq), [11, 12, 13, 14]);
    assert.deepEqual(store.historyFrom?.(BOB, 10, 'in-24').map((h) => h.seq), [24, 25]);
    assert.equal(store.historyFrom?.(BOB, 4, 'in-24')[0]?.from, 'bob');
    assert.deepEqual(store.historyFrom?.(BOB, 4, 'c-in-99'), []);
    store.close();
  });
});
