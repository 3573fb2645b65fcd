// Figure: 1,000 messages of 100 bytes through an in-process lossy link with 1 ms one-way
// delay, at 0% (the baseline), 10% and 30% loss in both directions. Two ReliableChannels
// (src/reliability/channel.ts), frames CBOR-encoded and decoded on the way (src/codec.ts),
// real timers (one per end, armed for nextTimeout, as the driver does). Seeded loss, so
// every repetition is a different but reproducible loss pattern.

import { decode, encode } from '../../src/codec.ts';
import { ReliableChannel, type ChannelFrame } from '../../src/reliability/channel.ts';
import { MsgType } from '../../src/wire.ts';
import { seededRandom } from '../../test/helpers/prng.ts';
import { makeFigure, progress, summarize, type Figure } from './stats.ts';

const MESSAGES = 1_000;
const DELAY_MS = 1;
const RUN_CAP_MS = 30_000;

interface RunResult {
  ms: number;
  inOrder: boolean;
  delivered: number;
  retransmits: number;
  dataLost: number;
}

function runLink(loss: number, seed: number): Promise<RunResult> {
  const random = seededRandom(seed);
  const sender = new ReliableChannel();
  const receiver = new ReliableChannel();
  let delivered = 0;
  let inOrder = true;
  let dataLost = 0;
  const t0 = performance.now();
  const timers = new Map<ReliableChannel, () => void>();

  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      for (const cancel of timers.values()) cancel();
      clearTimeout(cap);
      resolve({ ms: performance.now() - t0, inOrder: inOrder && delivered === MESSAGES, delivered, retransmits: sender.stats.retransmits, dataLost });
    };
    const cap = setTimeout(finish, RUN_CAP_MS);
    const pump = (from: ReliableChannel, to: ReliableChannel) => {
      for (let f = from.pollTransmit(); f; f = from.pollTransmit()) {
        const bytes = encode({ ...f, cid: 1 });
        if (random() < loss) {
          if (f.t === MsgType.Data) dataLost++;
          continue;
        }
        setTimeout(() => {
          if (done) return;
          const r = decode(bytes);
          if (!r.ok) return;
          to.receive(r.msg as unknown as ChannelFrame, performance.now());
          pump(to, from);
        }, DELAY_MS);
      }
      for (let ev = from.pollEvent(); ev; ev = from.pollEvent()) {
        if (ev.type !== 'deliver') continue;
        const index = new DataView(ev.body.buffer, ev.body.byteOffset).getUint32(0);
        if (index !== delivered) inOrder = false;
        if (++delivered === MESSAGES) return finish();
      }
      arm(from, to);
    };
    // As src/net/driver.ts does: a deadline already due runs on setImmediate (after this
    // round of I/O), a later one on setTimeout.
    const arm = (ch: ReliableChannel, peer: ReliableChannel) => {
      timers.get(ch)?.();
      timers.delete(ch);
      const at = ch.nextTimeout();
      if (at === undefined || done) return;
      const fire = () => {
        ch.handleTimeout(performance.now());
        pump(ch, peer);
      };
      const delay = Math.ceil(at - performance.now());
      if (delay <= 0) {
        const h = setImmediate(fire);
        timers.set(ch, () => clearImmediate(h));
      } else {
        const h = setTimeout(fire, delay);
        timers.set(ch, () => clearTimeout(h));
      }
    };
    const now = performance.now();
    for (let i = 0; i < MESSAGES; i++) {
      const body = new Uint8Array(100).fill(0x6d);
      new DataView(body.buffer).setUint32(0, i);
      sender.send(body, now);
    }
    pump(sender, receiver);
  });
}

export async function lossyFigures(quick: boolean): Promise<Figure[]> {
  const reps = quick ? 1 : 5;
  const times: Record<string, number[]> = { '0': [], '0.1': [], '0.3': [] };
  const retx: Record<string, number[]> = { '0.1': [], '0.3': [] };
  let allInOrder = true;
  // Warm-up, not recorded: the first runs pay for JIT compilation, which would flatter the ratios.
  for (const loss of [0, 0.1, 0.3, 0]) await runLink(loss, 99 + Math.round(loss * 100));
  for (let r = 0; r < reps; r++) {
    progress(`lossy link: repetition ${r + 1}/${reps}`);
    for (const loss of [0, 0.1, 0.3]) {
      const res = await runLink(loss, 1_000 * r + Math.round(loss * 100) + 7);
      allInOrder &&= res.inOrder;
      times[String(loss)]?.push(res.ms);
      if (loss > 0) retx[String(loss)]?.push(res.dataLost ? res.retransmits / res.dataLost : 0);
    }
  }
  return [0.1, 0.3].map((loss) => {
    const limit = loss === 0.1 ? 1.5 : 3;
    const pct = Math.round(loss * 100);
    return makeFigure({
      key: `lossy${pct}`,
      title: `1,000 x 100 B through a lossy link, ${pct}% loss each way, 1 ms delay`,
      how: 'in-process: 2 ReliableChannels + codec, real timers',
      unit: 'ms',
      samples: times[String(loss)] ?? [],
      baseline: { what: 'same link, no loss', unit: 'ms', samples: times['0'] ?? [] },
      ratio: (v, b) => v.median / b.median,
      target: `all delivered in order; time <= ${limit}x lossless`,
      met: (_v, _b, ratio) => allInOrder && ratio <= limit,
      notes: [allInOrder ? 'every run delivered all 1,000 in order' : 'SOME RUN DID NOT DELIVER ALL IN ORDER'],
      extra: { retransmitsPerLostDataFrame: summarize(retx[String(loss)] ?? []).median, allInOrder: allInOrder ? 1 : 0 },
    });
  });
}
