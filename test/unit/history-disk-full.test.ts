import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { IncomingRow } from '../../src/store/history/history-api.ts';
import { HistoryWriteError, openHistory } from '../../src/store/history/history-store.ts';

const ALICE = { id: 'a'.repeat(64), name: 'alice' };
const BOB = 'b'.repeat(64);

/** Mounts a 1 MiB tmpfs on `dir`; the reason it cannot, or undefined. */
function mountSmallTmpfs(dir: string): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to mount a small tmpfs';
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return `cannot mount a tmpfs here: ${(err as Error).message.split('\n')[0]}`;
  }
}

/** Writes zeros to `path` until the file system says ENOSPC. */
function fill(path: string): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(16 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
  } finally {
    closeSync(fd);
  }
}

const rows = (from: number, n: number, size: number): IncomingRow[] =>
  Array.from({ length: n }, (_, i) => ({ msgId: `m${from + i}`, peerId: BOB, peerName: 'bob', seq: from + i, text: `${from + i} `.padEnd(size, 'x'), sentAt: from + i }));

describe('history store: disk full', () => {
  let base: string;
  let mnt: string;
  let skip: string | undefined;
  let mounted = false;
  before(() => {
    base = mkdtempSync(join(tmpdir(), 'natter-history-full-'));
    mnt = join(base, 'mnt');
    execFileSync('mkdir', [mnt]);
    skip = mountSmallTmpfs(mnt);
    mounted = skip === undefined;
  });
  after(() => {
    if (mounted) execFileSync('umount', ['-l', mnt]);
    rmSync(base, { recursive: true, force: true });
  });

  it('a commit on a full disk throws DISK_FULL and writes nothing; earlier history stays readable and sound', (t) => {
    if (skip) {
      t.skip(skip);
      return;
    }
    const path = join(mnt, 'data', `${ALICE.id}.sqlite3`);
    const opened = openHistory(path, { self: ALICE });
    assert.ok(opened.ok, opened.ok ? '' : opened.message);
    const store = opened.store;
    store.commit({ incoming: rows(1, 100, 200) });
    fill(join(mnt, 'filler'));

    // The WAL may reuse space it already has, so the first batch can still fit: keep going
    // with big batches until the disk refuses one, which it must within the 1 MiB.
    let refused: unknown;
    let next = 101;
    for (let attempt = 0; attempt < 20 && refused === undefined; attempt++) {
      try {
        store.commit({ incoming: rows(next, 50, 2_000) });
        next += 50;
      } catch (err) {
        refused = err;
      }
    }
    assert.ok(refused instanceof HistoryWriteError, `refused with ${String(refused)}`);
    assert.equal(refused.code, 'DISK_FULL', refused.message);
    assert.deepEqual(store.history(BOB, 1, `m${next}`), [], 'nothing of the refused batch is there');
    assert.equal(store.history(BOB, 1_000).length, next - 1, 'every earlier message still readable');
    assert.deepEqual(store.history(BOB, 2).map((h) => h.msgId), [`m${next - 2}`, `m${next - 1}`]);

    const check = new Database(path, { readonly: true });
    assert.deepEqual(check.pragma('integrity_check'), [{ integrity_check: 'ok' }], 'sound while the disk is still full');
    check.close();

    // Room again: the same store writes again, no reopening needed.
    unlinkSync(join(mnt, 'filler'));
    assert.deepEqual([...store.commit({ incoming: rows(next, 1, 10) }).inserted], [`m${next}`]);
    store.close();
    const db = new Database(path, { readonly: true });
    assert.deepEqual(db.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
    db.close();
  });
});
