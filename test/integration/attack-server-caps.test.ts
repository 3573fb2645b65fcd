// The server's caps under attack, over real loopback UDP: three real discovery servers, two
// real headless clients (alice and bob, chatting), and an attacker host on other loopback
// addresses (127.0.0.2-4: all of 127/8 reaches lo on Linux) running many identities.
//   - 2,000 identities from one host, 689 named "bob": each server lists at most 64 of them;
//     the real bob stays listed and reachable, and the chat goes on.
//   - Connects for alice from 30 identities at once: alice is introduced (and so made to
//     punch) a bounded number of times.
//   - Relays to alice that she never asked for: nothing reaches her; a pair that both asked
//     still relays.
// Each test ends by checking that alice's and bob's conversation kept its path and still
// delivers. The attacker's identities register through the client's own sans-IO discovery
// code (Puppet below), so they speak whatever registration protocol the servers speak; the
// requests they aim (Connect, Relay) go out through that same code.

import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { after, before, test } from 'node:test';
import { DiscoveryClient } from '../../client/core/discovery-client.ts';
import { decodeMessage } from '../../src/codec.ts';
import { INTRODUCTIONS_PER_TARGET_BURST, INTRODUCTIONS_PER_TARGET_RATE_PER_S, MAX_IDS_PER_IP } from '../../src/constants.ts';
import { Identity } from '../../src/crypto/identity.ts';
import { MsgType, type Endpoint, type Message } from '../../src/wire.ts';
import { HeadlessClient, type HeadlessEvent } from '../helpers/headless-client.ts';
import { freeUdpPort, startServer, stopProcess } from '../helpers/processes.ts';

/** One attacker identity: its own socket on `host`, registered through the client's discovery code. */
class Puppet {
  readonly received: Message[] = [];
  private constructor(
    readonly sock: dgram.Socket,
    readonly client: DiscoveryClient,
    readonly identity: Identity,
  ) {
    sock.on('message', (bytes, rinfo) => {
      const msg = decodeMessage(bytes);
      if (!msg) return;
      this.received.push(msg);
      const server = client.serverAt([rinfo.address, rinfo.port]);
      if (server) client.receive(server, msg, performance.now());
      this.flush();
    });
  }

