// Figure: one-way throughput of acknowledged 100-byte messages over one conversation (two
// ChatClient child processes), against the raw node:dgram one-way receive rate (a blasting
// child and a counting child), interleaved in rounds.

import { BenchChild, killAll } from './child.ts';
import { startChatPair } from './chat-setup.ts';
import { makeFigure, progress, type Figure } from './stats.ts';

/** What chat-peer's burst reports. */
type Burst = { ms: number; n: number; sent: number; delivered: number };

export async function throughputFigure(quick: boolean): Promise<Figure[]> {
  const rounds = quick ? 2 : 5;
  const messages = quick ? 3_000 : 20_000;
  const datagrams = quick ? 50_000 : 200_000;
  const sink = BenchChild.spawn('sink', 'raw-peer.ts');
  const blaster = BenchChild.spawn('blaster', 'raw-peer.ts');
  let pair;
  try {
    pair = await startChatPair();
    const sinkPort = await sink.call<number>('sink');
    const raw: number[] = [];
    const chat: number[] = [];
    let rawSent = 0;
    let rawReceived = 0;
    await pair.b.call('burst', { idx: 0, peer: pair.aId, n: 500, window: 1_000, maxMs: 30_000 }); // warm-up
    for (let r = 0; r < rounds; r++) {
      progress(`throughput: round ${r + 1}/${rounds}`);
      const blast = await blaster.call<{ sent: number }>('blast', { port: sinkPort, n: datagrams, size: 100, maxMs: 10_000 }, 30_000);
      await new Promise((res) => setTimeout(res, 100)); // the last datagrams land
      const s = await sink.call<{ count: number; first: number; last: number }>('sinkStats');
      rawSent += blast.sent;
      rawReceived += s.count;
      if (s.count > 1) raw.push((s.count * 1000) / (s.last - s.first));
      const receivedBefore = await pair.a.call<number>('received', { idx: 0 });
      const b = await pair.b.call<Burst>('burst', { idx: 0, peer: pair.aId, n: messages, window: 1_000, maxMs: 60_000 }, 90_000);
      const received = (await pair.a.call<number>('received', { idx: 0 })) - receivedBefore;
      // The figure counts what was sent; the sender and the receiver must agree on it.
      if (b.sent !== messages || b.delivered !== b.sent || received !== b.sent) {
        throw new Error(`throughput: ${b.sent} sent, ${b.delivered} delivered, ${received} received; expected ${messages} each`);
      }
      chat.push((b.sent * 1000) / b.ms);
    }
    return [
      makeFigure({
        key: 'throughput',
        title: 'one-way throughput, acknowledged 100 B messages, one conversation',
        how: `2 ChatClient child processes, loopback UDP; ${messages} messages a round, <= 1000 unacked`,
        unit: 'msg/s',
        samples: chat,
        baseline: { what: 'raw dgram one-way receive rate, 2 child processes', unit: 'datagrams/s', samples: raw },
        ratio: (v, b) => v.median / b.median,
        target: '>= 25,000 msg/s and ratio >= 0.25',
        met: (v, _b, ratio) => v.median >= 25_000 && ratio >= 0.25,
        extra: { rawDeliveredFraction: rawSent ? rawReceived / rawSent : 0 },
      }),
    ];
  } finally {
    await killAll([sink, blaster]);
    await pair?.close();
  }
}
