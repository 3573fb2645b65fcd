// Figure: discovery server request rate under a mix of 90% heartbeats, 8% list requests and
// 2% new (signed) registrations, from 12,000 simulated clients on distinct loopback source
// addresses; the server alone in a child process. Baseline: the same generator against a
// raw node:dgram echo server child. Rounds alternate echo and server.

import type { Endpoint } from '../../src/wire.ts';
import { BenchChild, killAll } from './child.ts';
import { startServer } from './chat-setup.ts';
import { closeSockets, openSockets, registerAll, runMix, type LoadSocket, type MixResult } from './loadgen.ts';
import { makeClient } from './requests.ts';
import { makeFigure, progress, summarize, type Figure } from './stats.ts';

/** Heartbeats are limited to 2/s per id (HEARTBEAT_RATE_PER_S): enough clients that none hits it. */
const ACTIVE = 12_000;
const WINDOW = 128;

export async function serverRateFigure(quick: boolean): Promise<Figure[]> {
  const rounds = quick ? 2 : 5;
  const durationMs = quick ? 1_500 : 4_000;
  const freshPerRound = quick ? 800 : 2_000;
  const children: (BenchChild | undefined)[] = [];
  const sockets: LoadSocket[] = [];
  try {
    const { server, addr } = await startServer();
    children.push(server);
    const echo = BenchChild.spawn('echo', 'raw-peer.ts');
    children.push(echo);
    const echoAddr: Endpoint = ['127.0.0.1', await echo.call<number>('echo')];
    progress(`server rate: registering ${ACTIVE} clients`);
    const active = await openSockets(Array.from({ length: ACTIVE }, (_, i) => makeClient(i)));
    sockets.push(...active);
    const registered = await registerAll(active, addr);
    const rates: number[] = [];
    const echoRates: number[] = [];
    const lat: number[] = [];
    let lost = 0;
    for (let r = 0; r < rounds; r++) {
      for (const [name, target] of [['echo', echoAddr], ['server', addr]] as const) {
        const fresh = await openSockets(Array.from({ length: freshPerRound }, (_, i) => makeClient(100_000 + i)));
        sockets.push(...fresh);
        progress(`server rate: round ${r + 1}/${rounds}, ${name}`);
        const res: MixResult = await runMix({ target, active, fresh, window: WINDOW, durationMs, warmupMs: 300, maxRequests: 2_000_000, listPer50: 4, registerPer50: 1 });
        if (name === 'echo') echoRates.push(res.ratePerS);
        else {
          rates.push(res.ratePerS);
          for (const x of res.latencyMs) lat.push(x);
          lost += res.lost;
        }
        await closeSockets(fresh);
        sockets.splice(sockets.length - fresh.length, fresh.length);
      }
    }
    const stats = await server.call<{ drops: Record<string, number>; online: number }>('stats');
    const l = summarize(lat);
    return [
      makeFigure({
        key: 'serverRate',
        title: 'discovery server: 90% heartbeat / 8% list / 2% new signed registration',
        how: `server child; load from the bench process, ${ACTIVE} clients on 127.10.x.y, window ${WINDOW}`,
        unit: 'req/s',
        samples: rates,
        baseline: { what: 'raw dgram echo server child, same generator', unit: 'req/s', samples: echoRates },
        ratio: (v, b) => v.median / b.median,
        target: '>= 20,000 req/s and ratio >= 0.5',
        met: (v, _b, ratio) => v.median >= 20_000 && ratio >= 0.5,
        notes: [`${registered}/${ACTIVE} clients registered before the rounds; server drops: ${JSON.stringify(stats.drops)}`],
        extra: { registered, lostRequests: lost, latencyP50Ms: l.median, latencyP99Ms: l.p99, online: stats.online },
      }),
    ];
  } finally {
    await closeSockets(sockets).catch(() => undefined);
    await killAll(children);
  }
}
