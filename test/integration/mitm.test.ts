// A third party on the path: a UDP proxy sits between two real clients (alice dials the
// proxy with /connect, the proxy forwards to bob), captures every datagram, then replays,
// tampers and injects. It must not read a message, get one shown twice, or get a forged
// one shown at all; and a key change under a known name must be detected.

import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { after, before, test } from 'node:test';
import { decode, encode } from '../../src/codec.ts';
import { MsgType } from '../../src/wire.ts';
import { HeadlessClient, type HeadlessEvent as Event } from '../helpers/headless-client.ts';
import { freeUdpPort, startServer, stopProcess, tempHome } from '../helpers/processes.ts';

type Mode = 'forward' | 'tamper';

/** A man in the middle: forwards alice <-> bob, keeps a copy of everything. */
class PathAttacker {
  readonly sock = dgram.createSocket('udp4');
  readonly captured: { toBob: boolean; bytes: Buffer }[] = [];
  alice: { address: string; port: number } | undefined;
  mode: Mode = 'forward';
  tampered = 0;
  constructor(readonly bobPort: number) {}

  async listen(): Promise<number> {
    await new Promise<void>((r) => this.sock.bind(0, '127.0.0.1', () => r()));
    this.sock.on('message', (msg, rinfo) => {
      const fromBob = rinfo.port === this.bobPort;
      if (!fromBob) this.alice = { address: rinfo.address, port: rinfo.port };
      this.captured.push({ toBob: !fromBob, bytes: Buffer.from(msg) });
      let out = msg;
      if (this.mode === 'tamper' && !fromBob && decode(msg).ok && decode(msg).ok && (decode(msg) as { msg: { t: number } }).msg.t === MsgType.Sealed) {
        out = Buffer.from(msg);
        out[out.length - 5] = (out[out.length - 5] as number) ^ 0x40; // flip a bit inside the ciphertext or tag
        this.tampered++;
      }
      if (fromBob) {
        if (this.alice) this.sock.send(out, this.alice.port, this.alice.address);
      } else this.sock.send(out, this.bobPort, '127.0.0.1');
    });
    return this.sock.address().port;
  }

  inject(bytes: Uint8Array): void {
    this.sock.send(bytes, this.bobPort, '127.0.0.1');
  }

  close(): void {
    this.sock.close();
  }
}

let servers: ChildProcess[] = [];
let ports: number[] = [];
let alice: HeadlessClient;
let bob: HeadlessClient;
let attacker: PathAttacker;
const bobHome = tempHome();

const messagesAt = (c: HeadlessClient) => c.events.filter((e) => e.event === 'message');

before(async () => {
  ports = [await freeUdpPort(), await freeUdpPort(), await freeUdpPort()];
  servers = await Promise.all(ports.map((p) => startServer(p)));
  const bobPort = await freeUdpPort();
  bob = HeadlessClient.start('bob', ports, { port: bobPort, home: bobHome });
  alice = HeadlessClient.start('alice', ports);
  attacker = new PathAttacker(bobPort);
  const proxyPort = await attacker.listen();
  await Promise.all([alice.waitFor((e) => e.event === 'ready', 10_000), bob.waitFor((e) => e.event === 'ready', 10_000)]);
  alice.send({ cmd: 'connect', addr: `127.0.0.1:${proxyPort}` });
  await Promise.all([alice.waitFor((e) => e.event === 'connected', 10_000), bob.waitFor((e) => e.event === 'connected', 10_000)]);
});

after(async () => {
  attacker?.close();
  await Promise.all([alice?.stop(), bob?.stop(), ...servers.map((s) => stopProcess(s))]);
});

async function sendAndConfirm(text: string, ref: string): Promise<void> {
  alice.send({ cmd: 'send', peer: 'bob', text, ref });
  await alice.waitFor((e) => e.event === 'delivered' && e.ref === ref, 15_000, `delivered ${ref}`);
}

test('the path sees only ciphertext', async () => {
  for (let i = 0; i < 5; i++) await sendAndConfirm(`secret-olá-${i}`, `s${i}`);
  assert.equal(messagesAt(bob).length, 5);
  const needle = Buffer.from('secret-ol');
  const leaked = attacker.captured.filter((c) => c.bytes.includes(needle));
  assert.equal(leaked.length, 0, 'no captured datagram contains the plaintext');
  assert.ok(attacker.captured.some((c) => decode(c.bytes).ok && (decode(c.bytes) as { msg: { t: number } }).msg.t === MsgType.Sealed), 'chat went as Sealed datagrams');
});

