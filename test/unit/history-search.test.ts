import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { exportHistory, openHistory, type HistoryStoreApi } from '../../src/store/history/history-store.ts';
import { ftsQuery } from '../../src/store/history/fts-query.ts';

const ALICE = { id: 'a'.repeat(64), name: 'alice' };
const BOB = 'b'.repeat(64);
const CAROL = 'c'.repeat(64);
const DAY_MS = 86_400_000;

describe('history store: search, retention and export', () => {
  let dir: string;
  let store: HistoryStoreApi;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'natter-history-search-'));
    const opened = openHistory(join(dir, `${ALICE.id}.sqlite3`), { self: ALICE });
    assert.ok(opened.ok);
    store = opened.store;
    const texts = [
      'the meeting is at noon', "don't forget the -x flag", 'AND then OR not', 'a "quoted" word', 'stars * and NEAR( parens )',
      'hello there', 'helicopter tour', 'café au lait', 'meeting moved',
    ];
    texts.forEach((text, i) => {
      const row = { msgId: `m${i}`, peerId: i % 2 ? BOB : CAROL, peerName: i % 2 ? 'bob' : 'carol', seq: i + 1, text, sentAt: 1_000 + i };
      store.commit(i % 3 ? { incoming: [row] } : { outgoing: [row] });
    });
  });
  after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('quotes every word; only letters or digits make a word; the last word is a prefix', () => {
    assert.equal(ftsQuery('hello world'), '"hello" "world"*');
    assert.equal(ftsQuery('say "hi"'), '"say" """hi"""*');
    assert.equal(ftsQuery('  * - " ( '), undefined);
  });

  it('finds words across conversations, newest first, naming peer and author', () => {
    const hits = store.search('meeting', 10);
    assert.deepEqual(hits.map((h) => h.msgId), ['m8', 'm0'], 'newest first');
    const mine = hits.find((h) => h.msgId === 'm0')!;
    assert.deepEqual([mine.peer, mine.peerId, mine.from, mine.fromId], ['carol', CAROL, 'alice', ALICE.id]);
    const theirs = hits.find((h) => h.msgId === 'm8')!;
    assert.deepEqual([theirs.peer, theirs.from, theirs.fromId, theirs.text, theirs.sentAt], ['carol', 'carol', CAROL, 'meeting moved', 1_008]);
    assert.deepEqual(store.search('meeting', 1).map((h) => h.msgId), ['m8'], 'limit');
  });

  it('matches the last word as a prefix, the others as words', () => {
    assert.deepEqual(store.search('hel', 10).map((h) => h.msgId), ['m6', 'm5']);
    assert.deepEqual(store.search('hello th', 10).map((h) => h.msgId), ['m5']);
    assert.deepEqual(store.search('hel there', 10), [], 'an earlier word is a whole word');
    assert.deepEqual(store.search('cafe', 10).map((h) => h.msgId), ['m7'], 'diacritics folded');
  });

  it('hostile text never throws and means what it says', () => {
    for (const text of ["don't", '-x', 'AND', 'OR', 'NOT', '"', '""', '*', 'NEAR(', 'NEAR(a b)', '(', ')', ':', 'text:', '^', '{a}', '\u0000', '   ', '']) {
      assert.doesNotThrow(() => store.search(text, 10), text);
    }
    assert.deepEqual(store.search("don't", 10).map((h) => h.msgId), ['m1']);
    assert.deepEqual(store.search('-x', 10).map((h) => h.msgId), ['m1']);
    assert.deepEqual(store.search('AND', 10).map((h) => h.msgId), ['m4', 'm2'], 'AND is a word here');
    assert.deepEqual(store.search('"quoted"', 10).map((h) => h.msgId), ['m3']);
    assert.deepEqual(store.search('NEAR(', 10).map((h) => h.msgId), ['m4']);
  });

  it('exports every message as JSON lines, oldest first, in the history item shape plus peer and peerId', () => {
    const file = join(dir, 'export.jsonl');
    const result = exportHistory(store, file);
    assert.deepEqual(result, { ok: true, count: 9 });
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines.map((l) => l.msgId), ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8']);
    assert.deepEqual(lines[0], { msgId: 'm0', seq: 1, fromId: ALICE.id, from: 'alice', text: 'the meeting is at noon', sentAt: 1_000, state: 'queued', peer: 'carol', peerId: CAROL });
    assert.deepEqual(lines[1], { msgId: 'm1', seq: 2, fromId: BOB, from: 'bob', text: "don't forget the -x flag", sentAt: 1_001, state: 'received', peer: 'bob', peerId: BOB });
    const bad = exportHistory(store, join(dir, 'no-such-dir', 'x.jsonl'));
    assert.equal(bad.ok, false);
  });
});

describe('history store: retention', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'natter-history-retention-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('deletes old messages in batches, never a queued one, and keeps search consistent', () => {
    const opened = openHistory(join(dir, `${ALICE.id}.sqlite3`), { self: ALICE });
    assert.ok(opened.ok);
    const store = opened.store;
    const now = 100 * DAY_MS;
    const old = now - 40 * DAY_MS;
    const incoming = Array.from({ length: 30 }, (_, i) => ({ msgId: `old-in-${i}`, peerId: BOB, peerName: 'bob', seq: i + 1, text: `ancient words ${i}`, sentAt: old + i }));
    const outgoing = Array.from({ length: 10 }, (_, i) => ({ msgId: `old-out-${i}`, peerId: BOB, peerName: 'bob', seq: i + 1, text: `ancient reply ${i}`, sentAt: old + i }));
    store.commit({ incoming, outgoing });
    store.commit({ delivered: outgoing.slice(0, 5).map((o) => o.msgId) });
    store.commit({ incoming: [{ msgId: 'new-in', peerId: BOB, peerName: 'bob', seq: 99, text: 'ancient but recent', sentAt: now - DAY_MS }] });
    const cutoff = now - 30 * DAY_MS;
    assert.equal(store.deleteOlderThan(cutoff, 20), 20);
    assert.equal(store.deleteOlderThan(cutoff, 20), 15);
    assert.equal(store.deleteOlderThan(cutoff, 20), 0, 'only queued ones are left that are old');
    assert.deepEqual(store.queued().map((q) => q.msgId), ['old-out-5', 'old-out-6', 'old-out-7', 'old-out-8', 'old-out-9']);
    assert.deepEqual(store.history(BOB, 100).map((h) => h.msgId), ['old-out-5', 'old-out-6', 'old-out-7', 'old-out-8', 'old-out-9', 'new-in']);
    // The FTS index forgot the deleted rows (a stale entry would join to nothing or throw).
    assert.deepEqual(store.search('ancient', 100).map((h) => h.msgId), ['new-in', 'old-out-9', 'old-out-8', 'old-out-7', 'old-out-6', 'old-out-5']);
    assert.equal(store.lastSentSeqs().get(BOB), 10, 'the seq counter outlives the rows');
    store.close();
    const db = new Database(store.path);
    assert.doesNotThrow(() => db.exec("INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')"), 'FTS index matches the table');
    db.close();
  });
});
