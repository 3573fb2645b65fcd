// Fuzzing a client: 100,000 random and mutated peer-to-peer datagrams (seeded, so a
// failure reproduces) at a real headless client while it keeps chatting with a real peer.
// Every message still arrives once and in order, memory stays bounded, and the client
// counts what it dropped, by reason.

import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { encode } from '../../src/codec.ts';
import { MsgType, type Message } from '../../src/wire.ts';
import { seededRandom } from '../helpers/prng.ts';
import { HeadlessClient } from '../helpers/headless-client.ts';
import { freeUdpPort, startServer, stopProcess } from '../helpers/processes.ts';

const DATAGRAMS = 100_000;
const SEED = 20261125;

let servers: ChildProcess[] = [];
let alice: HeadlessClient;
let bob: HeadlessClient;
let bobPort = 0;

const rssKiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);

before(async () => {
  const ports = [await freeUdpPort(), await freeUdpPort(), await freeUdpPort()];
  servers = await Promise.all(ports.map((p) => startServer(p)));
  bobPort = await freeUdpPort();
  bob = HeadlessClient.start('bob', ports, { port: bobPort });
  alice = HeadlessClient.start('alice', ports);
  await Promise.all([alice.waitFor((e) => e.event === 'ready', 10_000), bob.waitFor((e) => e.event === 'ready', 10_000)]);
  await alice.waitFor((e) => e.event === 'peers' && (e.peers as { name: string }[]).some((p) => p.name === 'bob'), 10_000);
  alice.send({ cmd: 'connect', peer: 'bob' });
  await Promise.all([alice.waitFor((e) => e.event === 'connected', 10_000), bob.waitFor((e) => e.event === 'connected', 10_000)]);
});

after(async () => {
  await Promise.all([alice?.stop(), bob?.stop(), ...servers.map((s) => stopProcess(s))]);
});

/** Valid-looking peer-to-peer datagrams to mutate, and random ones. */
function fuzzer(random: () => number) {
  const int = (n: number) => Math.floor(random() * n);
  const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[int(16)]).join('');
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  const templates = (): Message[] => [
    { t: MsgType.Punch, from: hex(32), to: bob.events.find((e) => e.event === 'ready')?.id as string, name: `f${int(99)}`, cid: int(2 ** 32) },
    { t: MsgType.PunchAck, from: hex(32), to: hex(32), name: 'x', cid: int(2 ** 32), echo: int(2 ** 32) },
    { t: MsgType.Handshake, cid: int(2 ** 32), scid: int(2 ** 32), data: bytes(1 + int(200)) },
    { t: MsgType.Sealed, cid: int(2 ** 32), g: int(3), n: int(2 ** 20), ct: bytes(16 + int(300)) },
    { t: MsgType.Data, cid: int(2 ** 32), seq: int(100), more: false, body: bytes(int(100)) },
    { t: MsgType.Ack, cid: int(2 ** 32), cum: int(100), sack: [[int(100), int(200)]] },
    { t: MsgType.Bye, cid: int(2 ** 32) },
    { t: MsgType.Introduce, peer: { id: hex(32), name: 'evil' }, candidates: [{ kind: 'public', addr: ['127.0.0.1', 1 + int(60000)] }] },
  ];
  return (): Buffer => {
    const kind = int(10);
    if (kind === 0) return bytes(1 + int(1400)); // noise, some oversized
    const list = templates();
    const msg = encode(list[int(list.length)] as Message);
    if (kind <= 3) return msg; // well-formed but unsolicited
    const out = Buffer.from(msg);
    if (kind <= 6)
      for (let i = 0; i < 1 + int(4); i++) {
        const at = int(out.length);
        out[at] = (out[at] ?? 0) ^ (1 << int(8)); // bit flips
      }
    else if (kind === 7) return out.subarray(0, int(out.length)); // truncation
    else if (kind === 8) out[int(out.length)] = 0xd8 + int(4); // a tag or huge length in the middle
    else return Buffer.concat([out, bytes(int(64))]); // trailing garbage
    return out;
  };
}

test(`${DATAGRAMS} hostile datagrams while the chat goes on`, async (t) => {
  const random = seededRandom(SEED);
  const next = fuzzer(random);
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const rssBefore = rssKiB(bob.child.pid as number);
  let sent = 0;
  let chat = 0;
  const texts: string[] = [];
  try {
    while (sent < DATAGRAMS) {
      for (let i = 0; i < 500 && sent < DATAGRAMS; i++, sent++) sock.send(next(), bobPort, '127.0.0.1');
      if (sent % 5_000 === 0) {
        const text = `during-fuzz-${chat++}`;
        texts.push(text);
        alice.send({ cmd: 'send', peer: 'bob', text, ref: text });
      }
      await new Promise((r) => setImmediate(r)); // let the socket drain: bounded memory on our side too
    }
  } finally {
    sock.close();
  }
  await alice.waitFor(() => alice.events.filter((e) => e.event === 'delivered').length >= texts.length, 30_000, 'every message delivered');
  const got = bob.events.filter((e) => e.event === 'message').map((e) => e.text);
  assert.deepEqual(got, texts, 'every chat message arrived once, in order, during the fuzz');
  assert.equal(bob.events.filter((e) => e.event === 'disconnected').length, 0);
  const rssAfter = rssKiB(bob.child.pid as number);
  bob.send({ cmd: 'stats' });
  const stats = await bob.waitFor((e) => e.event === 'stats', 5_000);
  const drops = stats.drops as Record<string, number>;
  const total = Object.values(drops).reduce((a, b) => a + b, 0);
  t.diagnostic(`sent ${sent} datagrams (seed ${SEED}); bob dropped ${total} (the kernel may have lost some): ${JSON.stringify(drops)}`);
  t.diagnostic(`bob RSS ${Math.round(rssBefore / 1024)} MB -> ${Math.round(rssAfter / 1024)} MB`);
  assert.ok(total > DATAGRAMS / 4, 'the hostile datagrams reached the client and were counted');
  assert.ok(rssAfter - rssBefore < 96 * 1024, `memory stays bounded (+${Math.round((rssAfter - rssBefore) / 1024)} MB)`);
  assert.equal(bob.events.filter((e) => e.event === 'connected').length, 1, 'no forged conversation was opened');
});
