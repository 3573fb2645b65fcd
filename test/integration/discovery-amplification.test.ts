// No amplification: many sources that never prove their address send every request type,
// valid and garbage; none of them ever gets more bytes back than it sent. Checked on the
// engine's own accounting, on an independent count of the engine's output, and on real
// loopback sockets against a running server.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { endpointKey } from '../../src/address.ts';
import type { Endpoint } from '../../src/wire.ts';
import { DiscoveryServerEngine } from '../../discovery/core/server-engine.ts';
import { startDiscoveryServer } from '../../discovery/edge/server.ts';
import { TrafficGenerator, seededRandom, TEST_SERVER_KEY } from './discovery-traffic.ts';

describe('anti-amplification (out/in <= 1 per unproven source)', () => {
  it('engine: 400 sources, 40,000 datagrams of every kind', (t) => {
    const engine = new DiscoveryServerEngine({ wallClock: (now) => now + 1_700_000_000_000 });
    const gen = new TrafficGenerator(seededRandom(42), 1_700_000_000_000);
    const sentTo = new Map<string, number>();
    const receivedFrom = new Map<string, number>();
    const sources: Endpoint[] = Array.from({ length: 400 }, (_, i) => [`198.51.100.${i % 250}`, 1000 + i]);
    let now = 0;
    for (let i = 0; i < 40_000; i++) {
      const from = sources[i % sources.length] as Endpoint;
      const { bytes } = gen.next();
      engine.receive(bytes, from, now);
      receivedFrom.set(endpointKey(from), (receivedFrom.get(endpointKey(from)) ?? 0) + bytes.length);
      for (let tx = engine.pollTransmit(); tx; tx = engine.pollTransmit()) {
        sentTo.set(endpointKey(tx.to), (sentTo.get(endpointKey(tx.to)) ?? 0) + tx.bytes.length);
      }
      if (i % 100 === 0) now += 50; // 20 s in all: buckets refill, nothing expires
    }
    let worst = 0;
    for (const from of sources) {
      const key = endpointKey(from);
      const ratio = (sentTo.get(key) ?? 0) / (receivedFrom.get(key) ?? 1);
      worst = Math.max(worst, ratio);
      const account = engine.sourceAccount(from);
      assert.ok(account && !account.proven, 'no source proved its address');
      assert.ok(account.bytesOut <= account.bytesIn, `${key}: out ${account.bytesOut} > in ${account.bytesIn}`);
    }
    const amp = engine.amplification();
    t.diagnostic(`engine: worst out/in ${worst.toFixed(3)}; total in ${amp.bytesIn} out ${amp.bytesOut}; drops ${JSON.stringify(engine.stats().drops)}`);
    assert.ok(worst <= 1, `worst ratio ${worst}`);
    assert.ok(amp.worstRatio <= 1);
    assert.ok(amp.bytesOut > 0, 'some replies (Registered, errors) did go out: the limit is not a blanket silence');
    assert.equal(engine.registry.size, 0, 'no one was listed');
    assert.equal(engine.stats().drops['internal-error'], undefined, 'no datagram reached the catch-all');
  });

  it('loopback: 32 real sockets against a running server', async (t) => {
    const server = await startDiscoveryServer({ port: 0, host: '127.0.0.1', engine: { serverKey: TEST_SERVER_KEY }, log: () => {}, statsIntervalMs: 0 });
    const socks: dgram.Socket[] = [];
    try {
      const counts: { sent: number; received: number }[] = [];
      for (let i = 0; i < 32; i++) {
        const sock = dgram.createSocket('udp4');
        const count = { sent: 0, received: 0 };
        sock.on('message', (msg) => (count.received += msg.length));
        sock.bind(0, '127.0.0.1');
        await once(sock, 'listening');
        socks.push(sock);
        counts.push(count);
      }
      const gen = new TrafficGenerator(seededRandom(7), Date.now());
      for (let round = 0; round < 100; round++) {
        for (const [i, sock] of socks.entries()) {
          const { bytes } = gen.next();
          counts[i]!.sent += bytes.length;
          sock.send(bytes, server.port, '127.0.0.1');
        }
        await new Promise((r) => setTimeout(r, 5)); // paced: the test is about bytes, not about loss
      }
      await new Promise((r) => setTimeout(r, 300)); // the last replies
      const ratios = counts.map((c) => c.received / c.sent);
      const worst = Math.max(...ratios);
      const amp = server.stats().amplification;
      t.diagnostic(`loopback: worst out/in ${worst.toFixed(3)}; server's account: worst ${amp.worstRatio.toFixed(3)}, in ${amp.bytesIn} out ${amp.bytesOut}`);
      assert.ok(worst <= 1, `a socket got ${worst}x what it sent`);
      assert.ok(amp.worstRatio <= 1);
      assert.ok(counts.some((c) => c.received > 0), 'some replies arrived');
    } finally {
      for (const s of socks) s.close();
      await server.close();
    }
  });
});
