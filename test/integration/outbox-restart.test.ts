// Nothing said is lost or doubled, whatever happens to the processes (issue 10): real
// discovery servers, real headless clients with real SQLite files, and kill -9.
//   1. 100 messages to a contact who is offline; the sender is killed (-9) and restarted;
//      then the contact starts: all 100 arrive once, in order, within 5 s of him being
//      online; restarting both again replays nothing.
//   2. The receiver is killed again and again while 10,000 messages flow: none missing, none
//      doubled; after every kill its database passes integrity_check and holds every message
//      the sender had seen `delivered`.

import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { HeadlessClient, type HeadlessEvent } from '../helpers/headless-client.ts';
import { freeUdpPort, startServer, stopProcess } from '../helpers/processes.ts';
import { historyFileOf, person, type Person } from '../helpers/people.ts';

let servers: ChildProcess[] = [];
let ports: number[] = [];
const running: HeadlessClient[] = [];

/** Short liveness timers: a killed peer is noticed in seconds (the defaults are for people, not tests). */
const FAST = { NATTER_KEEPALIVE_INTERVAL_MS: '500', NATTER_PEER_SILENT_TIMEOUT_MS: '2500', NATTER_PATH_STALE_AFTER_MS: '1500' };

before(async () => {
  ports = [await freeUdpPort(), await freeUdpPort()];
  servers = await Promise.all(ports.map((p) => startServer(p)));
});

after(async () => {
  await Promise.all([...running.map((c) => c.kill()), ...servers.map((s) => stopProcess(s))]);
});

function start(p: Person, env: Record<string, string> = {}): HeadlessClient {
  const c = HeadlessClient.start(p.name, ports, { home: p.home, args: ['--data', p.data], env });
  running.push(c);
  return c;
}


const texts = (c: HeadlessClient, prefix: string): string[] => c.all('message').map((e) => String(e.text)).filter((t) => t.startsWith(prefix));

async function introduce(a: Person, b: Person): Promise<{ aId: string; bId: string }> {
  const ca = start(a);
  const cb = start(b);
  const [ra, rb] = await Promise.all([ca.ready(), cb.ready()]);
  await ca.waitFor((e) => e.event === 'peers' && (e.peers as { id: string }[]).some((x) => x.id === rb.id), 10_000, 'b listed');
  ca.send({ cmd: 'send', peer: String(rb.id), text: 'hello', ref: 'hello' });
  await ca.waitEvent('delivered', 15_000, { ref: 'hello' });
  await Promise.all([ca.stop(), cb.stop()]);
  return { aId: String(ra.id), bId: String(rb.id) };
}

test('100 messages to an offline contact survive kill -9 of the sender and arrive once, in order, within 5 s of the contact being online', { timeout: 120_000 }, async () => {
  const alice = person('alma');
  const bob = person('bruno');
  const { bId } = await introduce(alice, bob);

  let a = start(alice);
  await a.ready();
  for (let i = 1; i <= 100; i++) a.send({ cmd: 'send', peer: bId, text: `offline ${i}`, ref: `o${i}` });
  await a.waitFor(() => a.all('queued').length >= 100, 15_000, '100 queued');
  assert.deepEqual(a.all('failed'), [], 'offline is not a failure');
  await a.kill();

  a = start(alice);
  await a.ready();
  const b = start(bob);
  const online = await b.ready();
  await b.waitFor(() => texts(b, 'offline ').length >= 100, 20_000, '100 messages at bruno');
  const last = b.all('message').filter((e) => String(e.text).startsWith('offline ')).at(-1) as HeadlessEvent;
  const seconds = (last.at - online.at) / 1000;
  assert.ok(seconds < 5, `all 100 within 5 s of bruno being online (took ${seconds.toFixed(2)} s)`);
  assert.deepEqual(texts(b, 'offline '), Array.from({ length: 100 }, (_, i) => `offline ${i + 1}`), 'once each, in order');
  const seqs = b.all('message').filter((e) => String(e.text).startsWith('offline ')).map((e) => e.seq as number);
  assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), 'in seq order');
  await a.waitFor(() => a.all('delivered').length >= 100, 15_000, '100 delivered at alma');
  await Promise.all([a.stop(), b.stop()]);

  // Both again: nothing is shown again, nothing is delivered again.
  const a2 = start(alice);
  const b2 = start(bob);
  await Promise.all([a2.ready(), b2.ready()]);
  a2.send({ cmd: 'send', peer: bId, text: 'after all that', ref: 'last' });
  await a2.waitEvent('delivered', 15_000, { ref: 'last' });
  await new Promise((r) => setTimeout(r, 1_000));
  assert.deepEqual(texts(b2, 'offline '), [], 'no message replayed as new');
  assert.deepEqual(a2.all('delivered').map((e) => e.ref), ['last'], 'nothing delivered twice');
  b2.send({ cmd: 'history', peer: 'alma', limit: 1000 });
  const h = await b2.waitEvent('history', 5_000);
  const stored = (h.messages as { text: string }[]).map((m) => m.text);
  assert.equal(stored.filter((t) => t.startsWith('offline ')).length, 100, 'the history holds each once');
  await Promise.all([a2.stop(), b2.stop()]);
});

