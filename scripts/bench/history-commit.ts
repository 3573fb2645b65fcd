// Figure: durable message throughput of the history store. Each transaction stores 64
// incoming messages the way an I/O round does (group commit): dedupe by UNIQUE(msg_id), the
// contact's unread and last_at, the FTS index, all with synchronous=FULL in WAL. Baseline, in
// interleaved rounds on the SAME database file and with the same durability and batch size:
// a bare better-sqlite3 insert loop into a plain table with no index. Beside it (extra
// `naivePerS`): the same bare insert with one transaction, so one fsync, per message, which
// is what group commit saves us from.

import Database from 'better-sqlite3';
import { openHistory } from '../../src/store/history/history-store.ts';
import { Corpus, peerIds } from './history-corpus.ts';
import { makeFigure, progress, summarize, type Figure } from './stats.ts';

export const COMMIT_BATCH = 64;

export function historyCommitFigure(path: string, quick: boolean): Figure {
  const rounds = quick ? 5 : 11;
  const perRound = quick ? 2_048 : 8_192;
  const opened = openHistory(path);
  if (!opened.ok) throw new Error(opened.message);
  const store = opened.store;
  const bare = new Database(path);
  bare.pragma('journal_mode = WAL');
  bare.pragma('synchronous = FULL');
  bare.exec('CREATE TABLE IF NOT EXISTS bench_plain (id INTEGER PRIMARY KEY, msg_id TEXT, peer_id TEXT, seq INTEGER, text TEXT, sent_at INTEGER)');
  const insert = bare.prepare('INSERT INTO bench_plain (msg_id, peer_id, seq, text, sent_at) VALUES (?, ?, ?, ?, ?)');
  const bareCommit = bare.transaction((rows: { msgId: string; peerId: string; seq: number; text: string; sentAt: number }[]) => {
    for (const r of rows) insert.run(r.msgId, r.peerId, r.seq, r.text, r.sentAt);
  });
  const corpus = new Corpus(7);
  const peers = peerIds(20);
  const naive: number[] = [];
  const ours: number[] = [];
  const base: number[] = [];
  let next = 0;
  try {
    for (let round = 0; round < rounds; round++) {
      // Rows generated before the clock starts: only the database work is timed.
      const batches = Array.from({ length: perRound / COMMIT_BATCH }, () => {
        const rows = corpus.incoming('tp', next, COMMIT_BATCH, peers, 1_700_000_000_000 + next);
        next += COMMIT_BATCH;
        return rows;
      });
      const order = round % 2 === 0 ? ['ours', 'bare'] : ['bare', 'ours'];
      for (const which of order) {
        const t0 = performance.now();
        for (const rows of batches) {
          if (which === 'ours') {
            if (store.commit({ incoming: rows }).inserted.size !== rows.length) throw new Error('a new message was not stored');
          } else {
            bareCommit(rows);
          }
        }
        const perS = (perRound * 1000) / (performance.now() - t0);
        (which === 'ours' ? ours : base).push(perS);
      }
      const single = batches[0]!.slice(0, quick ? 32 : 128);
      const t0 = performance.now();
      for (const row of single) bareCommit([row]);
      naive.push((single.length * 1000) / (performance.now() - t0));
      progress(`history commit: round ${round + 1}/${rounds}: ${Math.round(ours.at(-1)!)} vs bare ${Math.round(base.at(-1)!)} msg/s`);
    }
  } finally {
    bare.close();
    store.close();
  }
  return makeFigure({
    key: 'historyCommit',
    title: `durable message throughput, history store, ${COMMIT_BATCH} messages per transaction`,
    how: 'in-process better-sqlite3, WAL + synchronous=FULL, real file; stored with dedupe, unread, FTS',
    unit: 'msg/s',
    samples: ours,
    baseline: { what: `bare insert loop into a plain table, same file, FULL, ${COMMIT_BATCH} per transaction`, unit: 'msg/s', samples: base },
    ratio: (v, b) => v.median / b.median,
    target: '>= 5,000 msg/s and ratio >= 0.8',
    met: (v, _b, ratio) => v.median >= 5_000 && ratio >= 0.8,
    notes: [`${rounds} interleaved rounds of ${perRound} messages each way; one fsync per message (bare): ${Math.round(summarize(naive).median)} msg/s`],
    extra: { batch: COMMIT_BATCH, perRound, naivePerS: summarize(naive).median },
  });
}
