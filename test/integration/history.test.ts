// History on disk, as a script sees it (issue 10): real servers, real headless clients with
// their own SQLite files. history / search / contacts / read; unread counts across a restart;
// export; retention; a damaged file moved aside; a full disk (a tiny tmpfs) refusing sends
// with DISK_FULL while what was written stays intact.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { HeadlessClient } from '../helpers/headless-client.ts';
import { freeUdpPort, startServer, stopProcess, tempHome } from '../helpers/processes.ts';
import { historyFileOf, person, type Person } from '../helpers/people.ts';
import { ROOT } from '../helpers/root.ts';

let servers: ChildProcess[] = [];
let ports: number[] = [];
const running: HeadlessClient[] = [];

before(async () => {
  ports = [await freeUdpPort()];
  servers = await Promise.all(ports.map((p) => startServer(p)));
});

after(async () => {
  await Promise.all([...running.map((c) => c.kill()), ...servers.map((s) => stopProcess(s))]);
});

function start(p: Person): HeadlessClient {
  const c = HeadlessClient.start(p.name, ports, { home: p.home, args: ['--data', p.data] });
  running.push(c);
  return c;
}

async function chat(a: HeadlessClient, b: HeadlessClient, texts: string[], tag: string): Promise<void> {
  const rb = await b.ready();
  await a.waitFor((e) => e.event === 'peers' && (e.peers as { id: string }[]).some((x) => x.id === rb.id), 10_000, 'listed');
  texts.forEach((text, i) => a.send({ cmd: 'send', peer: String(rb.id), text, ref: `${tag}${i}` }));
  await a.waitFor(() => a.all('delivered').filter((e) => String(e.ref).startsWith(tag)).length >= texts.length, 20_000, `${tag} delivered`);
}

test('history, search, contacts and read; unread counts survive a restart', { timeout: 90_000 }, async () => {
  const alice = person('hanna');
  const bob = person('hugo');
  const a = start(alice);
  const b = start(bob);
  await a.ready();
  await chat(a, b, ['the quick brown fox', "don't panic", 'AND -x "quoted" NEAR( *', 'foxes everywhere'], 'h');
  await b.waitFor(() => b.all('message').length >= 4, 10_000, '4 messages');

  b.send({ cmd: 'history', peer: 'hanna', limit: 2 });
  const page = await b.waitEvent('history', 5_000);
  assert.equal(page.peer, 'hanna');
  const msgs = page.messages as { msgId: string; text: string; state: string; fromId: string; seq: number; sentAt: number }[];
  assert.deepEqual(msgs.map((m) => m.text), ['AND -x "quoted" NEAR( *', 'foxes everywhere'], 'the newest page, oldest first');
  assert.ok(msgs.every((m) => m.state === 'received' && m.fromId === page.peerId && m.sentAt > 0));
  b.send({ cmd: 'history', peer: 'hanna', limit: 10, before: msgs[0]?.msgId });
  const older = await b.waitFor((e) => e.event === 'history' && e !== page, 5_000, 'older page');
  assert.deepEqual((older.messages as { text: string }[]).map((m) => m.text), ['the quick brown fox', "don't panic"]);

  a.send({ cmd: 'history', peer: 'hugo' });
  const mine = await a.waitEvent('history', 5_000);
  assert.deepEqual((mine.messages as { state: string; ref: string }[]).map((m) => [m.state, m.ref]), [0, 1, 2, 3].map((i) => ['delivered', `h${i}`]), 'our own: state and ref');

  for (const hostile of ["don't", '-x', 'AND', '"', 'NEAR(', '*']) {
    b.send({ cmd: 'search', text: hostile });
    const r = await b.waitFor((e) => e.event === 'search' && e.text === hostile, 5_000, `search ${hostile}`);
    assert.ok(Array.isArray(r.results), `search for ${hostile} answers, never throws`);
  }
  b.send({ cmd: 'search', text: 'fox' });
  const found = await b.waitFor((e) => e.event === 'search' && e.text === 'fox', 5_000, 'search fox');
  assert.deepEqual((found.results as { text: string; peer: string }[]).map((r) => r.text), ['foxes everywhere', 'the quick brown fox'], 'prefix match, newest first');
  assert.equal((found.results as { peer: string }[])[0]?.peer, 'hanna');

  b.send({ cmd: 'contacts' });
  const c1 = await b.waitEvent('contacts', 5_000);
  const hanna = (c1.contacts as { name: string; unread: number; online: boolean; lastAt: number }[]).find((c) => c.name === 'hanna');
  assert.deepEqual([hanna?.unread, hanna?.online], [4, true]);
  assert.ok((hanna?.lastAt ?? 0) > 0);

  await b.stop();
  const b2 = start(bob);
  await b2.ready();
  b2.send({ cmd: 'contacts' });
  const c2 = await b2.waitEvent('contacts', 5_000);
  assert.equal((c2.contacts as { name: string; unread: number }[]).find((c) => c.name === 'hanna')?.unread, 4, 'unread survives a restart');
  b2.send({ cmd: 'read', peer: 'hanna' });
  b2.send({ cmd: 'contacts' });
  const c3 = await b2.waitFor((e) => e.event === 'contacts' && e !== c2, 5_000, 'contacts after read');
  assert.equal((c3.contacts as { name: string; unread: number }[]).find((c) => c.name === 'hanna')?.unread, 0);
  b2.send({ cmd: 'history', peer: 'nobody-at-all' });
  const err = await b2.waitEvent('error', 5_000);
  assert.equal(err.code, 'UNKNOWN_PEER');
  await Promise.all([a.stop(), b2.stop()]);

  // Export: one JSON line per message, the history item plus peer and peerId.
  const out = join(bob.home, 'export.jsonl');
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'client/edge/cli.ts', '--name', 'hugo', '--data', bob.data, '--export', out], { cwd: ROOT, env: { ...process.env, HOME: bob.home, XDG_DATA_HOME: '' }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(lines.map((l) => l.text), ['the quick brown fox', "don't panic", 'AND -x "quoted" NEAR( *', 'foxes everywhere']);
  assert.ok(lines.every((l) => l.peer === 'hanna' && typeof l.peerId === 'string' && typeof l.msgId === 'string' && l.state === 'received'));
});