test('the receiver killed again and again while 10,000 messages flow: none missing, none doubled, its database intact at every kill', { timeout: 300_000 }, async () => {
  const COUNT = 10_000;
  const KILLS = 4;
  const alice = person('ada');
  const bob = person('boris');
  const { bId } = await introduce(alice, bob);
  const a = start(alice, FAST);
  await a.ready();
  let b = start(bob, FAST);
  await b.ready();
  const shown: string[] = [];
  const collect = (c: HeadlessClient): void => {
    for (const e of c.all('message')) if (String(e.text).startsWith('flow ')) shown.push(String(e.msgId));
  };
  // The messages go in KILLS + 1 chunks; each kill comes while a chunk is flowing: a few
  // hundred of it delivered, the rest in flight or still queued.
  const CHUNK = COUNT / (KILLS + 1);
  let sent = 0;
  const sendChunk = (): void => {
    for (let n = 0; n < CHUNK; n++) {
      sent++;
      a.send({ cmd: 'send', peer: bId, text: `flow ${sent}`, ref: sent });
    }
  };
  const atKill: number[] = [];
  for (let k = 0; k < KILLS; k++) {
    const before = a.all('delivered').length;
    sendChunk();
    await a.waitFor(() => a.all('delivered').length >= before + 200, 60_000, `200 more delivered before kill ${k + 1}`);
    const deliveredIds = a.all('delivered').map((e) => String(e.msgId));
    await b.kill();
    atKill.push(sent - deliveredIds.length);
    collect(b);
    const db = new Database(historyFileOf(bob, bId), { readonly: true, fileMustExist: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok', `integrity after kill ${k + 1}`);
      const has = db.prepare('SELECT 1 FROM messages WHERE msg_id = ?').pluck();
      const missing = deliveredIds.filter((id) => has.get(id) === undefined);
      assert.deepEqual(missing, [], `every message alice saw delivered is on boris's disk at kill ${k + 1} (${deliveredIds.length} delivered)`);
    } finally {
      db.close();
    }
    b = start(bob, FAST);
    await b.ready();
  }
  sendChunk();
  await a.waitFor(() => a.all('queued').length >= COUNT, 60_000, 'all queued');
  await a.waitFor(() => a.all('delivered').length >= COUNT, 120_000, 'every message delivered');
  await b.stop();
  collect(b);
  // What was shown: never one message twice, across every run of the receiver. (A killed
  // process loses the event lines still in its stdout buffer, so the count is the database's.)
  assert.equal(new Set(shown).size, shown.length, 'no message shown twice');
  const db = new Database(historyFileOf(bob, bId), { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare("SELECT count(*) AS n, count(DISTINCT seq) AS seqs, min(seq) AS lo, max(seq) AS hi FROM messages WHERE direction = 'in' AND text LIKE 'flow %'").get() as { n: number; seqs: number; lo: number; hi: number };
    assert.deepEqual(row, { n: COUNT, seqs: COUNT, lo: 2, hi: COUNT + 1 }, 'every message stored once (seq 1 was the hello)');
    const order = db.prepare("SELECT seq FROM messages WHERE direction = 'in' AND text LIKE 'flow %' ORDER BY id").pluck().all() as number[];
    assert.ok(order.every((seq, i) => i === 0 || seq === (order[i - 1] as number) + 1), 'stored in seq order');
  } finally {
    db.close();
  }
  assert.equal(new Set(a.all('delivered').map((e) => e.msgId)).size, COUNT, 'each delivered once at the sender');
  assert.ok(atKill.every((n) => n > 0), `every kill came mid-stream: messages not yet delivered at each kill: ${atKill.join(', ')}`);
  await a.stop();
});
