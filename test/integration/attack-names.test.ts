// Names are labels, keys are identities — played over real processes: discovery servers and
// headless clients on loopback. An attacker who takes a name first does not lock its owner
// out; two honest people with one name are two contacts; a look-alike name is accepted but
// flagged; invisible characters are refused; peer text cannot break a headless line.

import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, test } from 'node:test';
import { HeadlessClient, headlessArgs, type HeadlessEvent as Event } from '../helpers/headless-client.ts';
import { freeUdpPort, startProcess, startServer, stopProcess } from '../helpers/processes.ts';

let servers: ChildProcess[] = [];
let ports: number[] = [];
let alice: HeadlessClient;
let bob: HeadlessClient;
const extra: HeadlessClient[] = [];

const idOf = (c: HeadlessClient): string => String(c.events.find((e) => e.event === 'ready')?.id);
const listed = (c: HeadlessClient, id: string) => (e: Event) => e.event === 'peers' && (e.peers as { id: string }[]).some((p) => p.id === id);
/** Events at `c` that would mean a name was treated as an identity. */
const impersonationAlarms = (c: HeadlessClient): Event[] =>
  c.events.filter((e) => e.event === 'key_mismatch' || (e.event === 'connect_failed' && /KEY CHANGED/.test(String(e.reason))));

async function started(name: string): Promise<HeadlessClient> {
  const c = HeadlessClient.start(name, ports);
  extra.push(c);
  await c.ready();
  return c;
}

/** `from` sends `text` to `to` (by id) and both sides see it through. */
async function chat(from: HeadlessClient, to: HeadlessClient, text: string, ref: string): Promise<void> {
  from.send({ cmd: 'send', peer: idOf(to), text, ref });
  await from.waitEvent('delivered', 15_000, { ref });
  await to.waitEvent('message', 5_000, { text, fromId: idOf(from) });
}

before(async () => {
  ports = [await freeUdpPort(), await freeUdpPort()];
  servers = await Promise.all(ports.map((p) => startServer(p)));
  alice = HeadlessClient.start('alice', ports);
  bob = HeadlessClient.start('bob', ports);
  await Promise.all([alice.ready(), bob.ready()]);
});

after(async () => {
  await Promise.all([alice?.stop(), bob?.stop(), ...extra.map((c) => c.stop()), ...servers.map((s) => stopProcess(s))]);
});

test('an unsolicited "carol" does not lock out the real carol: two contacts, no KEY CHANGED', { timeout: 60_000 }, async () => {
  const mallory = await started('carol');
  await mallory.waitFor(listed(mallory, idOf(alice)), 10_000, 'alice listed');
  await chat(mallory, alice, 'hi alice, it is carol (honest!)', 'm1');

  const carol = await started('carol');
  await carol.waitFor(listed(carol, idOf(alice)), 10_000, 'alice listed');
  await chat(carol, alice, 'hi alice, the real carol here', 'c1');
  await chat(alice, carol, 'hello real carol', 'a1');
  await chat(alice, mallory, 'hello other carol', 'a2');

  assert.deepEqual(impersonationAlarms(alice), []);
  assert.equal(alice.all('disconnected').length, 0);
  for (const c of [mallory, carol]) {
    const addrs = new Set(alice.all('connected').filter((e) => e.peerId === idOf(c)).map((e) => e.addr));
    assert.equal(addrs.size, 1, 'each carol kept her one path');
  }
  assert.equal(alice.all('lookalike').length, 0, 'one name twice is two contacts, not a look-alike');
  alice.send({ cmd: 'whois', peer: idOf(mallory) });
  alice.send({ cmd: 'whois', peer: idOf(carol) });
  const [wm, wc] = await Promise.all([
    alice.waitEvent('whois', 5_000, { peerId: idOf(mallory) }),
    alice.waitEvent('whois', 5_000, { peerId: idOf(carol) }),
  ]);
  assert.equal(wm.known, true);
  assert.equal(wc.known, true);
  assert.equal(wc.verified, false, 'seen is not verified');
  assert.notEqual(wm.fingerprint, wc.fingerprint, 'each id shows its own key');
  assert.equal(wc.fingerprint, carol.events.find((e) => e.event === 'ready')?.fingerprint);
});

