// Figure: draining a queue to a peer who comes online (issue 10: 1,000 queued messages
// delivered < 5 s after the peer is online). Real processes: one discovery server and two
// headless clients (the CLI, with their own SQLite files). The sender queues N messages to a
// contact who is offline; the contact starts; the figure is from its `ready` to the sender's
// Nth `delivered` (stored on the recipient's disk and receipted), so it includes noticing the
// peer (its next peer-list poll), the introduction, punch and handshake. Baseline in the same
// run: the same N messages sent while both are online and connected, first send to Nth
// `delivered`.

import { join } from 'node:path';
import { HeadlessClient } from '../../test/helpers/headless-client.ts';
import { freeUdpPort, startServer, stopProcess, tempHome } from '../../test/helpers/processes.ts';
import { makeFigure, progress, type Figure } from './stats.ts';

interface Person {
  name: string;
  home: string;
}

function start(p: Person, port: number): HeadlessClient {
  return HeadlessClient.start(p.name, [port], { home: p.home, args: ['--data', join(p.home, 'data')] });
}

const deliveredCount = (c: HeadlessClient, tag: string): number => c.all('delivered').filter((e) => String(e.ref).startsWith(tag)).length;

export async function outboxDrainFigure(quick: boolean): Promise<Figure[]> {
  const n = quick ? 200 : 1_000;
  const rounds = quick ? 1 : 3;
  const port = await freeUdpPort();
  const server = await startServer(port);
  const clients: HeadlessClient[] = [];
  const drain: number[] = [];
  const online: number[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      progress(`outboxDrain: round ${r + 1}/${rounds} (${n} messages)`);
      const alice = { name: `drain-a${r}`, home: tempHome() };
      const bob = { name: `drain-b${r}`, home: tempHome() };
      const a = start(alice, port);
      let b = start(bob, port);
      clients.push(a, b);
      await a.ready();
      const rb = await b.ready();
      const bobId = String(rb.id);
      await a.waitFor((e) => e.event === 'peers' && (e.peers as { id: string }[]).some((x) => x.id === bobId), 15_000, 'bob listed');
      // Baseline: both online and connected.
      a.send({ cmd: 'send', peer: bobId, text: 'hello', ref: 'hello' });
      await a.waitEvent('delivered', 15_000, { ref: 'hello' });
      const t0 = Date.now();
      for (let i = 0; i < n; i++) a.send({ cmd: 'send', peer: bobId, text: `online ${i}`, ref: `on${i}` });
      await a.waitFor(() => deliveredCount(a, 'on') >= n, 60_000, 'online delivered');
      online.push(Date.now() - t0);
      // The figure: bob offline, n queued, bob back.
      await b.stop();
      for (let i = 0; i < n; i++) a.send({ cmd: 'send', peer: bobId, text: `queued ${i}`, ref: `q${i}` });
      await a.waitFor(() => a.all('queued').filter((e) => String(e.ref).startsWith('q')).length >= n, 60_000, 'all queued');
      b = start(bob, port);
      clients.push(b);
      const back = await b.ready();
      await a.waitFor(() => deliveredCount(a, 'q') >= n, 60_000, 'queue drained');
      const last = a.all('delivered').filter((e) => String(e.ref).startsWith('q')).at(-1);
      drain.push((last?.at ?? Date.now()) - back.at);
      await Promise.all([a.stop(), b.stop()]);
    }
  } finally {
    await Promise.all([...clients.map((c) => c.kill()), stopProcess(server)]);
  }
  return [
    makeFigure({
      key: 'outboxDrain',
      title: `draining ${n.toLocaleString('en')} queued messages to a peer who comes online (stored + receipted)`,
      how: '2 headless client processes + server process, loopback, SQLite files',
      unit: 'ms',
      samples: drain,
      baseline: { what: `the same ${n} sent while both are online and connected`, unit: 'ms', samples: online },
      ratio: (v, b) => v.median / b.median,
      target: quick ? 'p50 < 5 s (quick: 200 messages)' : 'p50 < 5 s',
      met: (v) => v.median < 5_000,
      notes: ['from the peer\'s ready event: includes its next peer-list poll (2 s), introduction, punch and handshake'],
    }),
  ];
}
