// Simulated worlds for client engine tests: three discovery servers on the "internet" and
// clients placed behind no NAT, cone or symmetric NATs (test/helpers/sim-network.ts), each
// client wrapped so every event it emits is recorded.

import assert from 'node:assert/strict';
import { DiscoveryServerEngine } from '../../discovery/core/server-engine.ts';
import { ClientEngine, type ClientEngineOptions } from '../../client/core/client-engine.ts';
import type { ClientEvent } from '../../client/core/events.ts';
import { Identity } from '../../src/crypto/identity.ts';
import type { Engine } from '../../src/net/transport.ts';
import type { Endpoint } from '../../src/wire.ts';
import { SimNetwork, type NatKind } from './sim-network.ts';

export const SERVER_IP = '203.0.113.10';
export const SERVERS: Endpoint[] = [8000, 8001, 8002].map((p) => [SERVER_IP, p]);

/** Wraps a client engine so every event it emits is recorded. */
export class Recorded implements Engine {
  readonly events: ClientEvent[] = [];
  constructor(readonly engine: ClientEngine) {}
  private drain() {
    for (let e = this.engine.pollEvent(); e; e = this.engine.pollEvent()) this.events.push(e);
  }
  receive(b: Uint8Array, f: Endpoint, now: number) {
    this.engine.receive(b, f, now);
    this.drain();
  }
  handleTimeout(now: number) {
    this.engine.handleTimeout(now);
    this.drain();
  }
  pollTransmit() {
    this.drain();
    return this.engine.pollTransmit();
  }
  nextTimeout() {
    return this.engine.nextTimeout();
  }
  pollEvent() {
    return undefined; // recorded in `events` instead
  }
  of<K extends ClientEvent['event']>(kind: K): Extract<ClientEvent, { event: K }>[] {
    return this.events.filter((e) => e.event === kind) as Extract<ClientEvent, { event: K }>[];
  }
}

export interface Placement {
  nat: NatKind | 'none';
  /** Index of the NAT box; two clients with the same index share a NAT. */
  box?: number;
}

export function world(placements: Placement[], seed = 7, options: Partial<ClientEngineOptions> = {}) {
  const net = new SimNetwork(seed);
  const serverInbox: Uint8Array[] = [];
  const servers = SERVERS.map((addr) => {
    const engine = new DiscoveryServerEngine({ wallClock: (now) => now }); // the clients' default wall clock in a simulation
    // Everything a server receives is kept, to check what a relay can see.
    const recording: Engine = {
      receive: (b, f, now) => {
        serverInbox.push(Uint8Array.from(b));
        engine.receive(b, f, now);
      },
      handleTimeout: (now) => engine.handleTimeout(now),
      pollTransmit: () => engine.pollTransmit(),
      pollEvent: () => engine.pollEvent(),
      nextTimeout: () => engine.nextTimeout(),
    };
    net.add(addr[0], addr[1], recording);
    return engine;
  });
  const boxes = new Map<number, string>();
  const clients = placements.map((p, i) => {
    const name = `peer${i}`;
    const identity = Identity.fromSeed(new Uint8Array(32).fill(i + 1)) as Identity;
    const id = identity.id;
    let ip: string;
    let lan: string | undefined;
    if (p.nat === 'none') ip = `203.0.113.${100 + i}`;
    else {
      const box = p.box ?? i;
      lan = `lan${box}`;
      if (!boxes.has(box)) {
        net.addNat(`203.0.113.${50 + box}`, p.nat, lan);
        boxes.set(box, lan);
      }
      ip = `10.${box}.0.${2 + i}`;
    }
    const port = 4000 + i;
    const engine = new ClientEngine({ identity, name, servers: SERVERS, localPort: port, now: net.now, randomCid: () => 1000 * (i + 1) + Math.floor(net.random() * 999), ...options });
    engine.setLanCandidates([[ip, port]]);
    const client = new Recorded(engine);
    net.add(ip, port, client, lan);
    return { client, ip, port, name, id };
  });
  return { net, servers, clients, serverInbox };
}

export function connectPair(placements: Placement[], seed?: number, options: Partial<ClientEngineOptions> = {}) {
  const w = world(placements, seed, options);
  const [a, b] = w.clients as [(typeof w.clients)[0], (typeof w.clients)[0]];
  w.net.run(3_000);
  assert.equal(a.client.of('ready').length, 1, 'ready once');
  assert.ok(a.client.of('peers').some((e) => e.peers.some((p) => p.name === b.name)), 'b is listed at a');
  const t0 = w.net.now;
  a.client.engine.connectPeer(b.name, w.net.now);
  w.net.flush();
  w.net.run(t0 + 12_000);
  return { ...w, a, b, t0 };
}