test('two honest bobs: two contacts, each reached by id; the name alone is ambiguous; no warning', { timeout: 60_000 }, async () => {
  const bob2 = await started('bob');
  await alice.waitFor(listed(alice, idOf(bob2)), 10_000, 'the second bob listed');
  await alice.waitFor(listed(alice, idOf(bob)), 10_000, 'the first bob listed');
  await chat(alice, bob, 'to the first bob', 'b1');
  await chat(alice, bob2, 'to the second bob', 'b2');
  await chat(bob2, alice, 'from the second bob', 'b2r');
  alice.send({ cmd: 'send', peer: 'bob', text: 'which bob?', ref: 'amb' });
  const err = await alice.waitEvent('error', 5_000, { code: 'AMBIGUOUS' });
  assert.equal(err.ref, 'amb', 'the error names the send it answers');
  assert.deepEqual(impersonationAlarms(alice), []);
  assert.equal(alice.events.filter((e) => e.event === 'warning' || e.event === 'lookalike').length, 0);
  assert.equal(bob.all('message').filter((e) => e.text === 'to the second bob').length, 0, 'each bob got only his own');
});

test('invisible characters are refused: --name exits 2, nick is an error; a 40-character nick too, and the client still connects', { timeout: 60_000 }, async () => {
  const child = startProcess(headlessArgs('bob\u200b', ports.map((p) => `127.0.0.1:${p}`).join(',')));
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout?.resume();
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  assert.equal(code, 2, stderr);
  assert.match(stderr, /U\+200B/);

  const errorsBefore = alice.all('error').length;
  alice.send({ cmd: 'nick', name: 'bob\u200b' });
  alice.send({ cmd: 'nick', name: 'x'.repeat(40) });
  await alice.waitFor(() => alice.all('error').length >= errorsBefore + 2, 5_000, 'two errors');
  assert.deepEqual(alice.all('error').slice(errorsBefore).map((e) => e.code), ['BAD_NAME', 'BAD_NAME']);

  // Still called alice, and still reachable by a newcomer under that name.
  const dave = await started('dave');
  await dave.waitFor((e) => e.event === 'peers' && (e.peers as { id: string; name: string }[]).some((p) => p.id === idOf(alice) && p.name === 'alice'), 10_000, 'alice listed as alice');
  dave.send({ cmd: 'connect', peer: 'alice' });
  await dave.waitEvent('connected', 15_000, { peerId: idOf(alice) });
  await chat(dave, alice, 'still there?', 'd1');
});

test('a homoglyph "bоb" is accepted but flagged against the verified bob; the conversation still opens', { timeout: 60_000 }, async () => {
  alice.send({ cmd: 'verify', peer: idOf(bob) });
  const v = await alice.waitEvent('verified', 5_000, { peerId: idOf(bob) });
  assert.equal(v.fingerprint, bob.events.find((e) => e.event === 'ready')?.fingerprint);
  alice.send({ cmd: 'whois', peer: idOf(bob) });
  assert.equal((await alice.waitEvent('whois', 5_000, { peerId: idOf(bob), verified: true })).known, true);

  const fake = await started('b\u043eb'); // Cyrillic о
  const fakeId = idOf(fake);
  const entry = await alice.waitFor((e) => e.event === 'peers' && (e.peers as { id: string; lookalike?: string }[]).some((p) => p.id === fakeId && p.lookalike !== undefined), 10_000, 'bоb listed with a lookalike mark');
  const listedFake = (entry.peers as { id: string; lookalike?: string }[]).find((p) => p.id === fakeId);
  assert.equal(listedFake?.lookalike, idOf(bob), 'it looks like the verified bob');
  const realBob = (entry.peers as { id: string; lookalike?: string; verified?: boolean }[]).find((p) => p.id === idOf(bob));
  assert.equal(realBob?.lookalike, undefined, 'the real bob is not flagged');
  assert.equal(realBob?.verified, true);

  await fake.waitFor(listed(fake, idOf(alice)), 10_000, 'alice listed');
  await chat(fake, alice, 'hi, it is b\u043eb', 'f1');
  const flag = await alice.waitEvent('lookalike', 5_000, { peerId: fakeId });
  assert.equal(flag.peer, 'b\u043eb');
  assert.equal(flag.like, 'bob');
  assert.equal(flag.likeId, idOf(bob));
  await chat(alice, fake, 'the user decides', 'f2');
});

test('C1 controls and U+2028/2029 from a peer are escaped: one line that parses back to the same text', { timeout: 30_000 }, async () => {
  let raw = '';
  alice.child.stdout?.on('data', (d: Buffer) => (raw += d.toString('utf8')));
  const text = 'a\u0085b\u009b2Jc\u2028d\u2029e';
  await chat(bob, alice, text, 'esc');
  const line = raw.split('\n').find((l) => l.includes('"event":"message"') && l.includes('a\\u0085b'));
  assert.ok(line, `the message line, escaped:\n${raw}`);
  assert.ok(line.includes('\\u009b2Jc\\u2028d\\u2029e'), line);
  assert.doesNotMatch(line, /[\u0080-\u009f\u2028\u2029]/, 'no raw C1 or line separator');
  assert.equal((JSON.parse(line) as { text: string }).text, text);
  assert.equal(alice.all('unparsable').length, 0);
});
