// Child process: one or more real ChatClients (client/edge/client.ts: UDP socket, driver,
// engine) driven over IPC. Timings are taken here, next to the client, so IPC never sits
// inside a measured interval.

import dgram from 'node:dgram';
import { ChatClient } from '../../client/edge/client.ts';
import type { ClientEvent } from '../../client/core/events.ts';
import { Identity } from '../../src/crypto/identity.ts';
import type { Endpoint } from '../../src/wire.ts';
import { serveParent, timeRoundTrips } from './child.ts';
import { makeClient, registerRequest } from './requests.ts';

interface Hosted {
  client: ChatClient;
  id: string;
  events: ClientEvent[];
  waiters: { pred: (e: ClientEvent) => boolean; resolve: (e: ClientEvent) => void }[];
  received: number;
}

const hosted: Hosted[] = [];

function waitEvent(h: Hosted, pred: (e: ClientEvent) => boolean, ms: number, what: string, pastToo = false): Promise<ClientEvent> {
  if (pastToo) {
    const seen = h.events.find(pred);
    if (seen) return Promise.resolve(seen);
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
    h.waiters.push({
      pred,
      resolve: (e) => {
        clearTimeout(timer);
        resolve(e);
      },
    });
  });
}

const get = (a: Record<string, unknown>): Hosted => {
  const h = hosted[a.idx as number];
  if (!h) throw new Error(`no client ${String(a.idx)}`);
  return h;
};

const text100 = (i: number): string => `${String(i).padStart(8, '0')}${'x'.repeat(92)}`;

serveParent({
  /** Starts a ChatClient with a fresh identity; resolves once it is registered (ready). */
  start: async (a) => {
    const servers = a.servers as Endpoint[];
    const identity = Identity.generate();
    const client = await ChatClient.start({ identity, name: String(a.name), servers, port: 0, host: '127.0.0.1' });
    const h: Hosted = { client, id: identity.id, events: [], waiters: [], received: 0 };
    client.onEvent((ev) => {
      if (ev.event === 'message') {
        h.received++;
        return; // not kept: a throughput run would hold every message
      }
      if (ev.event === 'delivered') {
        h.waiters = h.waiters.filter((w) => (w.pred(ev) ? (w.resolve(ev), false) : true));
        return;
      }
      if (h.events.length < 10_000) h.events.push(ev);
      h.waiters = h.waiters.filter((w) => (w.pred(ev) ? (w.resolve(ev), false) : true));
    });
    hosted.push(h);
    await waitEvent(h, (e) => e.event === 'ready', 10_000, 'ready', true);
    return { idx: hosted.length - 1, id: h.id, port: client.localPort() };
  },
  /** Waits until the servers' peer list (polled by the client) includes `peer`. */
  waitPeer: async (a) => {
    const h = get(a);
    const known = (e: ClientEvent) => e.event === 'peers' && e.peers.some((p) => p.id === a.peer);
    await waitEvent(h, known, 15_000, `peer ${String(a.peer)} in the list`, true);
  },
  /** connect → connected, timed here. */
  connect: async (a) => {
    const h = get(a);
    const t0 = performance.now();
    const done = waitEvent(h, (e) => e.event === 'connected' && e.peerId === a.peer, 15_000, 'connected');
    h.client.command({ cmd: 'connect', peer: String(a.peer) });
    await done;
    return performance.now() - t0;
  },
  /** `n` sequential messages of 100 bytes: ms from send to delivered (the peer's ack) for each. */
  rtt: async (a) => {
    const h = get(a);
    const samples: number[] = [];
    for (let i = 0; i < (a.n as number); i++) {
      const ref = `r${i}`;
      const t0 = performance.now();
      const done = waitEvent(h, (e) => e.event === 'delivered' && e.ref === ref, 5_000, 'delivered');
      h.client.command({ cmd: 'send', peer: String(a.peer), text: text100(i), ref });
      await done;
      samples.push(performance.now() - t0);
    }
    return samples;
  },
  /** `n` messages of 100 bytes, at most `window` unacknowledged at once; ms until the last is delivered. */
  burst: async (a) => {
    const h = get(a);
    const n = a.n as number;
    const window = a.window as number;
    let sent = 0;
    let acked = 0;
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`burst: ${acked}/${n} delivered after ${a.maxMs} ms`)), a.maxMs as number);
      const top = () => {
        const batch = Math.min(window - (sent - acked), n - sent);
        for (let i = 0; i < batch; i++) h.client.command({ cmd: 'send', peer: String(a.peer), text: text100(sent++) });
      };
      h.client.onEvent((e) => {
        if (e.event !== 'delivered' || acked >= n) return;
        acked++;
        if (acked === n) {
          clearTimeout(timer);
          resolve();
        } else if (sent - acked <= window / 2) top();
      });
      top();
    });
    return { ms: performance.now() - t0, n };
  },
  received: (a) => get(a).received,
  /** Register → Registered round trips to a server from a plain socket in this process. */
  serverRtt: async (a) => {
    const [host, port] = a.server as Endpoint;
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const samples = await timeRoundTrips(sock, registerRequest(makeClient(0)), port, host, a.n as number);
    sock.close();
    return samples;
  },
});
