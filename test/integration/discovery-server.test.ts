// The discovery server over real loopback UDP, and its CLI as a child process. Every socket
// and process is closed in `after`/`finally`; every wait is bounded.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { decodeMessage, encode } from '../../src/codec.ts';
import { MsgType, type Message, type MessageOf } from '../../src/wire.ts';
import { startDiscoveryServer, type DiscoveryServer } from '../../discovery/edge/server.ts';
import { Identity } from '../../src/crypto/identity.ts';
import { verifyIntroduce } from '../../src/crypto/signed.ts';
import { signedRegister, TEST_SERVER_KEY } from './discovery-traffic.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WAIT_MS = 3_000;

/** A client socket with a queue of decoded replies. */
class Client {
  readonly sock = dgram.createSocket('udp4');
  private readonly inbox: Message[] = [];
  private waiter: (() => void) | undefined;

  async open(): Promise<this> {
    this.sock.on('message', (bytes) => {
      const msg = decodeMessage(bytes);
      if (msg) this.inbox.push(msg);
      this.waiter?.();
    });
    this.sock.bind(0, '127.0.0.1');
    await once(this.sock, 'listening');
    return this;
  }

  get port(): number {
    return this.sock.address().port;
  }

  send(msg: Message, port: number): void {
    this.sock.send(encode(msg), port, '127.0.0.1');
  }

  async next<T extends Message['t']>(t: T): Promise<MessageOf<T>> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const at = this.inbox.findIndex((m) => m.t === t);
      if (at >= 0) return this.inbox.splice(at, 1)[0] as MessageOf<T>;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no message of type ${t} within ${WAIT_MS} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  close(): void {
    this.sock.close();
  }
}

/** Runs the CLI; resolves with exit code and output, killing it if it outlives `timeoutMs`. */
/** Server key files of the CLI runs go here (default: the per-port file under $XDG_DATA_HOME/natter). */
const DATA_HOME = mkdtempSync(join(tmpdir(), 'natter-data-'));

function runCli(args: string[], opts: { timeoutMs?: number; onStdout?: (text: string, kill: () => void) => void } = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'discovery/edge/cli.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, XDG_DATA_HOME: DATA_HOME } });
  let stdout = '';
  let stderr = '';
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 15_000);
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    opts.onStdout?.(stdout, () => child.kill('SIGTERM'));
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('discovery server over loopback UDP', () => {
  const lines: string[] = [];
  const clients: Client[] = [];
  let server: DiscoveryServer | undefined;

  after(async () => {
    for (const c of clients) c.close();
    await server?.close();
  });

  it('registers two clients, lists them, and introduces them to each other', async () => {
    server = await startDiscoveryServer({ port: 0, host: '127.0.0.1', engine: { serverKey: TEST_SERVER_KEY }, log: (l) => lines.push(l), statsIntervalMs: 0 });
    const port = server.port;
    const alice = await new Client().open();
    const bob = await new Client().open();
    clients.push(alice, bob);
    const ia = Identity.fromSeed(new Uint8Array(32).fill(10)) as Identity;
    const ib = Identity.fromSeed(new Uint8Array(32).fill(11)) as Identity;
    const idA = ia.id;
    const idB = ib.id;

    alice.send(signedRegister(ia, 'alice', Date.now(), [['10.1.2.3', alice.port]]), port);
    bob.send(signedRegister(ib, 'bob', Date.now()), port);
    const ra = await alice.next(MsgType.Registered);
    const rb = await bob.next(MsgType.Registered);
    assert.deepEqual(ra.observed, ['127.0.0.1', alice.port]);
    assert.deepEqual(rb.observed, ['127.0.0.1', bob.port]);
    // Echo the tokens: the addresses are proven, the entries listed.
    alice.send({ t: MsgType.Heartbeat, id: idA, token: ra.token }, port);
    bob.send({ t: MsgType.Heartbeat, id: idB, token: rb.token }, port);
    const pa = await alice.next(MsgType.Registered);
    const pb = await bob.next(MsgType.Registered);
    assert.equal(pa.proven, true);
    assert.equal(pb.proven, true);

    alice.send({ t: MsgType.ListPeers, token: pa.token }, port);
    const list = await alice.next(MsgType.PeerList);
    assert.deepEqual(list.peers.map((p) => p.name).sort(), ['alice', 'bob']);
    assert.equal(list.total, 2);

    bob.send({ t: MsgType.Connect, target: idA, token: pb.token }, port);
    const [toAlice, toBob] = await Promise.all([alice.next(MsgType.Introduce), bob.next(MsgType.Introduce)]);
    // Signed by the server for each recipient (src/crypto/signed.ts), with its wall clock.
    for (const [m, recipient] of [[toAlice, idA], [toBob, idB]] as const) {
      assert.ok(verifyIntroduce(TEST_SERVER_KEY.publicKey, { recipient, peer: m.peer, candidates: m.candidates, ts: m.ts as number }, m.sig));
      assert.ok(Math.abs((m.ts as number) - Date.now()) < 5_000);
      delete m.ts;
      delete m.sig;
    }
    assert.deepEqual(toAlice, { t: MsgType.Introduce, peer: { id: idB, name: 'bob' }, candidates: [{ kind: 'public', addr: ['127.0.0.1', bob.port] }] });
    assert.deepEqual(toBob.peer, { id: idA, name: 'alice' });
    assert.deepEqual(toBob.candidates, [
      { kind: 'public', addr: ['127.0.0.1', alice.port] },
      { kind: 'lan', addr: ['10.1.2.3', alice.port] },
    ]);

    alice.send({ t: MsgType.Leave, id: idA, token: ra.token }, port);
    bob.send({ t: MsgType.ListPeers, ver: list.ver, token: pb.token }, port);
    const after = await bob.next(MsgType.PeerList);
    assert.deepEqual(after.peers.map((p) => p.name), ['bob']);

    assert.ok(lines.some((l) => l.startsWith('join') && l.includes(`"alice" (${idA.slice(0, 8)})`) && l.includes(`127.0.0.1:${alice.port}`)), lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith('leave') && l.includes('alice')), lines.join('\n'));
    const stats = server.stats();
    assert.equal(stats.online, 1);
    assert.ok(stats.datagramsIn >= 6 && stats.datagramsOut >= 6);
  });
});

