// Honest reports and files, over real processes: one process per identity (and `kill -9`
// never blocks a restart), a known-peers file that cannot be written is said, a missing
// default key with contacts that know it is refused rather than silently replaced, and a
// send to a contact who is not online gets a `failed` with its ref.

import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HeadlessClient, headlessArgs } from '../helpers/headless-client.ts';
import { freeUdpPort, startProcess, startServer, stopProcess, tempHome } from '../helpers/processes.ts';

let servers: ChildProcess[] = [];
let ports: number[] = [];
const clients: HeadlessClient[] = [];
/** Fast peer-list polls, so a peer who left drops out of the list in a second or two. */
const FAST = { NATTER_PEER_LIST_POLL_MS: '300' };

const idOf = (c: HeadlessClient): string => String(c.events.find((e) => e.event === 'ready')?.id);
const serverList = (): string => ports.map((p) => `127.0.0.1:${p}`).join(',');
const natterDir = (home: string): string => join(home, '.config', 'natter');

function start(name: string, home: string, extraArgs: string[] = []): HeadlessClient {
  const child = startProcess([...headlessArgs(name, serverList()), ...extraArgs], { HOME: home, XDG_CONFIG_HOME: '', ...FAST });
  const c = new HeadlessClient(name, child, 'local', (ch) => stopProcess(ch));
  clients.push(c);
  return c;
}

/** Runs a client that must refuse to start; returns its stderr. */
async function refused(name: string, home: string): Promise<string> {
  const child = startProcess(headlessArgs(name, serverList()), { HOME: home, XDG_CONFIG_HOME: '' });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout?.resume();
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  assert.equal(code, 2, `exit code; stderr:\n${stderr}`);
  return stderr;
}

async function connectAndChat(from: HeadlessClient, to: HeadlessClient, ref: string): Promise<void> {
  await from.waitFor((e) => e.event === 'peers' && (e.peers as { id: string }[]).some((p) => p.id === idOf(to)), 10_000, 'peer listed');
  from.send({ cmd: 'send', peer: idOf(to), text: `hello ${ref}`, ref });
  await from.waitEvent('delivered', 15_000, { ref });
}

before(async () => {
  ports = [await freeUdpPort()];
  servers = await Promise.all(ports.map((p) => startServer(p)));
});

after(async () => {
  await Promise.all([...clients.map((c) => c.stop()), ...servers.map((s) => stopProcess(s))]);
});

test('one process per identity: a second is refused clearly; after kill -9 a restart works', { timeout: 60_000 }, async () => {
  const home = tempHome();
  const first = start('alice', home);
  await first.ready();
  const stderr = await refused('alice', home);
  assert.match(stderr, /already in use by process \d+/);
  first.child.kill('SIGKILL');
  await new Promise((r) => first.child.once('exit', r));
  const again = start('alice', home);
  const ready = await again.ready();
  assert.equal(ready.id, idOf(first), 'the same identity, not a new one');
});

test('known-peers file that cannot be written: a PINS_NOT_SAVED warning, and the chat goes on', { timeout: 60_000 }, async () => {
  const home = tempHome();
  const alice = start('alice', home);
  const bob = start('bob', tempHome());
  await Promise.all([alice.ready(), bob.ready()]);
  // A directory where the file goes: root ignores file modes, but not this.
  mkdirSync(join(natterDir(home), 'alice.known-peers.json'), { recursive: true });
  await connectAndChat(alice, bob, 'p1');
  const warning = await alice.waitEvent('warning', 5_000, { code: 'PINS_NOT_SAVED' });
  assert.match(String(warning.message), /known-peers\.json/);
  assert.equal(alice.all('error').length, 0, 'a warning, not an error');
  await connectAndChat(bob, alice, 'p2');
});

test('a missing default key with contacts that know it is refused; an explicit --identity is used as given', { timeout: 60_000 }, async () => {
  const home = tempHome();
  const alice = start('alice', home);
  const bob = start('bob', tempHome());
  await Promise.all([alice.ready(), bob.ready()]);
  await connectAndChat(alice, bob, 'k1');
  const pinsPath = join(natterDir(home), 'alice.known-peers.json');
  await alice.waitFor(() => readFileSync(pinsPath, 'utf8').includes(idOf(bob)), 5_000, 'bob pinned on disk');
  await alice.stop();

  rmSync(join(natterDir(home), 'alice.key'));
  const stderr = await refused('alice', home);
  assert.match(stderr, /key file .*alice\.key is missing, but 1 contact/);
  assert.match(stderr, /--identity/);

  const fresh = start('alice', home, ['--identity', join(home, 'new.key')]);
  const ready = await fresh.ready();
  assert.notEqual(ready.id, idOf(alice), 'a new identity, on purpose');
  assert.ok(readFileSync(pinsPath, 'utf8').includes(idOf(bob)), 'the pins were never emptied');
  await fresh.stop();
});

test('a send to a contact who is not listed right now: queued with its ref (by id or by name), never failed, never a bare error', { timeout: 60_000 }, async () => {
  // Names of their own: earlier tests' bobs are still listed.
  const home = tempHome();
  const alice = start('ursula', home);
  const bob = start('ulrich', tempHome());
  await Promise.all([alice.ready(), bob.ready()]);
  await connectAndChat(alice, bob, 'u1');
  const bobId = idOf(bob);
  await alice.stop();
  // ursula comes back through a server that has never heard of ulrich: a contact, not listed.
  const otherPort = await freeUdpPort();
  servers.push(await startServer(otherPort));
  const child = startProcess(headlessArgs('ursula', `127.0.0.1:${otherPort}`), { HOME: home, XDG_CONFIG_HOME: '' });
  const again = new HeadlessClient('ursula', child, 'local', (ch) => stopProcess(ch));
  clients.push(again);
  await again.ready();
  again.send({ cmd: 'send', peer: bobId, text: 'are you there?', ref: 'u2' });
  again.send({ cmd: 'send', peer: 'ulrich', text: 'by name', ref: 'u3' });
  const [byId, byName] = await Promise.all([again.waitEvent('queued', 5_000, { ref: 'u2' }), again.waitEvent('queued', 5_000, { ref: 'u3' })]);
  for (const q of [byId, byName]) {
    assert.equal(q.toId, bobId);
    assert.equal(q.to, 'ulrich');
  }
  assert.equal(again.all('error').length, 0);
  assert.equal(again.all('failed').length, 0, 'offline is not a failure');
  again.send({ cmd: 'whois', peer: 'ulrich' });
  const w = await again.waitEvent('whois', 5_000, { peerId: bobId });
  assert.equal(w.known, true, 'the contact is still known by its key');
});
