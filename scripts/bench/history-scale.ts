// Figures at scale: a history of 1,000,000 messages (100,000 with --quick) over 20 contacts,
// built fast (one transaction, no journal, synchronous OFF: a bench fixture, not how natter
// writes), then measured through the store's own API:
//  - open + first screen: openHistory, contacts, the outbox, the last 50 rows of the newest
//    conversation (what a client does before its first screen), against a bare open that
//    reads the last 50 rows of the table;
//  - one scrollback page (50 rows before a random message of a random contact), against the
//    same keyset read on the bare table;
//  - /search (word and prefix queries of common, middling and rare words, 50 newest hits),
//    against a LIKE scan for the same word (why FTS).
// The page cache is warm (the file was just written): a cold disk adds its own reads.

import Database from 'better-sqlite3';
import { openHistory } from '../../src/store/history/history-store.ts';
import { Corpus, peerIds, word } from './history-corpus.ts';
import { makeFigure, progress, type Figure } from './stats.ts';

const PAGE = 50;

export function buildHistory(path: string, total: number): { peers: string[]; buildMs: number } {
  const created = openHistory(path);
  if (!created.ok) throw new Error(created.message);
  created.store.close();
  const t0 = performance.now();
  const db = new Database(path);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -65536');
  const peers = peerIds(20);
  const corpus = new Corpus(11);
  const contact = db.prepare('INSERT INTO contacts (peer_id, name, unread, last_at, last_sent_seq) VALUES (?, ?, 0, ?, ?)');
  const message = db.prepare(
    `INSERT INTO messages (msg_id, peer_id, direction, seq, text, sent_at, state, stored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const start = 1_600_000_000_000;
  db.transaction(() => {
    for (const p of peers) contact.run(p, `peer-${p.slice(-4)}`, start + total, total);
    for (let i = 0; i < total; i++) {
      const ours = i % 3 === 0;
      // The newest few of ours are still queued, as an outbox at start would hold.
      const state = ours ? (i > total - 200 ? 'queued' : 'delivered') : 'received';
      message.run(`b-${i}`, peers[i % peers.length]!, ours ? 'out' : 'in', i + 1, corpus.text(), start + i, state, start + i);
      if (i % 100_000 === 99_999) progress(`history: built ${i + 1}/${total}`);
    }
  })();
  db.pragma('journal_mode = WAL');
  db.close();
  return { peers, buildMs: performance.now() - t0 };
}

export function historyScaleFigures(path: string, total: number, quick: boolean): Figure[] {
  const { peers, buildMs } = buildHistory(path, total);
  progress(`history: ${total} messages built in ${Math.round(buildMs)} ms`);
  const label = total.toLocaleString('en');
  const corpus = new Corpus(99);

  // Open + first screen, against a bare open reading the last 50 rows.
  const openMs: number[] = [];
  const bareOpenMs: number[] = [];
  const newest = peers[(total - 1) % peers.length]!;
  for (let i = 0; i < (quick ? 10 : 20); i++) {
    let t0 = performance.now();
    const opened = openHistory(path);
    if (!opened.ok) throw new Error(opened.message);
    opened.store.contacts();
    opened.store.queued();
    opened.store.lastSentSeqs();
    if (opened.store.history(newest, PAGE).length !== PAGE) throw new Error('short first screen');
    openMs.push(performance.now() - t0);
    opened.store.close();
    t0 = performance.now();
    const bare = new Database(path);
    bare.prepare('SELECT * FROM messages ORDER BY id DESC LIMIT ?').all(PAGE);
    bareOpenMs.push(performance.now() - t0);
    bare.close();
  }

  const opened = openHistory(path);
  if (!opened.ok) throw new Error(opened.message);
  const store = opened.store;
  const bare = new Database(path, { readonly: true });
  try {
    // Scrollback pages at random depths.
    const anchors = bare.prepare('SELECT msg_id, peer_id, id FROM messages WHERE id = ?');
    const barePage = bare.prepare('SELECT * FROM messages WHERE id < ? ORDER BY id DESC LIMIT ?');
    const pageMs: number[] = [];
    const barePageMs: number[] = [];
    for (let i = 0; i < (quick ? 500 : 2_000); i++) {
      const at = anchors.get(1 + Math.floor(Math.random() * total)) as { msg_id: string; peer_id: string; id: number };
      let t0 = performance.now();
      store.history(at.peer_id, PAGE, at.msg_id);
      pageMs.push(performance.now() - t0);
      t0 = performance.now();
      barePage.all(at.id, PAGE);
      barePageMs.push(performance.now() - t0);
    }

    // Search: words of every frequency, alone, as a typed prefix, and two together.
    const queries: string[] = [];
    for (let i = 0; i < (quick ? 100 : 300); i++) {
      const w = word(corpus.rank());
      const kind = i % 4;
      queries.push(kind === 0 ? w : kind === 1 ? w.slice(0, 3) : kind === 2 ? `${word(corpus.rank())} ${w}` : word(100 + Math.floor(Math.random() * 4_000)));
    }
    const searchMs: number[] = [];
    let hits = 0;
    for (const q of queries) {
      const t0 = performance.now();
      hits += store.search(q, PAGE).length;
      searchMs.push(performance.now() - t0);
    }
    const like = bare.prepare('SELECT id FROM messages WHERE text LIKE ? ORDER BY id DESC LIMIT ?');
    const likeMs: number[] = [];
    for (const q of queries.slice(0, quick ? 3 : 5)) {
      const t0 = performance.now();
      like.all(`%${q.split(' ')[0]}%`, PAGE);
      likeMs.push(performance.now() - t0);
    }

    return [
      makeFigure({
        key: 'historyOpen',
        title: `open a ${label}-message history and show the last screen (${PAGE} rows)`,
        how: 'in-process: openHistory + contacts + outbox + last page, real file, warm page cache',
        unit: 'ms',
        samples: openMs,
        baseline: { what: `bare open + last ${PAGE} rows of the table`, unit: 'ms', samples: bareOpenMs },
        ratio: (v, b) => v.median / b.median,
        target: 'p95 < 200 ms',
        met: (v) => v.p95 < 200,
        notes: [`history built in ${Math.round(buildMs)} ms`],
        extra: { messages: total, buildMs },
      }),
      makeFigure({
        key: 'historyPage',
        title: `one scrollback page (${PAGE} rows) at a random depth of ${label} messages`,
        how: 'in-process: store.history(peer, 50, before) on a real file',
        unit: 'ms',
        samples: pageMs,
        baseline: { what: `bare keyset read of ${PAGE} rows by rowid`, unit: 'ms', samples: barePageMs },
        ratio: (v, b) => v.p99 / b.p99,
        target: 'p99 < 2 ms',
        met: (v) => v.p99 < 2,
      }),
      makeFigure({
        key: 'historySearch',
        title: `/search over ${label} messages (${PAGE} newest hits)`,
        how: 'in-process: store.search, FTS5 word + prefix, common to rare words, 1-2 words',
        unit: 'ms',
        samples: searchMs,
        baseline: { what: 'LIKE scan for the first word, newest first', unit: 'ms', samples: likeMs },
        ratio: (v, b) => v.p99 / b.median,
        target: 'p99 < 100 ms',
        met: (v) => v.p99 < 100,
        notes: [`${queries.length} queries, ${hits} hits in all`],
      }),
    ];
  } finally {
    bare.close();
    store.close();
  }
}
