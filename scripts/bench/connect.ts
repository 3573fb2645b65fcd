// Figure: time from connect to connected on loopback, through a discovery server child:
// a fresh ChatClient each time (in one child process) dials a target client (in another),
// so every sample is a whole introduction + punch + handshake. Baseline: a plain
// Register -> Registered round trip to the same server, from the same child. The NAT lab
// (cone-cone in namespaces) is not run here: scripts/natlab.sh owns namespaces.

import { BenchChild, killAll } from './child.ts';
import { FAST_LIST_ENV, startServer } from './chat-setup.ts';
import { makeFigure, progress, type Figure } from './stats.ts';

export async function connectFigure(quick: boolean): Promise<Figure[]> {
  const n = quick ? 5 : 20;
  const children: (BenchChild | undefined)[] = [];
  try {
    const { server, addr } = await startServer();
    children.push(server);
    const target = BenchChild.spawn('connect target', 'chat-peer.ts', [], { env: FAST_LIST_ENV });
    const dialer = BenchChild.spawn('dialers', 'chat-peer.ts', [], { env: FAST_LIST_ENV });
    children.push(target, dialer);
    const t = await target.call<{ id: string }>('start', { servers: [addr], name: 'target' });
    const times: number[] = [];
    const serverRtt: number[] = [];
    for (let i = 0; i < n; i++) {
      progress(`connect: ${i + 1}/${n}`);
      const d = await dialer.call<{ idx: number }>('start', { servers: [addr], name: `dialer${i}` });
      await dialer.call('waitPeer', { idx: d.idx, peer: t.id });
      serverRtt.push(...(await dialer.call<number[]>('serverRtt', { server: addr, n: 5 })));
      times.push(await dialer.call<number>('connect', { idx: d.idx, peer: t.id }));
    }
    return [
      makeFigure({
        key: 'connect',
        title: 'connect -> connected, loopback (introduction, punch, handshake)',
        how: 'ChatClients in 2 child processes + server child, loopback UDP',
        unit: 'ms',
        samples: times,
        baseline: { what: 'Register -> Registered round trip to the same server', unit: 'ms', samples: serverRtt },
        ratio: (v, b) => v.median / b.median,
        target: 'p50 <= 3 server round trips + 5 ms',
        met: (v, b) => v.median <= 3 * b.median + 5,
        notes: ['NAT lab cone-cone skipped: needs network namespaces (scripts/natlab.sh); loopback only here'],
        extra: { limitMs: 0 },
      }),
    ].map((f) => ({ ...f, extra: { limitMs: 3 * f.baseline.median + 5 } }));
  } finally {
    await killAll(children);
  }
}
