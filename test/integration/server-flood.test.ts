// Flood: one source sends as fast as it can (bounded: 10,000,000 datagrams or 50 s, loopback; stopped once the clients are done)
// at a discovery server process, while two headless clients register, see each other,
// connect and chat through it. The flooder drains only its own rate bucket.

import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { after, test } from 'node:test';
import { encode } from '../../src/codec.ts';
import { MsgType } from '../../src/wire.ts';
import { HeadlessClient, type HeadlessEvent as Event } from '../helpers/headless-client.ts';
import { freeUdpPort, startServer, stopProcess } from '../helpers/processes.ts';

// Time is the real bound (about 140k datagrams/s here); generous, because on a fresh clone the
// clients' first start compiles TypeScript and takes seconds: the flood must still be on.
const MAX_DATAGRAMS = 10_000_000;
const MAX_FLOOD_MS = 50_000;

let server: ChildProcess | undefined;
const clients: HeadlessClient[] = [];
let flooder: dgram.Socket | undefined;

after(async () => {
  flooder?.close();
  await Promise.all(clients.map((c) => c.stop()));
  if (server) await stopProcess(server);
});

const sees = (name: string) => (e: Event) => e.event === 'peers' && (e.peers as { name: string }[]).some((p) => p.name === name);

test('one source flooding does not stop two others from registering, meeting and chatting', { timeout: 90_000 }, async (t) => {
  const port = await freeUdpPort();
  server = await startServer(port);
  flooder = dgram.createSocket('udp4');
  flooder.bind(0, '127.0.0.1');
  await once(flooder, 'listening');
  const sock = flooder;

  // The flood: cheap-to-send requests the server must decode and refuse (list, connect, forged heartbeat).
  const payloads = [
    encode({ t: MsgType.ListPeers }),
    encode({ t: MsgType.Connect, target: 'ab'.repeat(16) }),
    encode({ t: MsgType.Heartbeat, id: 'ab'.repeat(16), token: new Uint8Array(16) }),
  ];
  let sent = 0;
  let stop = false;
  const started = Date.now();
  const flood = (async () => {
    while (!stop && sent < MAX_DATAGRAMS && Date.now() - started < MAX_FLOOD_MS) {
      for (let i = 0; i < 200; i++) sock.send(payloads[sent++ % payloads.length]!, port, '127.0.0.1');
      await new Promise((r) => setImmediate(r));
    }
  })();

  try {
    await new Promise((r) => setTimeout(r, 300)); // the flood is on before the clients start (they take a second or more to register)
    const alice = HeadlessClient.start('alice', [port]);
    const bob = HeadlessClient.start('bob', [port]);
    clients.push(alice, bob);
    await Promise.all([alice.waitFor((e) => e.event === 'ready', 15_000, 'ready'), bob.waitFor((e) => e.event === 'ready', 15_000, 'ready')]);
    await Promise.all([alice.waitFor(sees('bob'), 15_000, 'bob listed'), bob.waitFor(sees('alice'), 15_000, 'alice listed')]);
    alice.send({ cmd: 'connect', peer: 'bob' });
    await alice.waitFor((e) => e.event === 'connected', 15_000, 'connected');
    for (let i = 0; i < 5; i++) alice.send({ cmd: 'send', peer: 'bob', text: `during flood ${i}`, ref: `f${i}` });
    await alice.waitFor(() => alice.events.filter((e) => e.event === 'delivered').length >= 5, 15_000, '5 delivered');
    const floodRunning = !stop && sent < MAX_DATAGRAMS && Date.now() - started < MAX_FLOOD_MS;
    t.diagnostic(`clients met and chatted ${Date.now() - started} ms after the flood began; flood still running: ${floodRunning}; ${sent} datagrams sent so far`);
    assert.ok(floodRunning, 'the clients were served while the flood was on');
  } finally {
    stop = true;
    await flood;
  }
  t.diagnostic(`flood: ${sent} datagrams in ${Date.now() - started} ms from one socket`);
  assert.ok(sent > 10_000, 'the flood was a flood');
});