test('replayed datagrams are dropped, never shown twice', async () => {
  const before = messagesAt(bob).length;
  for (let round = 0; round < 3; round++) for (const c of attacker.captured.filter((c) => c.toBob)) attacker.inject(c.bytes);
  await sendAndConfirm('after-replay', 'r1'); // a fresh message as a barrier: the replays were processed before it
  assert.equal(messagesAt(bob).length, before + 1);
  assert.equal(messagesAt(bob).at(-1)?.text, 'after-replay');
});

test('tampered datagrams are dropped; the message arrives once the path is clean', async () => {
  attacker.mode = 'tamper';
  alice.send({ cmd: 'send', peer: 'bob', text: 'tamper-target', ref: 't1' });
  await new Promise((r) => setTimeout(r, 800));
  assert.ok(attacker.tampered > 0);
  assert.equal(messagesAt(bob).filter((e) => e.text === 'tamper-target').length, 0, 'no tampered message is shown');
  attacker.mode = 'forward';
  await alice.waitFor((e) => e.event === 'delivered' && e.ref === 't1', 15_000, 'delivered after tampering stops');
  assert.equal(messagesAt(bob).filter((e) => e.text === 'tamper-target').length, 1);
});

test('injected frames (plaintext or forged ciphertext) are never shown', async () => {
  const sealed = attacker.captured.map((c) => decode(c.bytes)).find((d) => d.ok && d.msg.t === MsgType.Sealed);
  assert.ok(sealed?.ok && sealed.msg.t === MsgType.Sealed);
  const cid = sealed.msg.cid;
  const before = messagesAt(bob).length;
  attacker.inject(encode({ t: MsgType.Data, cid, seq: 999, more: false, body: Buffer.from('injected plaintext') }));
  for (let n = 0; n < 50; n++) attacker.inject(encode({ t: MsgType.Sealed, cid, g: 0, n: 1_000_000 + n, ct: Buffer.alloc(60, n) }));
  attacker.inject(encode({ t: MsgType.Sealed, cid, g: 7, n: 5, ct: Buffer.alloc(60, 1) }));
  await sendAndConfirm('after-inject', 'i1');
  assert.equal(messagesAt(bob).length, before + 1);
  bob.send({ cmd: 'stats' });
  const stats = await bob.waitFor((e) => e.event === 'stats', 5_000);
  const drops = stats.drops as Record<string, number>;
  assert.ok((drops['plaintext-frame'] ?? 0) >= 1, JSON.stringify(drops));
  assert.ok((drops.auth ?? 0) + (drops['bad-generation'] ?? 0) >= 50, JSON.stringify(drops));
  assert.ok((drops.replay ?? 0) + (drops['too-old'] ?? 0) > 0, JSON.stringify(drops));
});

test('a different key under a known name is a different contact, told apart by id', async () => {
  // bob comes back with a new identity (his key file replaced): to alice that is a new contact
  // who happens to be called bob too; the old bob's pin stays under the old id.
  const oldBobId = String(bob.events.find((e) => e.event === 'ready')?.id);
  await bob.stop();
  const impostor = HeadlessClient.start('bob', ports, { home: tempHome() });
  try {
    await impostor.waitFor((e) => e.event === 'ready', 10_000);
    const newId = impostorId(impostor);
    await alice.waitFor((e) => e.event === 'peers' && (e.peers as { id: string; name: string }[]).some((p) => p.name === 'bob' && p.id === newId), 10_000, 'the new bob listed');
    alice.send({ cmd: 'connect', peer: newId });
    await alice.waitFor((e: Event) => e.event === 'connected' && e.peerId === newId, 15_000, 'connected to the new bob');
    alice.send({ cmd: 'whois', peer: oldBobId });
    const old = await alice.waitFor((e: Event) => e.event === 'whois' && e.peerId === oldBobId, 5_000, 'whois old bob');
    alice.send({ cmd: 'whois', peer: newId });
    const fresh = await alice.waitFor((e: Event) => e.event === 'whois' && e.peerId === newId, 5_000, 'whois new bob');
    assert.equal(old.known, true);
    assert.equal(fresh.known, true);
    assert.equal(fresh.verified, false);
    assert.notEqual(old.fingerprint, fresh.fingerprint, 'each id shows its own key');
    assert.equal(alice.events.filter((e) => e.event === 'lookalike').length, 0, 'the same name is not a look-alike');
  } finally {
    await impostor.stop();
  }
});

const impostorId = (c: HeadlessClient) => String(c.events.find((e) => e.event === 'ready')?.id);
