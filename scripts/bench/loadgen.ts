// The discovery load generator: many simulated clients, each on its own loopback source
// address (127.10.0.1, 127.10.0.2, ...: all of 127.0.0.0/8 routes to lo on Linux), driven in
// a closed loop with a bounded window. Every loop is bounded in requests and in time, and
// stops by itself. Requests are encoded by requests.ts only.

import dgram from 'node:dgram';
import type { Endpoint } from '../../src/wire.ts';
import { heartbeatRequest, listRequest, parseReply, registerRequest, type LoadClient } from './requests.ts';

let nextAddress = 0;

/** A fresh loopback address for each socket, so every simulated client is a distinct source endpoint. */
function loopbackAddress(k: number): string {
  const per = 254 * 256;
  return `127.${10 + Math.floor(k / per)}.${Math.floor((k % per) / 254)}.${(k % 254) + 1}`;
}

export interface LoadSocket {
  sock: dgram.Socket;
  client: LoadClient;
  /** When the outstanding request was sent (0: none), and its kind. */
  pendingAt: number;
  kind: number;
  onReply: ((bytes: Buffer, s: LoadSocket) => void) | undefined;
}

export async function openSockets(clients: LoadClient[]): Promise<LoadSocket[]> {
  return Promise.all(
    clients.map(
      (client) =>
        new Promise<LoadSocket>((resolve, reject) => {
          const sock = dgram.createSocket('udp4');
          const s: LoadSocket = { sock, client, pendingAt: 0, kind: 0, onReply: undefined };
          sock.once('error', reject);
          sock.on('message', (bytes) => s.onReply?.(bytes, s));
          sock.bind(0, loopbackAddress(nextAddress++), () => resolve(s));
        }),
    ),
  );
}

export async function closeSockets(sockets: LoadSocket[]): Promise<void> {
  await Promise.all(sockets.map((s) => new Promise<void>((r) => s.sock.close(() => r()))));
}

/**
 * Registers every socket's client: signed Register -> Registered{token}, then the token in a
 * Heartbeat -> Registered{proven} (the server lists a client only once its address is proven).
 * Retries the unanswered; returns how many are listed.
 */
export async function registerAll(sockets: LoadSocket[], target: Endpoint): Promise<number> {
  // In batches: the server verifies a signature per Register, and a flood of them only queues.
  let n = 0;
  for (let i = 0; i < sockets.length; i += 500) n += await registerBatch(sockets.slice(i, i + 500), target);
  return n;
}

async function registerBatch(sockets: LoadSocket[], [host, port]: Endpoint, attempts = 3, waitMs = 1_000): Promise<number> {
  const proven = new Set<LoadSocket>();
  let left = sockets;
  for (let a = 0; a < attempts && left.length > 0; a++) {
    await new Promise<void>((resolve) => {
      let pending = left.length;
      const timer = setTimeout(resolve, waitMs);
      for (const s of left) {
        s.onReply = (bytes) => {
          const r = parseReply(bytes, s.client);
          if (r.kind === 'error' && r.code === 'WRONG_SERVER') {
            s.sock.send(registerRequest(s.client), port, host); // now with the server's key
            return;
          }
          if (r.kind !== 'registered') return;
          if (!r.proven) {
            const hb = heartbeatRequest(s.client);
            if (hb) s.sock.send(hb, port, host);
            return;
          }
          if (proven.has(s)) return;
          proven.add(s);
          if (--pending === 0) {
            clearTimeout(timer);
            resolve();
          }
        };
        s.sock.send(registerRequest(s.client), port, host);
      }
    });
    for (const s of left) s.onReply = undefined;
    left = left.filter((s) => !proven.has(s));
  }
  return proven.size;
}

export const Kind = { Heartbeat: 0, List: 1, Register: 2 } as const;

