// Fuzz: 100,000 random and mutated datagrams at a real discovery server on loopback, while
// two real clients (headless processes) stay registered, keep seeing each other, and can
// still connect and chat afterwards. Memory stays bounded; drops are reported by reason.
// Seeded (the same datagrams every run), bounded in count and time, loopback only.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { after, test } from 'node:test';
import { startDiscoveryServer, type DiscoveryServer } from '../../discovery/edge/server.ts';
import { HeadlessClient, type HeadlessEvent as Event } from '../helpers/headless-client.ts';
import { TrafficGenerator, seededRandom, TEST_SERVER_KEY } from './discovery-traffic.ts';

const DATAGRAMS = 100_000;
const SOCKETS = 16;
const BATCH = 50;
const CLIENT_ENV = { NATTER_HEARTBEAT_INTERVAL_MS: '1000', NATTER_PEER_LIST_POLL_MS: '500' };

let server: DiscoveryServer | undefined;
const clients: HeadlessClient[] = [];
const socks: dgram.Socket[] = [];

after(async () => {
  for (const s of socks) s.close();
  await Promise.all(clients.map((c) => c.stop()));
  await server?.close();
});

const sees = (name: string) => (e: Event) => e.event === 'peers' && (e.peers as { name: string }[]).some((p) => p.name === name);

test('100,000 hostile datagrams: the server stays up, bounded, and keeps serving two clients', { timeout: 90_000 }, async (t) => {
  server = await startDiscoveryServer({ port: 0, host: '127.0.0.1', engine: { serverKey: TEST_SERVER_KEY }, log: () => {}, statsIntervalMs: 0 });
  const port = server.port;
  const alice = HeadlessClient.start('alice', [port], { env: CLIENT_ENV });
  const bob = HeadlessClient.start('bob', [port], { env: CLIENT_ENV });
  clients.push(alice, bob);
  const [ra, rb] = await Promise.all([alice.waitFor((e) => e.event === 'ready', 15_000, 'ready'), bob.waitFor((e) => e.event === 'ready', 15_000, 'ready')]);
  await Promise.all([alice.waitFor(sees('bob'), 10_000, 'bob listed'), bob.waitFor(sees('alice'), 10_000, 'alice listed')]);

  for (let i = 0; i < SOCKETS; i++) {
    const sock = dgram.createSocket('udp4');
    sock.on('message', () => {});
    sock.bind(0, '127.0.0.1');
    await once(sock, 'listening');
    socks.push(sock);
  }
  const gen = new TrafficGenerator(seededRandom(2024), Date.now(), [String(ra.id), String(rb.id)]);
  const sentByKind = new Map<string, number>();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = Date.now();
  let onlineDips = 0;
  for (let i = 0; i < DATAGRAMS; i += BATCH) {
    for (let j = 0; j < BATCH; j++) {
      const { kind, bytes } = gen.next();
      sentByKind.set(kind, (sentByKind.get(kind) ?? 0) + 1);
      socks[(i + j) % SOCKETS]!.send(bytes, port, '127.0.0.1');
    }
    await new Promise((r) => setTimeout(r, 1)); // let the server (same process) read its socket: paced, not a flood
    if (i % 10_000 === 0) {
      await new Promise((r) => setTimeout(r, 20)); // and the clients' heartbeats through
      if (server.stats().online !== 2) onlineDips++;
    }
  }
  await new Promise((r) => setTimeout(r, 1_500)); // the clients heartbeat (every 1 s) after the storm
  const elapsed = Date.now() - started;
  const stats = server.stats();
  const heapAfter = process.memoryUsage().heapUsed;
  const mb = (n: number) => (n / 2 ** 20).toFixed(1);
  t.diagnostic(`sent ${DATAGRAMS} datagrams in ${elapsed} ms from ${SOCKETS} sockets; by kind ${JSON.stringify(Object.fromEntries(sentByKind))}`);
  t.diagnostic(`server: in ${stats.datagramsIn} (the rest lost in the kernel), out ${stats.datagramsOut}, online ${stats.online}, tracked ${JSON.stringify(stats.tracked)}`);
  t.diagnostic(`drops by reason: ${JSON.stringify(stats.drops)}`);
  t.diagnostic(`heapUsed before ${mb(heapBefore)} MB, after ${mb(heapAfter)} MB; unproven out/in worst ${stats.amplification.worstRatio.toFixed(3)}; online dips ${onlineDips}`);

  assert.ok(stats.datagramsIn >= DATAGRAMS * 0.7, `the server read most of them (a loaded loopback loses some) (${stats.datagramsIn})`);
  assert.equal(stats.online, 2, 'both clients are still registered');
  assert.ok(stats.tracked.sources <= 50_000 && stats.tracked.pending <= 20_000);
  assert.ok(heapAfter <= heapBefore + 64 * 2 ** 20, `heap grew ${mb(heapAfter - heapBefore)} MB`);
  assert.ok(stats.amplification.worstRatio <= 1);
  assert.equal(stats.drops['internal-error'], undefined, 'no datagram reached the engine\'s catch-all');
  assert.ok(elapsed < 60_000);

  // Still serving: the two clients are introduced and chat.
  alice.send({ cmd: 'connect', peer: 'bob' });
  await alice.waitFor((e) => e.event === 'connected', 10_000, 'connected');
  alice.send({ cmd: 'send', peer: 'bob', text: 'still here', ref: 'f1' });
  await alice.waitFor((e) => e.event === 'delivered' && e.ref === 'f1', 10_000, 'delivered');
  await bob.waitFor((e) => e.event === 'message' && e.text === 'still here', 10_000, 'message');
});
