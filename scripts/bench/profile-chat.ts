// Developer tool: two ChatClients in one process over loopback, one conversation, a burst of
// acknowledged 100-byte messages with at most WINDOW unacked. Run under `node --cpu-prof`
// to see the client's hot path (`npx tsx scripts/bench/profile-chat.ts [N]`).

import dgram from 'node:dgram';
import { ChatClient } from '../../client/edge/client.ts';
import { Identity } from '../../src/crypto/identity.ts';

const N = Number(process.argv[2] ?? 50_000);
// Counts datagrams sent by both clients, to see how many a message costs.
let datagrams = 0;
const send = dgram.Socket.prototype.send;
dgram.Socket.prototype.send = function (this: dgram.Socket, ...args: Parameters<typeof send>) {
  datagrams++;
  return send.apply(this, args);
} as typeof send;
const WINDOW = 1_000;

const a = await ChatClient.start({ identity: Identity.generate(), name: 'a', servers: [['127.0.0.1', 9]], host: '127.0.0.1' });
const b = await ChatClient.start({ identity: Identity.generate(), name: 'b', servers: [['127.0.0.1', 9]], host: '127.0.0.1' });
let bName = '';
await new Promise<void>((resolve) => {
  a.onEvent((ev) => {
    if (ev.event === 'connected') {
      bName = ev.peerId;
      resolve();
    }
  });
  a.command({ cmd: 'connect', addr: `127.0.0.1:${b.localPort()}` });
});
let received = 0;
b.onEvent((ev) => {
  if (ev.event === 'message') received++;
});
let sent = 0;
let delivered = 0;
const text = 'x'.repeat(100);
const start = performance.now();
await new Promise<void>((resolve) => {
  const pump = () => {
    while (sent < N && sent - delivered < WINDOW) a.command({ cmd: 'send', peer: bName, text, ref: sent++ });
  };
  a.onEvent((ev) => {
    if (ev.event === 'delivered') {
      delivered++;
      if (delivered === N) resolve();
      else if (sent - delivered < WINDOW / 2) pump();
    }
  });
  pump();
});
const ms = performance.now() - start;
console.log(`${N} messages in ${ms.toFixed(0)} ms: ${Math.round((N * 1000) / ms)} msg/s (received ${received}; ${(datagrams / N).toFixed(2)} datagrams per message)`);
await Promise.all([a.shutdown(), b.shutdown()]);
process.exit(0);
