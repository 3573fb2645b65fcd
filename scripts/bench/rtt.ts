// Figure: message round trip (send -> delivered, i.e. the peer's ack came back) of 100-byte
// chat messages between two ChatClient child processes on loopback, against a raw
// node:dgram echo round trip between two child processes, interleaved in rounds.

import { BenchChild, killAll } from './child.ts';
import { startChatPair } from './chat-setup.ts';
import { makeFigure, progress, type Figure } from './stats.ts';

export async function rttFigure(quick: boolean): Promise<Figure[]> {
  const rounds = quick ? 3 : 8;
  const perRound = quick ? 100 : 250;
  const echo = BenchChild.spawn('echo', 'raw-peer.ts');
  const pinger = BenchChild.spawn('pinger', 'raw-peer.ts');
  let pair;
  try {
    pair = await startChatPair();
    const echoPort = await echo.call<number>('echo');
    const raw: number[] = [];
    const msg: number[] = [];
    // Warm-up (JIT, first handshake costs): not counted.
    await pair.b.call('rtt', { idx: 0, peer: pair.aId, n: 50 });
    await pinger.call('ping', { port: echoPort, n: 50, size: 100 });
    for (let r = 0; r < rounds; r++) {
      progress(`rtt: round ${r + 1}/${rounds}`);
      raw.push(...(await pinger.call<number[]>('ping', { port: echoPort, n: perRound, size: 100 })));
      msg.push(...(await pair.b.call<number[]>('rtt', { idx: 0, peer: pair.aId, n: perRound }, 60_000)));
    }
    return [
      makeFigure({
        key: 'rtt',
        title: 'message round trip, 100 B (send -> delivered)',
        how: '2 ChatClient child processes, loopback UDP',
        unit: 'ms',
        samples: msg,
        baseline: { what: 'raw dgram echo round trip, 2 child processes', unit: 'ms', samples: raw },
        ratio: (v, b) => v.median / b.median,
        target: 'ratio <= 3 at p50',
        met: (_v, _b, ratio) => ratio <= 3,
      }),
    ];
  } finally {
    await killAll([echo, pinger]);
    await pair?.close();
  }
}