export interface MixOptions {
  target: Endpoint;
  /** Registered clients: heartbeats and list requests come from these. */
  active: LoadSocket[];
  /** Not yet registered clients: each new registration uses one (a new source endpoint). */
  fresh: LoadSocket[];
  /** Requests in flight at once. */
  window: number;
  durationMs: number;
  warmupMs: number;
  maxRequests: number;
  /** Out of 50: how many are list requests and registrations (4 and 1 for 8% and 2%). */
  listPer50: number;
  registerPer50: number;
  /** A list request asks from this cursor (undefined: from the start). */
  cursor?: () => string | undefined;
}

export interface MixResult {
  completed: number;
  measuredMs: number;
  ratePerS: number;
  lost: number;
  latencyMs: number[];
  listLatencyMs: number[];
  freshUsed: number;
}

/** The closed loop: each reply (or a 200 ms timeout) frees a slot for the next request. */
export function runMix(o: MixOptions): Promise<MixResult> {
  const [host, port] = o.target;
  let seq = 0;
  let next = 0;
  let freshUsed = 0;
  let ver: number | undefined;
  let completed = 0;
  let lost = 0;
  let issued = 0;
  const latency: number[] = [];
  const listLatency: number[] = [];
  const t0 = performance.now();
  const measureFrom = t0 + o.warmupMs;
  let stopped = false;

  return new Promise((resolve) => {
    const finish = () => {
      if (stopped) return;
      stopped = true;
      clearInterval(sweeper);
      for (const s of [...o.active, ...o.fresh]) s.onReply = undefined;
      const measuredMs = performance.now() - measureFrom;
      resolve({ completed, measuredMs, ratePerS: (completed * 1000) / measuredMs, lost, latencyMs: latency, listLatencyMs: listLatency, freshUsed });
    };
    const onReply = (bytes: Buffer, s: LoadSocket) => {
      if (s.pendingAt === 0) return; // a late reply after its timeout
      const now = performance.now();
      if (s.kind === Kind.List) {
        const r = parseReply(bytes);
        if (r.ver !== undefined) ver = r.ver;
      }
      if (now >= measureFrom) {
        completed++;
        latency.push(now - s.pendingAt);
        if (s.kind === Kind.List) listLatency.push(now - s.pendingAt);
      }
      s.pendingAt = 0;
      issue();
    };
    const pick = (): LoadSocket | undefined => {
      for (let tries = 0; tries < o.active.length; tries++) {
        const s = o.active[next++ % o.active.length] as LoadSocket;
        if (s.pendingAt === 0) return s;
      }
      return undefined;
    };
    const issue = () => {
      const now = performance.now();
      if (stopped) return;
      if (now - t0 >= o.durationMs || issued >= o.maxRequests) return finish();
      const slot = seq++ % 50;
      let s: LoadSocket | undefined;
      let bytes: Buffer | undefined;
      let kind: number = Kind.Heartbeat;
      if (slot < o.registerPer50 && freshUsed < o.fresh.length) {
        s = o.fresh[freshUsed++] as LoadSocket;
        kind = Kind.Register;
        bytes = registerRequest(s.client);
      } else {
        s = pick();
        if (!s) return; // every client busy: a reply will issue the next
        if (slot < o.registerPer50 + o.listPer50) {
          kind = Kind.List;
          bytes = listRequest(s.client, o.cursor ? undefined : ver, o.cursor?.());
        } else {
          bytes = heartbeatRequest(s.client) ?? registerRequest(s.client);
        }
      }
      s.kind = kind;
      s.pendingAt = now;
      s.onReply = onReply;
      issued++;
      s.sock.send(bytes, port, host);
    };
    // Lost requests (a full socket buffer, a rate limit) free their slot after 200 ms.
    const sweeper = setInterval(() => {
      const now = performance.now();
      let freed = 0;
      for (const s of [...o.active, ...o.fresh.slice(0, freshUsed)]) {
        if (s.pendingAt !== 0 && now - s.pendingAt > 200) {
          s.pendingAt = 0;
          lost++;
          freed++;
        }
      }
      for (let i = 0; i < freed; i++) issue();
      if (now - t0 >= o.durationMs + 250) finish();
    }, 25);
    for (let i = 0; i < o.window; i++) issue();
  });
}