test('retention: --keep-days deletes old messages in the background, never queued ones', { timeout: 90_000 }, async () => {
  const alice = person('rita');
  const bob = person('rolf');
  const a = start(alice);
  const b = start(bob);
  await a.ready();
  const rb = await b.ready();
  await chat(a, b, ['old one', 'old two'], 'o');
  await b.stop();
  a.send({ cmd: 'send', peer: String(rb.id), text: 'still queued', ref: 'q' });
  await a.waitEvent('queued', 5_000, { ref: 'q' });
  const ra = await a.ready();
  await a.stop();
  // Age everything on alice's disk by 10 days.
  const file = historyFileOf(alice, String(ra.id));
  const db = new Database(file);
  const cols = (db.prepare("SELECT name FROM pragma_table_info('messages')").pluck().all() as string[]).filter((c) => /_at$/.test(c));
  for (const col of cols) db.prepare(`UPDATE messages SET ${col} = ${col} - ?`).run(10 * 86_400_000);
  db.close();
  const again = HeadlessClient.start('rita', ports, { home: alice.home, args: ['--data', alice.data, '--keep-days', '5'] });
  running.push(again);
  await again.ready();
  let items: { text: string; state: string }[] = [];
  await again.waitFor(() => {
    again.send({ cmd: 'history', peer: String(rb.id), limit: 100 });
    const last = again.all('history').at(-1);
    items = (last?.messages as { text: string; state: string }[] | undefined) ?? [];
    return items.length === 1;
  }, 15_000, 'old messages deleted');
  assert.deepEqual(items.map((m) => [m.text, m.state]), [['still queued', 'queued']], 'the queued one stays');
  await again.stop();
});

test('a damaged history file is moved aside and said, never silently emptied', { timeout: 60_000 }, async () => {
  const carl = person('carl');
  const c = start(carl);
  const ready = await c.ready();
  await c.stop();
  const file = historyFileOf(carl, String(ready.id));
  assert.ok(existsSync(file));
  writeFileSync(file, Buffer.alloc(8192, 0x5a)); // not a database any more
  const again = start(carl);
  const warning = await again.waitEvent('warning', 15_000, { code: 'HISTORY_DAMAGED' });
  assert.match(String(warning.message), /moved aside/);
  const aside = readdirSync(carl.data).filter((f) => f.includes('damaged'));
  assert.ok(aside.length >= 1, `the damaged file is kept: ${readdirSync(carl.data).join(', ')}`);
  assert.equal(readFileSync(join(carl.data, aside[0] as string)).length, 8192, 'its bytes untouched');
  await again.ready();
  again.send({ cmd: 'contacts' });
  await again.waitEvent('contacts', 5_000);
  await again.stop();
});

test('disk full (--data on a small tmpfs): sends refused with DISK_FULL and their ref, history already written intact', { timeout: 120_000 }, async (t) => {
  if (process.getuid?.() !== 0) return t.skip('mounting a tmpfs needs root');
  const dir = join(tempHome(), 'tiny');
  mkdirSync(dir);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir]);
  try {
    const alice = person('dora', dir);
    const bob = person('dirk');
    const a = start(alice);
    const b = start(bob);
    await a.ready();
    await chat(a, b, ['written before the disk filled'], 'w');
    // Fill the file system, leaving almost nothing.
    spawnSync('dd', ['if=/dev/zero', `of=${join(dir, 'filler')}`, 'bs=4k'], { stdio: 'ignore' });
    const rb = await b.ready();
    const big = 'x'.repeat(30_000);
    for (let i = 0; i < 20; i++) a.send({ cmd: 'send', peer: String(rb.id), text: big, ref: `full${i}` });
    const err = await a.waitEvent('error', 20_000, { code: 'DISK_FULL' });
    assert.match(String(err.ref), /^full\d+$/, 'the refusal names the send');
    assert.equal(a.all('queued').filter((e) => e.ref === err.ref).length, 0, 'a refused send was never queued');
    a.send({ cmd: 'history', peer: String(rb.id) });
    const h = await a.waitEvent('history', 5_000);
    assert.ok((h.messages as { text: string }[]).some((m) => m.text === 'written before the disk filled'), 'earlier history still readable');
    const ra = await a.ready();
    await a.kill();
    await b.stop();
    const db = new Database(join(dir, `${String(ra.id)}.sqlite3`), { readonly: true });
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    db.close();
  } finally {
    spawnSync('umount', ['-l', dir]);
  }
});

