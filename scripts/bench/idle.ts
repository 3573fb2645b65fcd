// Figure: an idle client with 5 open conversations (one ChatClient in its own child; its 5
// peers are 5 ChatClients in another child), CPU and RSS from /proc over a quiet window,
// against a bare `node --import tsx` child holding one UDP socket (raw-peer.ts idle).

import { BenchChild, killAll, procUsage } from './child.ts';
import { startServer } from './chat-setup.ts';
import { makeFigure, progress, sleep, type Figure } from './stats.ts';

export async function idleFigures(quick: boolean): Promise<Figure[]> {
  const windowMs = quick ? 4_000 : 25_000;
  const slices = quick ? 4 : 5;
  const children: (BenchChild | undefined)[] = [];
  try {
    const { server, addr } = await startServer();
    children.push(server);
    const idle = BenchChild.spawn('idle client', 'chat-peer.ts');
    const peers = BenchChild.spawn('idle peers', 'chat-peer.ts');
    const bare = BenchChild.spawn('bare node', 'raw-peer.ts');
    children.push(idle, peers, bare);
    await bare.call('idle');
    const me = await idle.call<{ idx: number }>('start', { servers: [addr], name: 'idler' });
    for (let i = 0; i < 5; i++) {
      const p = await peers.call<{ idx: number; id: string }>('start', { servers: [addr], name: `peer${i}` });
      await idle.call('waitPeer', { idx: me.idx, peer: p.id });
      await idle.call('connect', { idx: me.idx, peer: p.id });
    }
    await sleep(1_000); // let start-up work settle
    const cpu: number[] = [];
    const bareCpu: number[] = [];
    const rss: number[] = [];
    const bareRss: number[] = [];
    const slice = windowMs / slices;
    for (let s = 0; s < slices; s++) {
      progress(`idle: slice ${s + 1}/${slices} (${Math.round(slice)} ms)`);
      const a0 = procUsage(idle.pid);
      const b0 = procUsage(bare.pid);
      const t0 = performance.now();
      await sleep(slice);
      const ms = performance.now() - t0;
      const a1 = procUsage(idle.pid);
      const b1 = procUsage(bare.pid);
      cpu.push((100 * (a1.cpuMs - a0.cpuMs)) / ms);
      bareCpu.push((100 * (b1.cpuMs - b0.cpuMs)) / ms);
      rss.push(a1.rssBytes / 2 ** 20);
      bareRss.push(b1.rssBytes / 2 ** 20);
    }
    const how = 'ChatClient child with 5 connected conversations (peers in another child)';
    const totalCpu = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    return [
      makeFigure({
        key: 'idleCpu',
        title: 'idle client CPU, 5 open conversations',
        how,
        unit: '% of one core',
        samples: cpu,
        baseline: { what: 'bare node --import tsx + 1 UDP socket', unit: '% of one core', samples: bareCpu },
        ratio: (v, b) => v.median - b.median,
        target: '< 1% CPU',
        met: (v) => v.median < 1,
        notes: [`${Math.round(windowMs / 1000)} s window in ${slices} slices; /proc ticks are 10 ms`, 'ratio column: difference in percentage points'],
        extra: { meanCpuPercent: totalCpu(cpu), meanBaselineCpuPercent: totalCpu(bareCpu) },
      }),
      makeFigure({
        key: 'idleRss',
        title: 'idle client RSS, 5 open conversations',
        how,
        unit: 'MiB',
        samples: rss,
        baseline: { what: 'bare node --import tsx + 1 UDP socket', unit: 'MiB', samples: bareRss },
        ratio: (v, b) => v.median - b.median,
        target: 'RSS <= baseline + 30 MB',
        met: (v, b) => v.median - b.median <= 30,
        notes: ['ratio column: difference in MiB'],
      }),
    ];
  } finally {
    await killAll(children);
  }
}
