// Child process: the raw node:dgram baselines. An echo server, a sink that counts, a pinger
// that measures echo round trips, a blaster, and an idle socket (the idle-client baseline).
// Driven by the parent over IPC (child.ts, bench plumbing only); no natter code is loaded here.

import dgram from 'node:dgram';
import { serveParent, timeRoundTrips } from './child.ts';

const sockets: dgram.Socket[] = [];

function bindSocket(): Promise<dgram.Socket> {
  const sock = dgram.createSocket('udp4');
  sockets.push(sock);
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(0, '127.0.0.1', () => {
      // The same generous buffers natter's UdpTransport asks for: a fair baseline.
      sock.setRecvBufferSize(4 * 1024 * 1024);
      sock.setSendBufferSize(4 * 1024 * 1024);
      resolve(sock);
    });
  });
}

let sink = { count: 0, first: 0, last: 0 };

serveParent({
  /** An echo server: every datagram goes back to where it came from. */
  echo: async () => {
    const sock = await bindSocket();
    sock.on('message', (msg, rinfo) => sock.send(msg, rinfo.port, rinfo.address));
    return sock.address().port;
  },
  /** A counting sink for the one-way rate. */
  sink: async () => {
    const sock = await bindSocket();
    sock.on('message', () => {
      const now = performance.now();
      if (sink.count === 0) sink.first = now;
      sink.count++;
      sink.last = now;
    });
    return sock.address().port;
  },
  sinkStats: () => {
    const s = sink;
    sink = { count: 0, first: 0, last: 0 };
    return s;
  },
  /** `n` sequential round trips of `size`-byte datagrams to an echo server; returns ms each. */
  ping: async (a) => {
    const { port, n, size } = a as { port: number; n: number; size: number };
    const sock = await bindSocket();
    const samples = await timeRoundTrips(sock, Buffer.alloc(size, 0x61), port, '127.0.0.1', n);
    sock.close();
    return samples;
  },
  /** Sends `n` datagrams as fast as the socket takes them (batches, so callbacks run); bounded by `maxMs`. */
  blast: async (a) => {
    const { port, n, size, maxMs } = a as { port: number; n: number; size: number; maxMs: number };
    const sock = await bindSocket();
    const payload = Buffer.alloc(size, 0x62);
    const t0 = performance.now();
    let sent = 0;
    while (sent < n && performance.now() - t0 < maxMs) {
      const batch = Math.min(256, n - sent);
      await new Promise<void>((resolve) => {
        let left = batch;
        for (let i = 0; i < batch; i++) sock.send(payload, port, '127.0.0.1', () => void (--left === 0 && resolve()));
      });
      sent += batch;
    }
    return { sent, ms: performance.now() - t0 };
  },
  /** Holds one UDP socket and does nothing: the idle-client baseline. */
  idle: async () => (await bindSocket()).address().port,
});
