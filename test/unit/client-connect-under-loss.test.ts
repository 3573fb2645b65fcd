// Connecting while the network loses 20% and duplicates 10% of datagrams, from the first
// punch on: every lost probe, handshake message or reply must be recovered. Forty seeded
// runs over cone NATs in the simulated network (a regression test: a lost final handshake
// message once left the responder waiting forever, because the repeated message that
// should have triggered its resend was no longer recognised).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientEngine } from '../../client/core/client-engine.ts';
import type { ClientEvent } from '../../client/core/events.ts';
import { DiscoveryServerEngine } from '../../discovery/core/server-engine.ts';
import { Identity } from '../../src/crypto/identity.ts';
import type { Endpoint } from '../../src/wire.ts';
import { SimNetwork } from '../helpers/sim-network.ts';

const SERVERS: Endpoint[] = [8000, 8001, 8002].map((p) => ['203.0.113.10', p]);

function connectUnderLoss(seed: number): string | undefined {
  const net = new SimNetwork(seed);
  net.loss = 0.2;
  net.duplication = 0.1;
  for (const [ip, port] of SERVERS) net.add(ip, port, new DiscoveryServerEngine({ wallClock: (now) => now }));
  const events: ClientEvent[][] = [[], []];
  const clients = [0, 1].map((i) => {
    const identity = Identity.fromSeed(new Uint8Array(32).fill((seed * 3 + i + 1) % 256)) as Identity;
    const engine = new ClientEngine({ identity, name: `p${i}`, servers: SERVERS, localPort: 4000 + i, now: 0, randomCid: () => Math.floor(net.random() * 2 ** 32) });
    net.addNat(`203.0.113.${50 + i}`, 'cone', `lan${i}`);
    engine.setLanCandidates([[`10.${i}.0.2`, 4000 + i]]);
    net.add(`10.${i}.0.2`, 4000 + i, engine, `lan${i}`);
    return engine;
  });
  const runUntil = (end: number) => {
    for (let t = net.now; t <= end; t += 100) {
      net.run(t);
      clients.forEach((c, i) => {
        for (let e = c.pollEvent(); e; e = c.pollEvent()) events[i]?.push(e);
      });
    }
  };
  runUntil(6_000);
  if (!events[0]?.some((e) => e.event === 'peers' && e.peers.length > 0)) return `seed ${seed}: p1 never listed at p0`;
  clients[0]?.connectPeer('p1', net.now);
  net.flush();
  runUntil(net.now + 20_000);
  const connected = events.map((list) => list.some((e) => e.event === 'connected'));
  if (connected.every(Boolean)) return undefined;
  const last = events.map((list) => JSON.stringify(list.filter((e) => e.event !== 'peers' && e.event !== 'status').at(-1)));
  return `seed ${seed}: connected ${JSON.stringify(connected)}; last events ${last.join(' / ')}`;
}

test('connecting through 20% loss and 10% duplication succeeds on both sides (40 seeds)', () => {
  const failures = Array.from({ length: 40 }, (_, i) => connectUnderLoss(i + 1)).filter((f) => f !== undefined);
  assert.deepEqual(failures, []);
});
