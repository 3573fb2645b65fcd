// Tiny UDP tools to check the NAT lab itself, independent of natter (run in a namespace):
//   echo PORT[,PORT...]        STUN-like: answers each datagram with the address it came from;
//                              {"alsoFrom":P} in the request also answers from local port P
//   probe TARGET[,TARGET...]   one socket sends --count datagrams to each target, then prints
//       [--port P] [--count N] [--also-from P] [--gap MS] [--wait MS]
//                              one JSON line: per target the observed mappings, replies, duplicates
import dgram from 'node:dgram';
import { parseArgs } from 'node:util';

type Reply = { observed: string; seq: number; via: number };

function echo(ports: number[]): void {
  const sockets = new Map<number, dgram.Socket>();
  for (const port of ports) {
    const socket = dgram.createSocket('udp4');
    socket.on('message', (buf, rinfo) => {
      let req: { seq?: number; alsoFrom?: number } = {};
      try { req = JSON.parse(buf.toString()); } catch { return; }
      const answer = (from: number): void => {
        const reply: Reply = { observed: `${rinfo.address}:${rinfo.port}`, seq: req.seq ?? -1, via: from };
        sockets.get(from)?.send(JSON.stringify(reply), rinfo.port, rinfo.address);
      };
      answer(port);
      if (req.alsoFrom !== undefined) answer(req.alsoFrom);
    });
    socket.bind(port, '0.0.0.0');
    sockets.set(port, socket);
  }
  console.log(JSON.stringify({ echo: ports }));
}

async function probe(targets: string[], opts: { port: number; count: number; alsoFrom?: number; gapMs: number; waitMs: number }): Promise<void> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(opts.port, '0.0.0.0', resolve));
  // Per target: seq -> number of replies received (from the target's own port).
  const stats = new Map<string, { sent: number; got: Map<number, number>; observed: Set<string> }>();
  const unsolicited: string[] = [];
  for (const t of targets) stats.set(t, { sent: 0, got: new Map(), observed: new Set() });
  socket.on('message', (buf, rinfo) => {
    const from = `${rinfo.address}:${rinfo.port}`;
    const s = stats.get(from);
    if (!s) { unsolicited.push(from); return; }
    const reply = JSON.parse(buf.toString()) as Reply;
    s.observed.add(reply.observed);
    s.got.set(reply.seq, (s.got.get(reply.seq) ?? 0) + 1);
  });
  for (let seq = 0; seq < opts.count; seq++) {
    for (const t of targets) {
      const [host, port] = t.split(':');
      const req = { seq, ...(opts.alsoFrom !== undefined ? { alsoFrom: opts.alsoFrom } : {}) };
      socket.send(JSON.stringify(req), Number(port), host);
      stats.get(t)!.sent++;
    }
    await new Promise((r) => setTimeout(r, opts.gapMs));
  }
  await new Promise((r) => setTimeout(r, opts.waitMs));
  socket.close();
  const out = Object.fromEntries([...stats].map(([t, s]) => [t, {
    sent: s.sent,
    replied: s.got.size,
    duplicates: [...s.got.values()].reduce((a, n) => a + n - 1, 0),
    observed: [...s.observed],
  }]));
  console.log(JSON.stringify({ local: opts.port, targets: out, unsolicited }));
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: 'string', default: '0' },
    count: { type: 'string', default: '3' },
    'also-from': { type: 'string' },
    gap: { type: 'string', default: '20' },
    wait: { type: 'string', default: '500' },
  },
});
const [mode, list = ''] = positionals;
if (mode === 'echo') echo(list.split(',').map(Number));
else if (mode === 'probe') {
  await probe(list.split(','), {
    port: Number(values.port),
    count: Number(values.count),
    ...(values['also-from'] ? { alsoFrom: Number(values['also-from']) } : {}),
    gapMs: Number(values.gap),
    waitMs: Number(values.wait),
  });
} else {
  console.error('usage: udp-probe.ts echo PORTS | probe TARGETS [--port P] [--count N] [--also-from P]');
  process.exit(2);
}
