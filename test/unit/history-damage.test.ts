import assert from 'node:assert/strict';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { IncomingRow } from '../../src/store/history/history-api.ts';
import { checkIntegrity, openHistory, readQueuedBestEffort, type HistoryStoreApi } from '../../src/store/history/history-store.ts';

const ALICE = { id: 'a'.repeat(64), name: 'alice' };
const BOB = 'b'.repeat(64);

/** A closed history file with `n` messages to bob, every tenth one ours and still queued. */
function makeHistory(path: string, n: number): void {
  const opened = openHistory(path, { self: ALICE });
  assert.ok(opened.ok);
  const store = opened.store;
  const incoming: IncomingRow[] = [];
  const outgoing: IncomingRow[] = [];
  for (let i = 1; i <= n; i++) {
    const row = { msgId: `m${i}`, peerId: BOB, peerName: 'bob', seq: i, text: `message number ${i} with some words to index`, sentAt: 1_000 + i };
    (i % 10 === 0 ? outgoing : incoming).push(row);
  }
  store.commit({ incoming, outgoing });
  store.close();
}

const mode = (path: string): number => statSync(path).mode & 0o777;

describe('history store: damaged files, integrity check, file modes', () => {
  let dir: string;
  let n = 0;
  const fileIn = (): string => join(dir, `d${n++}`, `${ALICE.id}.sqlite3`);
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'natter-history-damage-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the directory 0700 and the file, -wal and -shm 0600 whatever the umask', () => {
    const path = fileIn();
    const old = process.umask(0);
    let store: HistoryStoreApi;
    try {
      const opened = openHistory(path, { self: ALICE });
      assert.ok(opened.ok);
      store = opened.store;
      store.commit({ incoming: [{ msgId: 'x', peerId: BOB, peerName: 'bob', seq: 1, text: 'hi', sentAt: 1 }] });
    } finally {
      process.umask(old);
    }
    assert.equal(mode(join(path, '..')), 0o700);
    assert.equal(mode(path), 0o600);
    assert.ok(existsSync(`${path}-wal`) && existsSync(`${path}-shm`), 'WAL files exist while open');
    assert.equal(mode(`${path}-wal`), 0o600);
    assert.equal(mode(`${path}-shm`), 0o600);
    store.close();
  });

  it('a file that is not a database is moved aside (with its -wal), reported, and a fresh one started', () => {
    const path = fileIn();
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, 'this is not a database, just some text a user would hate to lose\n'.repeat(100));
    writeFileSync(`${path}-wal`, 'stray wal');
    const opened = openHistory(path, { self: ALICE });
    assert.ok(opened.ok, opened.ok ? '' : opened.message);
    assert.ok(opened.movedAside, 'the caller is told');
    assert.match(opened.movedAside, /\.sqlite3\.damaged-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z$/);
    assert.match(readFileSync(opened.movedAside, 'utf8'), /a user would hate to lose/, 'the old bytes kept, not emptied');
    assert.equal(readFileSync(`${opened.movedAside}-wal`, 'utf8'), 'stray wal');
    opened.store.commit({ incoming: [{ msgId: 'x', peerId: BOB, peerName: 'bob', seq: 1, text: 'hi', sentAt: 1 }] });
    assert.equal(opened.store.history(BOB, 10).length, 1, 'the fresh file works');
    opened.store.close();
  });

  it('a real history cut short mid-page is moved aside; so is one missing whole pages', () => {
    for (const cut of ['mid-page', 'whole-pages'] as const) {
      const path = fileIn();
      makeHistory(path, 2_000);
      const size = statSync(path).size;
      assert.ok(size > 40 * 4096, 'big enough to cut');
      truncateSync(path, cut === 'mid-page' ? Math.floor(size / 2) + 1000 : Math.floor(size / 2 / 4096) * 4096);
      const opened = openHistory(path, { self: ALICE });
      assert.ok(opened.ok, opened.ok ? '' : opened.message);
      assert.ok(opened.movedAside, `${cut}: moved aside`);
      assert.equal(statSync(opened.movedAside).size < size, true);
      assert.deepEqual(opened.store.contacts(), [], 'fresh');
      opened.store.close();
    }
  });

  it('a crash in the middle of a checkpoint (page 1 written, the file not yet grown) is recovered, not moved aside', async () => {
    const path = fileIn();
    makeHistory(path, 200);
    // More rows that stay in the WAL (no checkpoint), then a copy of file + WAL as a crash leaves them.
    const db = new Database(path);
    db.pragma('wal_autocheckpoint = 0');
    db.prepare("INSERT INTO messages (msg_id, peer_id, direction, seq, text, sent_at, state, stored_at) WITH RECURSIVE n(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM n WHERE value < 3000) SELECT 'w' || value, ?, 'in', value, 'grown in the wal ' || value, value, 'received', value FROM n").run(BOB);
    const crashed = fileIn();
    mkdirSync(join(crashed, '..'), { recursive: true });
    writeFileSync(crashed, readFileSync(path));
    const wal = readFileSync(`${path}-wal`);
    writeFileSync(`${crashed}-wal`, wal);
    db.close();
    // The checkpoint wrote page 1 (from the WAL's last frame of it) and crashed before the rest.
    const pageSize = wal.readUInt32BE(8);
    let page1: Buffer | undefined;
    for (let off = 32; off + 24 + pageSize <= wal.length; off += 24 + pageSize) {
      if (wal.readUInt32BE(off) === 1) page1 = wal.subarray(off + 24, off + 24 + pageSize);
    }
    assert.ok(page1);
    const fd = openSync(crashed, 'r+');
    writeSync(fd, page1, 0, pageSize, 0);
    closeSync(fd);
    assert.ok(page1.readUInt32BE(28) * pageSize > statSync(crashed).size, 'the header now promises more pages than the file has');

    const opened = openHistory(crashed, { self: ALICE });
    assert.ok(opened.ok, opened.ok ? '' : opened.message);
    assert.equal(opened.movedAside, undefined, 'not moved aside');
    assert.equal(opened.store.history(BOB, 5_000).length, 3_200, 'every row there, the WAL ones too');
    assert.deepEqual(await checkIntegrity(crashed), { ok: true });
    opened.store.close();
  });

  it('a file we cannot open for other reasons is an error and is left where it is', () => {
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, 'x');
    const opened = openHistory(join(blocker, 'h.sqlite3'));
    assert.equal(opened.ok, false);
    assert.equal(readFileSync(blocker, 'utf8'), 'x');
  });

  it('the integrity check says ok for a sound file, even while it is open and being written', async () => {
    const path = fileIn();
    makeHistory(path, 500);
    const opened = openHistory(path, { self: ALICE });
    assert.ok(opened.ok);
    const check = checkIntegrity(path);
    opened.store.commit({ incoming: [{ msgId: 'during', peerId: BOB, peerName: 'bob', seq: 9999, text: 'written while checking', sentAt: 5 }] });
    assert.deepEqual(await check, { ok: true });
    opened.store.close();
  });

  for (const index of ['messages_by_time', 'messages_queued']) {
    it(`damage past the header (${index}): the worker finds it, and the queued rows can still be carried over`, async () => {
      const path = fileIn();
      makeHistory(path, 3_000);
      // Scribble over a leaf page in the middle of one index.
      const db = new Database(path, { readonly: true });
      const pages = db.prepare("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno").all(index) as { pageno: number }[];
      const pageSize = db.pragma('page_size', { simple: true }) as number;
      db.close();
      assert.ok(pages.length > 2, `${index} has ${pages.length} leaf pages`);
      const victim = pages[Math.floor(pages.length / 2)]!.pageno;
      const fd = openSync(path, 'r+');
      writeSync(fd, Buffer.alloc(pageSize, 0x5a), 0, pageSize, (victim - 1) * pageSize);
      closeSync(fd);

      const opened = openHistory(path, { self: ALICE });
      assert.ok(opened.ok, 'the cheap look at open does not see it');
      assert.equal(opened.movedAside, undefined);
      const result = await checkIntegrity(path);
      assert.equal(result.ok, false);
      assert.match(result.ok ? '' : result.detail, /\S/);
      if (index === 'messages_queued') assert.throws(() => opened.store.queued(), /malformed|corrupt/i, 'the outbox index itself is broken');
      const queued = readQueuedBestEffort(opened.store);
      assert.equal(queued.length, 300, 'every queued row carried over');
      assert.deepEqual(queued.slice(0, 2).map((q) => [q.msgId, q.seq, q.peerName]), [['m10', 10, 'bob'], ['m20', 20, 'bob']]);
      opened.store.close();
    });
  }

  it('the integrity check of a file that is not a database is not ok; of a missing file, skipped', async () => {
    const path = join(dir, 'garbage.sqlite3');
    writeFileSync(path, Buffer.alloc(8192, 0x41));
    const bad = await checkIntegrity(path);
    assert.equal(bad.ok, false);
    const missing = await checkIntegrity(join(dir, 'missing.sqlite3'));
    assert.equal(missing.ok, true);
    assert.ok(missing.ok && missing.skipped);
  });
});
