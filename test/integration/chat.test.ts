// The whole product path over real loopback UDP: three discovery servers and two headless
// clients; they see each other, connect, chat 50 messages each way in order; then every
// server is stopped and 10 more messages each way still arrive, directly.

import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, test } from 'node:test';
import { HeadlessClient, type HeadlessEvent as Event } from '../helpers/headless-client.ts';
import { freeUdpPort, startServer, stopProcess } from '../helpers/processes.ts';

let servers: ChildProcess[] = [];
let ports: number[] = [];
let alice: HeadlessClient;
let bob: HeadlessClient;

const isPeers = (name: string) => (e: Event) => e.event === 'peers' && (e.peers as { name: string }[]).some((p) => p.name === name);

before(async () => {
  ports = [await freeUdpPort(), await freeUdpPort(), await freeUdpPort()];
  servers = await Promise.all(ports.map((p) => startServer(p)));
  alice = HeadlessClient.start('alice', ports);
  bob = HeadlessClient.start('bob', ports);
});

after(async () => {
  await Promise.all([alice?.stop(), bob?.stop(), ...servers.map((s) => stopProcess(s))]);
});

/** Sends `count` numbered messages from one client to the other and checks order and once-ness. */
async function exchange(from: HeadlessClient, to: HeadlessClient, tag: string, count: number): Promise<void> {
  const texts = Array.from({ length: count }, (_, i) => `${tag} ${i} olá 日本語 👋`);
  for (const [i, text] of texts.entries()) from.send({ cmd: 'send', peer: to.name, text, ref: `${tag}-${i}` });
  await to.waitFor(() => to.events.filter((e) => e.event === 'message' && String(e.text).startsWith(`${tag} `)).length >= count, 30_000, `${count} ${tag} messages`);
  await from.waitFor(() => from.events.filter((e) => e.event === 'delivered' && String(e.ref).startsWith(`${tag}-`)).length >= count, 30_000, `${count} ${tag} delivered`);
  const got = to.events.filter((e) => e.event === 'message' && String(e.text).startsWith(`${tag} `)).map((e) => e.text);
  assert.deepEqual(got, texts, 'every message once, in order');
  const msg = to.events.find((e) => e.event === 'message');
  assert.equal(msg?.from, from.name);
  assert.match(String(msg?.fromId), /^[0-9a-f]+$/);
}

test('clients register with three servers, see each other, connect and chat', async () => {
  const [ra, rb] = await Promise.all([
    alice.waitFor((e) => e.event === 'ready', 10_000, 'ready'),
    bob.waitFor((e) => e.event === 'ready', 10_000, 'ready'),
  ]);
  assert.match(String(ra.observed), /^127\.0\.0\.1:\d+$/);
  assert.equal(ra.name, 'alice');
  assert.notEqual(ra.id, rb.id);
  assert.equal(ra.nat, 'none', 'on loopback the observed endpoint is the local one');
  await alice.waitFor(isPeers('bob'), 10_000, 'bob in the peer list');
  await bob.waitFor(isPeers('alice'), 10_000, 'alice in the peer list');

  alice.send({ cmd: 'connect', peer: 'bob' });
  const [ca, cb] = await Promise.all([
    alice.waitFor((e) => e.event === 'connected', 10_000, 'connected'),
    bob.waitFor((e) => e.event === 'connected', 10_000, 'connected'),
  ]);
  assert.equal(ca.via, 'direct');
  assert.equal(ca.peer, 'bob');
  assert.equal(ca.peerId, rb.id);
  assert.equal(cb.peer, 'alice');
  assert.equal(cb.peerId, ra.id);

  await Promise.all([exchange(alice, bob, 'a2b', 50), exchange(bob, alice, 'b2a', 50)]);
});

test('the chat goes on directly after every server is stopped', async () => {
  await Promise.all(servers.map((s) => stopProcess(s)));
  await Promise.all([exchange(alice, bob, 'after-a2b', 10), exchange(bob, alice, 'after-b2a', 10)]);
  assert.equal(alice.events.filter((e) => e.event === 'disconnected').length, 0);
});

test('bad commands give an error event and change nothing', async () => {
  alice.send({ cmd: 'dance' });
  alice.child.stdin?.write('not json\n');
  alice.send({ cmd: 'send', peer: 'nobody-here', text: 'x' });
  const errors = () => alice.events.filter((e) => e.event === 'error');
  await alice.waitFor(() => errors().length >= 3, 5_000, 'three errors');
  assert.deepEqual(errors().map((e) => e.code), ['BAD_COMMAND', 'BAD_COMMAND', 'UNKNOWN_PEER']);
});
