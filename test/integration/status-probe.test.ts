// The status probe over real loopback UDP: it sees a real discovery server up (with its
// figures, signed by its key), then down within 5 s of the server being closed; a forger on
// another port that answers with its own key is never believed.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, describe, it } from 'node:test';
import { decode, encode } from '../../src/codec.ts';
import { Identity } from '../../src/crypto/identity.ts';
import { signClaim } from '../../src/crypto/signed.ts';
import { fromHex } from '../../src/crypto/bytes.ts';
import { MsgType } from '../../src/wire.ts';
import { statusBytes } from '../../discovery/core/status.ts';
import { startDiscoveryServer } from '../../discovery/edge/server.ts';
import { StatusProbe } from '../../discovery/edge/status-probe.ts';

type Status = { up: boolean; reply?: { clients: number; uptimeMs: number }; lastSeen?: number };

/** Resolves with the first status of `addr` that satisfies `ok`, or rejects after `ms`. */
function waitFor(probe: StatusProbe, addr: string, ok: (s: Status) => boolean, ms: number, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`${what}: not within ${ms} ms`));
    }, ms);
    const off = probe.onChange((a, s) => {
      if (a !== addr || !ok(s)) return;
      clearTimeout(timer);
      off();
      resolve(performance.now());
    });
  });
}

describe('status probe over UDP', () => {
  const closers: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const close of closers) await close();
  });

  it('sees a real server up, then down within 5 s of closing it', async (t) => {
    const server = await startDiscoveryServer({ port: 0, host: '127.0.0.1', statsIntervalMs: 0, log: () => {} });
    closers.push(() => server.close());
    const probe = await StatusProbe.open({ host: '127.0.0.1' });
    closers.push(() => probe.close());
    const addr = `127.0.0.1:${server.port}`;
    const up = waitFor(probe, addr, (s) => s.up && s.reply !== undefined, 5_000, 'up');
    probe.watch(['127.0.0.1', server.port], fromHex(server.publicKey, 32));
    await up;
    const status = probe.statusOf(['127.0.0.1', server.port]);
    assert.equal(status?.reply?.clients, 0);
    assert.ok((status?.lastSeen ?? 0) > Date.now() - 10_000);
    const down = waitFor(probe, addr, (s) => !s.up, 8_000, 'down');
    const closedAt = performance.now();
    await server.close();
    const downAt = await down;
    t.diagnostic(`down ${Math.round(downAt - closedAt)} ms after close`);
    assert.ok(downAt - closedAt < 5_000, `down ${Math.round(downAt - closedAt)} ms after close`);
  });

  it('a forged reply (another key) is refused', async () => {
    const real = Identity.generate();
    const forger = Identity.generate();
    // A fake "server" that answers every request with a reply signed by the forger's key.
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    closers.push(() => new Promise<void>((r) => sock.close(() => r())));
    let answered = 0;
    sock.on('message', (bytes, rinfo) => {
      const d = decode(bytes);
      if (!d.ok || d.msg.t !== MsgType.StatusRequest) return;
      const body = { nonce: d.msg.nonce, pk: forger.publicKey, uptimeMs: 1, clients: 5, requests: 1, introductions: 0, relayedSessions: 0, relayedBytes: 0, mailboxDepth: 0, drops: [] as [string, number][] };
      sock.send(encode({ t: MsgType.StatusReply, ...body, sig: signClaim(forger, statusBytes(body), 'status') }), rinfo.port, rinfo.address);
      answered++;
    });
    const probe = await StatusProbe.open({ host: '127.0.0.1' });
    closers.push(() => probe.close());
    const port = (sock.address() as { port: number }).port;
    const seen: Status[] = [];
    probe.onChange((_a, s) => seen.push(s));
    const down = waitFor(probe, `127.0.0.1:${port}`, (s) => !s.up, 8_000, 'down');
    probe.watch(['127.0.0.1', port], real.publicKey);
    await down;
    assert.ok(answered >= 2, `the forger answered ${answered} times`);
    assert.ok(seen.every((s) => !s.up), 'never up');
    assert.ok((probe.drops()['status-wrong-key'] ?? 0) >= 2);
  });
});
