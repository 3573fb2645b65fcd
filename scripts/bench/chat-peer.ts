// Child process: one or more real ChatClients (client/edge/client.ts: UDP socket, driver,
// engine) driven over IPC. Timings are taken here, next to the client, so IPC never sits
// inside a measured interval. Waiting for events is the tests' EventLog
// (test/helpers/event-log.ts), the same one the headless-client helper uses.

import dgram from 'node:dgram';
import { ChatClient } from '../../client/edge/client.ts';
import type { ClientEvent } from '../../client/core/events.ts';
import { Identity } from '../../src/crypto/identity.ts';
import type { Endpoint } from '../../src/wire.ts';
import { EventLog } from '../../test/helpers/event-log.ts';
import { serveParent, timeRoundTrips } from './child.ts';
import { makeClient, registerRequest } from './requests.ts';

interface Hosted {
  client: ChatClient;
  id: string;
  /** Every event but messages and deliveries is kept (a throughput run would hold each one). */
  log: EventLog<ClientEvent>;
  /** Deliveries (acks of our messages), seen by waiters but never kept. */
  deliveries: EventLog<ClientEvent>;
  received: number;
}

const hosted: Hosted[] = [];

const get = (a: Record<string, unknown>): Hosted => {
  const h = hosted[a.idx as number];
  if (!h) throw new Error(`no client ${String(a.idx)}`);
  return h;
};

let burstRuns = 0;

const text100 = (i: number): string => `${String(i).padStart(8, '0')}${'x'.repeat(92)}`;

serveParent({
  /** Starts a ChatClient with a fresh identity; resolves once it is registered (ready). */
  start: async (a) => {
    const servers = a.servers as Endpoint[];
    const identity = Identity.generate();
    const client = await ChatClient.start({ identity, name: String(a.name), servers, port: 0, host: '127.0.0.1' });
    const h: Hosted = { client, id: identity.id, log: new EventLog(10_000), deliveries: new EventLog(0), received: 0 };
    client.onEvent((ev) => {
      if (ev.event === 'message') h.received++;
      else if (ev.event === 'delivered') h.deliveries.push(ev);
      else h.log.push(ev);
    });
    hosted.push(h);
    await h.log.waitFor((e) => e.event === 'ready', 10_000, 'ready', { from: 0 });
    return { idx: hosted.length - 1, id: h.id, port: client.localPort() };
  },
  /** Waits until the servers' peer list (polled by the client) includes `peer`. */
  waitPeer: async (a) => {
    const h = get(a);
    const known = (e: ClientEvent) => e.event === 'peers' && e.peers.some((p) => p.id === a.peer);
    await h.log.waitFor(known, 15_000, `peer ${String(a.peer)} in the list`, { from: 0 });
  },
  /** connect → connected, timed here. */
  connect: async (a) => {
    const h = get(a);
    const t0 = performance.now();
    const done = h.log.waitFor((e) => e.event === 'connected' && e.peerId === a.peer, 15_000, 'connected');
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
      const done = h.deliveries.waitFor((e) => e.event === 'delivered' && e.ref === ref, 5_000, 'delivered');
      h.client.command({ cmd: 'send', peer: String(a.peer), text: text100(i), ref });
      await done;
      samples.push(performance.now() - t0);
    }
    return samples;
  },
  /**
   * `n` messages of 100 bytes, at most `window` unacknowledged at once; ms until the last is
   * delivered, and how many were sent and delivered (both exactly `n`).
   */
  burst: async (a) => {
    const h = get(a);
    const n = a.n as number;
    const window = a.window as number;
    const run = `b${burstRuns++}-`; // refs of this burst: late deliveries of an earlier one are not counted
    let sent = 0;
    let acked = 0;
    let topping = false;
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`burst: ${acked}/${n} delivered (${sent} sent) after ${a.maxMs} ms`));
      }, a.maxMs as number);
      // A send can deliver events synchronously (command() drains the engine), and a
      // delivery tops the window up again: the guard keeps that from re-entering the loop,
      // and the loop re-reads both counters before every send, so exactly n leave.
      const top = (): void => {
        if (topping) return;
        topping = true;
        try {
          while (sent < n && sent - acked < window) {
            const i = sent++;
            h.client.command({ cmd: 'send', peer: String(a.peer), text: text100(i), ref: `${run}${i}` });
          }
        } finally {
          topping = false;
        }
      };
      const stop = h.deliveries.subscribe((e) => {
        if (e.event !== 'delivered' || typeof e.ref !== 'string' || !e.ref.startsWith(run)) return;
        acked++;
        if (acked === n) {
          clearTimeout(timer);
          stop();
          resolve();
        } else if (sent - acked <= window / 2) top();
      });
      top();
    });
    return { ms: performance.now() - t0, n, sent, delivered: acked };
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
