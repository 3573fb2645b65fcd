// An in-memory network with a fake clock for sans-IO engines: hosts on a "public internet"
// or on LANs behind NAT boxes (port-restricted cone or symmetric, dropping unsolicited
// inbound, no hairpinning, like Linux masquerade), with seeded loss, duplication and
// latency. Runs the same engines the processes run, thousands of times faster than real time.

import type { Engine } from '../../src/net/transport.ts';
import type { Endpoint } from '../../src/wire.ts';
import { seededRandom } from './prng.ts';

export type NatKind = 'cone' | 'symmetric';

interface Host {
  ip: string;
  port: number;
  engine: Engine;
  lan: string | undefined;
}

interface Mapping {
  inside: Endpoint;
  publicPort: number;
  /** Remote endpoints this mapping sent to: port-restricted filtering admits only their replies. */
  allowed: Set<string>;
}

class NatBox {
  readonly byInside = new Map<string, Mapping>();
  readonly byPort = new Map<number, Mapping>();
  private nextPort = 20_000;
  constructor(
    readonly publicIp: string,
    readonly kind: NatKind,
    readonly lan: string,
  ) {}

  outbound(src: Endpoint, dst: Endpoint): Endpoint {
    // Cone: one mapping per inside endpoint. Symmetric: one per (inside, destination).
    const key = this.kind === 'cone' ? key2(src) : `${key2(src)}>${key2(dst)}`;
    let m = this.byInside.get(key);
    if (!m) {
      m = { inside: src, publicPort: this.nextPort++, allowed: new Set() };
      this.byInside.set(key, m);
      this.byPort.set(m.publicPort, m);
    }
    m.allowed.add(key2(dst));
    return [this.publicIp, m.publicPort];
  }

  inbound(port: number, from: Endpoint): Endpoint | undefined {
    const m = this.byPort.get(port);
    return m && m.allowed.has(key2(from)) ? m.inside : undefined;
  }

  /** Forgets every mapping (conntrack -F); new ones get new ports. */
  flush(): void {
    this.byInside.clear();
    this.byPort.clear();
  }
}

const key2 = (e: Endpoint) => `${e[0]}:${e[1]}`;

interface InFlight {
  at: number;
  to: Endpoint;
  from: Endpoint;
  bytes: Uint8Array;
}

export class SimNetwork {
  now = 0;
  loss = 0;
  duplication = 0;
  latencyMs = 5;
  delivered = 0;
  dropped = 0;
  private readonly hosts = new Map<string, Host>();
  private readonly nats = new Map<string, NatBox>();
  private queue: InFlight[] = [];
  /** The one seeded PRNG (test/helpers/prng.ts): loss, duplication and jitter, in [0, 1). */
  readonly random: () => number;

  constructor(seed = 1) {
    this.random = seededRandom(seed);
  }

  addNat(publicIp: string, kind: NatKind, lan: string): NatBox {
    const nat = new NatBox(publicIp, kind, lan);
    this.nats.set(lan, nat);
    this.nats.set(publicIp, nat);
    return nat;
  }

  nat(publicIp: string): NatBox | undefined {
    return this.nats.get(publicIp);
  }

  /** Adds a host; `lan` names the NAT box it sits behind (its LAN), or undefined for public. */
  add(ip: string, port: number, engine: Engine, lan?: string): void {
    this.hosts.set(key2([ip, port]), { ip, port, engine, lan });
    this.flush();
  }

  remove(ip: string, port: number): void {
    this.hosts.delete(key2([ip, port]));
  }

  /** Drains every engine's output into the network. Call after commands. */
  flush(): void {
    for (const host of this.hosts.values()) {
      for (let out = host.engine.pollTransmit(); out; out = host.engine.pollTransmit()) this.route(host, out.to, out.bytes);
    }
  }

  private route(src: Host, dst: Endpoint, bytes: Uint8Array): void {
    let from: Endpoint = [src.ip, src.port];
    const dstHost = this.hosts.get(key2(dst));
    const sameLan = src.lan !== undefined && dstHost?.lan === src.lan;
    if (src.lan && !sameLan) from = (this.nats.get(src.lan) as NatBox).outbound(from, dst);
    if (this.random() < this.loss) {
      this.dropped++;
      return;
    }
    const copies = this.random() < this.duplication ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      this.queue.push({ at: this.now + this.latencyMs * (1 + this.random() * 0.2 * i), to: dst, from, bytes });
    }
  }

  private deliver(p: InFlight): void {
    let to = p.to;
    const nat = this.nats.get(to[0]);
    if (nat && nat.publicIp === to[0]) {
      const inside = nat.inbound(to[1], p.from);
      if (!inside) {
        this.dropped++; // unsolicited on the public side: dropped, as the lab's routers do
        return;
      }
      to = inside;
    }
    const host = this.hosts.get(key2(to));
    if (!host) {
      this.dropped++;
      return;
    }
    this.delivered++;
    host.engine.receive(p.bytes, p.from, this.now);
  }

  /** Advances the clock to `until`, delivering datagrams and firing engine timers in order. */
  run(until: number): void {
    for (let steps = 0; ; steps++) {
      if (steps > 2_000_000) {
        const stuck = [...this.hosts.values()].filter((h) => (h.engine.nextTimeout() ?? Infinity) <= this.now).map((h) => `${h.ip}:${h.port}`);
        throw new Error(`simulation stuck at ${this.now} ms; hosts with a past timer: ${stuck.join(', ')}; queued ${this.queue.length}`);
      }
      this.flush();
      let next = Infinity;
      let timerHost: Host | undefined;
      for (const h of this.hosts.values()) {
        const t = h.engine.nextTimeout();
        if (t !== undefined && t < next) {
          next = t;
          timerHost = h;
        }
      }
      this.queue.sort((a, b) => a.at - b.at);
      const packet = this.queue[0];
      if (packet && packet.at <= next && packet.at <= until) {
        this.queue.shift();
        this.now = Math.max(this.now, packet.at);
        this.deliver(packet);
        continue;
      }
      if (timerHost && next <= until) {
        this.now = Math.max(this.now, next);
        timerHost.engine.handleTimeout(this.now);
        continue;
      }
      this.now = until;
      return;
    }
  }
}
