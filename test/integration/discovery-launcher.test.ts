// The launcher: three servers in one process on loopback, one merged event stream labelled by
// port, a snapshot per server, and a clean close. Bounded waits; everything closed in finally.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { test } from 'node:test';
import { decodeMessage, encode } from '../../src/codec.ts';
import { Identity } from '../../src/crypto/identity.ts';
import { MsgType } from '../../src/wire.ts';
import { launchDiscoveryServers, type LabelledServerEvent } from '../../discovery/edge/launcher.ts';
import { TEST_SERVER_KEY, signedRegister } from './discovery-traffic.ts';

test('launches three servers, merges their events labelled by port, and closes them', { timeout: 20_000 }, async () => {
  const lines: string[] = [];
  const launched = await launchDiscoveryServers({ ports: [0, 0, 0], host: '127.0.0.1', engine: { serverKey: TEST_SERVER_KEY }, statsIntervalMs: 0, log: (port, line) => lines.push(`[${port}] ${line}`) });
  const sock = dgram.createSocket('udp4');
  try {
    const ports = launched.servers.map((s) => s.port);
    assert.equal(new Set(ports).size, 3);
    const seen: LabelledServerEvent[] = [];
    const joined = new Promise<void>((resolve) => {
      launched.subscribe((e) => {
        seen.push(e);
        if (seen.filter((x) => x.event.type === 'join').length === 3) resolve();
      });
    });
    const me = Identity.fromSeed(new Uint8Array(32).fill(42)) as Identity;
    sock.on('message', (bytes, rinfo) => {
      const msg = decodeMessage(bytes);
      // Echo the token: proves the address, and the server lists us.
      if (msg?.t === MsgType.Registered && !msg.proven) sock.send(encode({ t: MsgType.Heartbeat, id: me.id, token: msg.token }), rinfo.port, '127.0.0.1');
    });
    sock.bind(0, '127.0.0.1');
    await once(sock, 'listening');
    for (const port of ports) sock.send(encode(signedRegister(me, 'solo', Date.now())), port, '127.0.0.1');
    await Promise.race([joined, new Promise((_, reject) => setTimeout(() => reject(new Error(`joins: ${JSON.stringify(seen)}`)), 5_000))]);
    assert.deepEqual(seen.filter((e) => e.event.type === 'join').map((e) => e.port).sort(), [...ports].sort());
    for (const s of launched.servers) assert.deepEqual(s.snapshot().entries.map((e) => e.name), ['solo']);
    for (const port of ports) assert.ok(lines.some((l) => l.startsWith(`[${port}] join`) && l.includes('solo')), lines.join('\n'));
  } finally {
    sock.close();
    await launched.close();
  }
});