  static async open(host: string, name: string, servers: Endpoint[], peerListPollMs?: number): Promise<Puppet> {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, host, () => r()));
    sock.unref(); // a failed test must not hang on open puppets
    const identity = Identity.generate();
    const timings = peerListPollMs !== undefined ? { timings: { peerListPollMs } } : {};
    const client = new DiscoveryClient(servers, identity, name, performance.now(), { wallClock: () => Date.now(), ...timings });
    return new Puppet(sock, client, identity);
  }

  /** Runs the client's timers (registration, retries, heartbeats) and sends what it has. */
  pump(): void {
    this.client.handleTimeout(performance.now());
    this.flush();
  }

  send(server: Endpoint, msg: Message): void {
    this.client.sendTo(server, msg);
    this.flush();
  }

  /** The ids on the peer list of each server (this one's own walk of each list). */
  listsOf(): Map<number, string[]> {
    return new Map(this.client.servers.map((s) => [s.addr[1], [...s.peers.keys()]]));
  }

  /** Every server's list has been walked to its last page (its version is known). */
  walkedAll(): boolean {
    return this.client.servers.every((s) => s.ver !== undefined && s.walk === undefined);
  }

  /** Servers that list this identity (its address proven there). */
  listedOn(): Endpoint[] {
    return this.client.servers.filter((s) => s.proven).map((s) => s.addr);
  }

  count(t: MsgType): number {
    return this.received.filter((m) => m.t === t).length;
  }

  close(): Promise<void> {
    return new Promise((r) => this.sock.close(() => r()));
  }

  private flush(): void {
    for (let tx = this.client.pollTransmit(); tx; tx = this.client.pollTransmit()) this.sock.send(tx.bytes, tx.to[1], tx.to[0]);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens `n` puppets on `host`, pumps them for `ms` (they register), and returns them still open. */
async function puppets(host: string, names: (i: number) => string, n: number, servers: Endpoint[], ms: number, peerListPollMs?: number): Promise<Puppet[]> {
  const all = await Promise.all(Array.from({ length: n }, (_, i) => Puppet.open(host, names(i), servers, peerListPollMs)));
  const until = Date.now() + ms;
  while (Date.now() < until) {
    for (const p of all) p.pump();
    await sleep(50);
  }
  return all;
}

let servers: ChildProcess[] = [];
let endpoints: Endpoint[] = [];
let alice: HeadlessClient;
let bob: HeadlessClient;
let aliceId = '';
let bobId = '';
let aliceAddr = '';
let bobAddr = '';
const ENV = { NATTER_PEER_LIST_POLL_MS: '500' };

before(async () => {
  const ports = [await freeUdpPort(), await freeUdpPort(), await freeUdpPort()];
  endpoints = ports.map((p): Endpoint => ['127.0.0.1', p]);
  servers = await Promise.all(ports.map((p) => startServer(p)));
  alice = HeadlessClient.start('alice', ports, { env: ENV });
  bob = HeadlessClient.start('bob', ports, { env: ENV });
  const [ra, rb] = await Promise.all([alice.ready(), bob.ready()]);
  aliceId = String(ra.id);
  bobId = String(rb.id);
  await alice.waitFor(listing(bobId), 10_000, 'bob listed');
  alice.send({ cmd: 'connect', peer: bobId });
  const [ca, cb] = await Promise.all([alice.waitEvent('connected', 10_000), bob.waitEvent('connected', 10_000)]);
  aliceAddr = String(ca.addr);
  bobAddr = String(cb.addr);
});

after(async () => {
  await Promise.all([alice?.stop(), bob?.stop(), ...servers.map((s) => stopProcess(s))]);
});

function listing(id: string): (e: HeadlessEvent) => boolean {
  return (e) => e.event === 'peers' && (e.peers as { id: string }[]).some((p) => p.id === id);
}

/** The attack changed nothing between alice and bob: same paths, and new messages are delivered both ways. */
async function chatStillDelivers(tag: string): Promise<void> {
  const connects = (c: HeadlessClient) => c.events.filter((e) => e.event === 'connected' && (e.peerId === aliceId || e.peerId === bobId));
  assert.deepEqual(
    connects(alice).map((e) => e.addr),
    [aliceAddr],
    "alice's conversation never moved",
  );
  assert.deepEqual(
    connects(bob).map((e) => e.addr),
    [bobAddr],
    "bob's conversation never moved",
  );
  alice.send({ cmd: 'send', peer: bobId, text: `${tag} a2b`, ref: `${tag}-a` });
  bob.send({ cmd: 'send', peer: aliceId, text: `${tag} b2a`, ref: `${tag}-b` });
  await Promise.all([alice.waitEvent('delivered', 10_000, { ref: `${tag}-a` }), bob.waitEvent('delivered', 10_000, { ref: `${tag}-b` })]);
  await Promise.all([bob.waitEvent('message', 5_000, { text: `${tag} a2b` }), alice.waitEvent('message', 5_000, { text: `${tag} b2a` })]);
}

test('2,000 identities from one host, 689 named "bob": each server lists at most 64; the real bob stays listed and the chat goes on', async () => {
  const all: Puppet[] = [];
  // In batches of 250 sockets: each registers (Register, token echo) with all three servers.
  // The sockets stay open (a closed one's port could come back and displace its entry).
  for (let done = 0; done < 2_000; done += 250) {
    const batch = await puppets('127.0.0.2', (i) => ((done + i) % 3 === 0 && done + i < 2_067 ? 'bob' : `m${done + i}`), 250, endpoints, 1_200);
    all.push(...batch);
  }
  assert.equal(all.length, 2_000);
  // Each server's own list, walked by an observer on another address.
  const [observer] = await puppets('127.0.0.5', () => 'observer', 1, endpoints, 1_000, 300);
  assert.ok(observer);
  // Until it has walked every server's list to the end at least once.
  for (const until = Date.now() + 10_000; Date.now() < until && !observer.walkedAll(); await sleep(100)) observer.pump();
  assert.ok(observer.walkedAll(), 'the observer walked every list');
  const attackerIds = new Set(all.map((p) => p.identity.id));
  for (const [port, ids] of observer.listsOf()) {
    const listed = ids.filter((id) => attackerIds.has(id)).length;
    assert.ok(listed <= MAX_IDS_PER_IP, `server ${port} lists ${listed} of the attacker's identities`);
    assert.ok(listed >= MAX_IDS_PER_IP - 4, `server ${port} filled its cap for the attacker's address (${listed})`);
    assert.ok(ids.includes(bobId) && ids.includes(aliceId), `server ${port} still lists alice and bob`);
  }
  const refused = all.filter((p) => p.received.some((m) => m.t === MsgType.ServerError && m.code === 'TOO_MANY_IDENTITIES')).length;
  assert.ok(refused > 0, 'refused identities are told why (within the error budget)');
  // What alice sees: the real bob, and at most 64 of the attacker's per server.
  const view = await alice.waitFor((e) => e.event === 'peers' && (e.peers as unknown[]).length > 2, 10_000, 'the attacker in the list');
  await sleep(1_500);
  const latest = alice.events.filter((e) => e.event === 'peers').at(-1) ?? view;
  const peers = latest.peers as { id: string; name: string }[];
  assert.ok(peers.some((p) => p.id === bobId), 'the real bob is still listed');
  assert.ok(peers.length <= 3 * MAX_IDS_PER_IP + 1, `${peers.length} peers in alice's merged list`);
  assert.ok(peers.filter((p) => p.name === 'bob').length <= 3 * MAX_IDS_PER_IP + 1);
  await Promise.all([...all, observer].map((p) => p.close()));
  await chatStillDelivers('ids');
});

test('Connects for alice from 30 identities at once: alice is introduced a bounded number of times', async () => {
  // Registered with one server only, so every introduction goes through that server's bucket for alice.
  const server = endpoints[0] as Endpoint;
  const attackers = await puppets('127.0.0.3', (i) => `c${i}`, 30, [server], 1_500);
  assert.equal(attackers.filter((p) => p.listedOn().length === 1).length, 30, 'all 30 listed');
  const t0 = Date.now();
  for (let round = 0; round < 4; round++) {
    // Each identity's own burst (20) every half second: 600 Connects a round, far over alice's allowance.
    for (const p of attackers) for (let i = 0; i < 20; i++) p.send(server, { t: MsgType.Connect, target: aliceId });
    await sleep(500);
  }
  await sleep(1_000);
  const seconds = (Date.now() - t0) / 1000;
  // Each introduction sends an Introduce to the requester too: what the attackers got is what alice got.
  const introductions = attackers.reduce((n, p) => n + p.count(MsgType.Introduce), 0);
  const bound = INTRODUCTIONS_PER_TARGET_BURST + INTRODUCTIONS_PER_TARGET_RATE_PER_S * seconds;
  assert.ok(introductions > 0, 'some introductions went through');
  assert.ok(introductions <= bound, `${introductions} introductions of alice in ${seconds.toFixed(1)} s (bound ${bound.toFixed(0)}, 2,400 asked)`);
  await Promise.all(attackers.map((p) => p.close()));
  await chatStillDelivers('intro');
});

test('relays to alice that she never asked for reach nothing; a pair that both asked still relays', async () => {
  const [mallory, carol] = await puppets('127.0.0.4', (i) => (i === 0 ? 'mallory' : 'carol'), 2, endpoints, 1_500);
  assert.ok(mallory && carol);
  assert.equal(mallory.listedOn().length, 3);
  alice.send({ cmd: 'stats' });
  const before = (await alice.waitForNext((e) => e.event === 'stats', 5_000, 'stats')).drops as Record<string, number>;
  const junk = new Uint8Array(200).fill(0xff); // alice would count it as a relayed drop if it reached her
  for (let round = 0; round < 5; round++) {
    for (const server of endpoints) for (let i = 0; i < 100; i++) mallory.send(server, { t: MsgType.Relay, to: aliceId, data: junk });
    await sleep(200);
  }
  // Carol asked for mallory (a Connect): mallory's datagrams to her are carried.
  const server = endpoints[0] as Endpoint;
  carol.send(server, { t: MsgType.Connect, target: mallory.identity.id });
  await sleep(300);
  for (let i = 0; i < 5; i++) mallory.send(server, { t: MsgType.Relay, to: carol.identity.id, data: junk });
  await sleep(500);
  assert.equal(carol.count(MsgType.Relayed), 5, 'a consenting pair relays');
  alice.send({ cmd: 'stats' });
  const after = (await alice.waitForNext((e) => e.event === 'stats', 5_000, 'stats')).drops as Record<string, number>;
  const relayedDrops = (d: Record<string, number>) => Object.entries(d).filter(([k]) => k.startsWith('relayed-')).reduce((n, [, v]) => n + v, 0);
  assert.equal(relayedDrops(after), relayedDrops(before), `nothing relayed reached alice: ${JSON.stringify(after)}`);
  await Promise.all([mallory.close(), carol.close()]);
  await chatStillDelivers('relay');
});
