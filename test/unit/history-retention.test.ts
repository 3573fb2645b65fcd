import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { IncomingRow, OutgoingRow } from '../../src/store/history/history-api.ts';
import { HistoryWriteError, openHistory, startRetention, type HistoryStoreApi } from '../../src/store/history/history-store.ts';

const ALICE = { id: 'a'.repeat(64), name: 'alice' };
const BOB = 'b'.repeat(64);
const DAY_MS = 86_400_000;
const NOW = 1_000 * DAY_MS;

describe('history retention: the sweeper', () => {
  let dir: string;
  let store: HistoryStoreApi;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'natter-history-sweep-'));
    const opened = openHistory(join(dir, `${ALICE.id}.sqlite3`), { self: ALICE });
    assert.ok(opened.ok);
    store = opened.store;
    const old = NOW - 10 * DAY_MS;
    const incoming: IncomingRow[] = Array.from({ length: 1_234 }, (_, i) => ({ msgId: `old-${i}`, peerId: BOB, peerName: 'bob', seq: i + 1, text: `old ${i}`, sentAt: old + i }));
    const outgoing: OutgoingRow[] = Array.from({ length: 5 }, (_, i) => ({ msgId: `queued-${i}`, peerId: BOB, peerName: 'bob', seq: i + 1, text: `still queued ${i}`, sentAt: old }));
    const recent: IncomingRow[] = Array.from({ length: 3 }, (_, i) => ({ msgId: `new-${i}`, peerId: BOB, peerName: 'bob', seq: 2_000 + i, text: `new ${i}`, sentAt: NOW - DAY_MS }));
    store.commit({ incoming: [...incoming, ...recent], outgoing });
  });
  after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deletes everything past the limit in batches, one per turn of the event loop, and keeps what is queued', async () => {
    // A competing task that re-arms itself every turn: it runs between the batches only if the
    // sweeper really yields.
    let turns = 0;
    let competing = true;
    const spin = (): void => {
      turns++;
      if (competing) setImmediate(spin);
    };
    setImmediate(spin);
    const deleted = await new Promise<number>((resolve) => {
      const sweeper = startRetention(() => store, 7, { batch: 100, firstDelayMs: 0, intervalMs: 600_000, now: () => NOW, onPassDone: (n) => {
        sweeper.stop();
        resolve(n);
      } });
    });
    competing = false;
    assert.equal(deleted, 1_234);
    assert.ok(turns >= 12, `other work ran between the 13 batches (${turns} turns)`);
    const left = store.history(BOB, 100).map((h) => h.msgId);
    assert.deepEqual(left, ['queued-0', 'queued-1', 'queued-2', 'queued-3', 'queued-4', 'new-0', 'new-1', 'new-2']);
  });

  it('a failing store ends the pass with the error reported, never thrown', async () => {
    const errors: unknown[] = [];
    const deleted = await new Promise<number>((resolve) => {
      const sweeper = startRetention(() => { throw new HistoryWriteError('DISK_FULL', 'full'); }, 7, {
        firstDelayMs: 0, onError: (err) => errors.push(err), onPassDone: (n) => {
          sweeper.stop();
          resolve(n);
        },
      });
    });
    assert.equal(deleted, 0);
    assert.equal(errors.length, 1);
    assert.equal((errors[0] as HistoryWriteError).code, 'DISK_FULL');
  });
});