describe('discovery CLI', () => {
  it('refuses an unknown flag with one line on stderr and exit code 2', async () => {
    const r = await runCli(['--bogus']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^natter-discovery: .*bogus.*\n$/);
  });

  it('refuses a bad port with exit code 2', async () => {
    const r = await runCli(['--port', '70000']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^natter-discovery: bad port "70000".*\n$/);
  });

  it('reports a port in use with exit code 2 and no stack trace', async () => {
    const taken = dgram.createSocket('udp4');
    try {
      taken.bind(0, '127.0.0.1');
      await once(taken, 'listening');
      const r = await runCli(['--host', '127.0.0.1', '--port', String(taken.address().port)]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^natter-discovery: cannot bind UDP .*EADDRINUSE.*\n$/);
    } finally {
      taken.close();
    }
  });

  it('starts, and stops cleanly with exit code 0 on SIGTERM', async () => {
    let sent = false;
    const r = await runCli(['--host', '127.0.0.1', '--port', '0'], {
      onStdout: (text, kill) => {
        if (!sent && text.includes('discovery server on UDP')) {
          sent = true;
          kill();
        }
      },
    });
    assert.ok(sent, r.stdout + r.stderr);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /stopped/);
  });

  it('keeps its key in a 0600 file (--key, or per port under $XDG_DATA_HOME/natter) and prints it at start-up', async () => {
    const startAndStop = (args: string[]) =>
      runCli(['--host', '127.0.0.1', ...args], { onStdout: (text, kill) => text.includes('discovery server on UDP') && kill() });
    const keyFile = join(DATA_HOME, 'mine', 'server.key');
    const first = await startAndStop(['--port', '0', '--key', keyFile]);
    const key = /key ([0-9a-f]{64});/.exec(first.stdout)?.[1];
    assert.ok(key, first.stdout);
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.equal(statSync(join(DATA_HOME, 'mine')).mode & 0o777, 0o700);
    const again = await startAndStop(['--port', '0', '--key', keyFile]);
    assert.ok(again.stdout.includes(`key ${key};`), 'the same key after a restart');
    assert.ok(again.stdout.includes(`#${key}`), 'clients are told host:port#KEY');
    // Without --key, a fixed port has its own default file.
    const free = dgram.createSocket('udp4');
    free.bind(0, '127.0.0.1');
    await once(free, 'listening');
    const port = free.address().port;
    free.close();
    const byPort = await startAndStop(['--port', String(port)]);
    assert.equal(statSync(join(DATA_HOME, 'natter', `discovery-${port}.key`)).mode & 0o777, 0o600, byPort.stderr);
  });
});
