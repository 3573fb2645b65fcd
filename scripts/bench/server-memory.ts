// Figure: discovery server memory with 100,000 registered clients (10,000 in --quick), each a
// signed registration from its own loopback source address, registered in batches of 1,000
// sockets (bound, registered, closed); RSS from /proc/PID/status after a full GC, against
// the same server empty. Then list requests with random cursors from the last batch (still
// open and registered): their round-trip p99 under that registry size.

import { BenchChild, killAll, procUsage } from './child.ts';
import { startServer } from './chat-setup.ts';
import { closeSockets, openSockets, registerAll, runMix, type LoadSocket } from './loadgen.ts';
import { makeClient } from './requests.ts';
import { makeFigure, progress, sleep, summarize, type Figure } from './stats.ts';

const BATCH = 1_000;

export async function serverMemoryFigures(quick: boolean): Promise<Figure[]> {
  const total = quick ? 10_000 : 100_000;
  const children: (BenchChild | undefined)[] = [];
  let last: LoadSocket[] = [];
  try {
    // Entries must outlive the run: the default 35 s TTL would expire the first batches.
    const { server, addr } = await startServer({ NATTER_REGISTRY_ENTRY_TTL_MS: '3600000' });
    children.push(server);
    await server.call('memory');
    await sleep(200);
    await server.call('memory');
    const empty = procUsage(server.pid).rssBytes;
    const ids: string[] = [];
    let registered = 0;
    const t0 = performance.now();
    for (let done = 0; done < total && performance.now() - t0 < 240_000; done += BATCH) {
      if (done % 10_000 === 0) progress(`server memory: ${done}/${total} registered`);
      const batch = await openSockets(Array.from({ length: Math.min(BATCH, total - done) }, (_, i) => makeClient(done + i)));
      registered += await registerAll(batch, addr);
      for (const s of batch) ids.push(s.client.id);
      if (done + BATCH >= total) last = batch;
      else await closeSockets(batch);
    }
    const registerMs = performance.now() - t0;
    await server.call('memory');
    await sleep(200);
    const mem = await server.call<{ heapUsed: number }>('memory');
    const full = procUsage(server.pid).rssBytes;
    const online = (await server.call<{ online: number }>('stats')).online;
    progress(`server memory: list requests against ${online} clients`);
    const listRes = await runMix({
      target: addr,
      active: last,
      fresh: [],
      window: 4,
      durationMs: quick ? 1_500 : 5_000,
      warmupMs: 200,
      maxRequests: 50_000,
      listPer50: 50,
      registerPer50: 0,
      cursor: () => ids[Math.floor(Math.random() * ids.length)],
    });
    const perClient = (full - empty) / Math.max(1, online);
    const memFigure = makeFigure({
      key: 'serverMemory',
      title: `discovery server memory, ${total.toLocaleString('en')} registered clients`,
      how: 'server child, RSS from /proc after GC; clients on distinct 127.10.x.y addresses',
      unit: 'bytes/client',
      samples: [perClient],
      baseline: { what: 'RSS of the empty server', unit: 'bytes', samples: [empty] },
      ratio: (v) => v.median / 1024,
      target: '<= 1 KB (1024 B) per client',
      met: (v) => v.median <= 1024,
      notes: [`${registered}/${total} registered in ${Math.round(registerMs)} ms; RSS ${Math.round(full / 2 ** 20)} MiB vs ${Math.round(empty / 2 ** 20)} MiB empty`],
      extra: { clients: online, rssBytes: full, emptyRssBytes: empty, heapUsedBytes: mem.heapUsed, registrationsPerS: (registered * 1000) / registerMs },
    });
    const l = summarize(listRes.listLatencyMs);
    const listFigure = makeFigure({
      key: 'serverListP99',
      title: `list request round trip with ${total.toLocaleString('en')} clients registered`,
      how: 'server child; 4 list requests in flight, random cursors, from registered sources',
      unit: 'ms',
      samples: listRes.listLatencyMs,
      baseline: { what: 'empty-server RSS figure above (no latency baseline)', unit: 'ms', samples: [0] },
      ratio: (v) => v.p99 / 10,
      target: 'p99 <= 10 ms',
      met: (v) => v.p99 <= 10,
      notes: [`${listRes.completed} list requests, ${listRes.lost} lost`],
      extra: { p99Ms: l.p99, listRatePerS: listRes.ratePerS },
    });
    return [memFigure, listFigure];
  } finally {
    await closeSockets(last).catch(() => undefined);
    await killAll(children);
  }
}
