// The servers of one process see the same client do the same thing: a join on 8000, 8001
// and 8002 is one logical event. The merger turns (port, event) pairs into one entry per
// logical event naming the ports (`join "alice" (ab12cd34) from 1.2.3.4:5 on 8000,8001,8002`):
// events with the same text (log-view.ts describe; names quoted there) from different ports
// within MERGE_WINDOW_MS of the first are one entry, and drop summaries within the window are
// added up. Sans-IO (push with `now`, poll when due); mergeLaunched() binds it to a timer.

import type { ServerEvent } from '../../core/server-events.ts';
import type { LaunchedServers } from '../launcher.ts';
import { describe } from '../log-view.ts';
import { dropWords } from './drop-words.ts';

/** How long an event waits for its twins from the other ports (they arrive within a millisecond or two). */
export const MERGE_WINDOW_MS = 250;

export interface MergedEntry {
  /** `now` of the first event of the group. */
  at: number;
  /** The line, ending with the ports it happened on. */
  text: string;
  ports: number[];
  /** The first event of the group (a drops entry carries the summed counts). */
  event: ServerEvent;
}

interface Group {
  key: string;
  at: number;
  ports: number[];
  event: ServerEvent;
}

/** A drop summary in plain words, the largest counts first. */
export function describeDrops(counts: Record<string, number>, total: number): string {
  const parts = Object.entries(counts)
    .sort((x, y) => y[1] - x[1])
    .map(([reason, n]) => `${dropWords(reason)} ×${n}`);
  return `drops   ${total}: ${parts.join('; ')}`;
}

const textOf = (ev: ServerEvent): string => (ev.type === 'drops' ? describeDrops(ev.counts, ev.total) : describe(ev));

export class EventMerger {
  private readonly open: Group[] = [];

  constructor(private readonly windowMs: number = MERGE_WINDOW_MS) {}

  push(port: number, ev: ServerEvent, now: number): void {
    const key = ev.type === 'drops' ? 'drops' : describe(ev);
    // The same text again from a port already in the group is another logical event.
    const group = this.open.find((g) => g.key === key && !g.ports.includes(port) && now < g.at + this.windowMs);
    if (group === undefined) {
      this.open.push({ key, at: now, ports: [port], event: ev });
      return;
    }
    group.ports.push(port);
    if (ev.type === 'drops' && group.event.type === 'drops') {
      const counts = { ...group.event.counts };
      for (const [reason, n] of Object.entries(ev.counts)) counts[reason] = (counts[reason] ?? 0) + n;
      group.event = { ...group.event, counts, total: group.event.total + ev.total, sinceMs: Math.max(group.event.sinceMs, ev.sinceMs) };
    }
  }

  /** Entries whose window closed by `now`, in the order their first events came. */
  poll(now: number): MergedEntry[] {
    const due: MergedEntry[] = [];
    while (this.open.length > 0 && now >= (this.open[0] as Group).at + this.windowMs) due.push(entryOf(this.open.shift() as Group));
    return due;
  }

  /** Every open entry, now (at shutdown). */
  flush(): MergedEntry[] {
    return this.open.splice(0).map(entryOf);
  }

  nextTimeout(): number | undefined {
    const first = this.open[0];
    return first === undefined ? undefined : first.at + this.windowMs;
  }
}

function entryOf(g: Group): MergedEntry {
  const ports = [...g.ports].sort((a, b) => a - b);
  return { at: g.at, text: `${textOf(g.event)} on ${ports.join(',')}`, ports, event: g.event };
}

/** Feeds every event of `launched` through a merger and calls `onEntry` with each merged entry; returns the stop function. */
export function mergeLaunched(launched: Pick<LaunchedServers, 'subscribe'>, onEntry: (entry: MergedEntry) => void, windowMs = MERGE_WINDOW_MS): () => void {
  const merger = new EventMerger(windowMs);
  let timer: NodeJS.Timeout | undefined;
  const drain = (): void => {
    timer = undefined;
    for (const entry of merger.poll(performance.now())) onEntry(entry);
    const next = merger.nextTimeout();
    if (next !== undefined) timer = setTimeout(drain, Math.max(0, Math.ceil(next - performance.now())));
  };
  const off = launched.subscribe(({ port, event }) => {
    merger.push(port, event, performance.now());
    timer ??= setTimeout(drain, windowMs);
  });
  return () => {
    off();
    if (timer) clearTimeout(timer);
    for (const entry of merger.flush()) onEntry(entry);
  };
}
