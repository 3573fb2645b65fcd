// Drops, counted by reason: running totals for stats(), and summaries for the event stream.
// A flood drops tens of thousands of datagrams a second; a live view wants to know, a log
// wants a line, neither wants a line per datagram. So drops are aggregated and summarised at
// most once per DROP_SUMMARY_INTERVAL_MS: the first drop after a quiet spell is told at once
// (on the next timeout, which the driver runs straight away), the rest of a flood once a second.

import { DropCounter } from '../../src/codec.ts';

export const DROP_SUMMARY_INTERVAL_MS = 1_000;

/** Where the parts count what they drop. */
export interface DropSink {
  add(reason: string): void;
}

export interface DropSummary {
  type: 'drops';
  counts: Record<string, number>;
  total: number;
  /** How long the summarised drops took to accumulate (from the first of them to the summary). */
  sinceMs: number;
}

export class DropLedger implements DropSink {
  readonly totals = new DropCounter();
  private pending = new Map<string, number>();
  private pendingTotal = 0;
  private windowStart = 0;
  private lastSummaryAt: number | undefined;
  private dueAt: number | undefined;

  constructor(private readonly intervalMs: number = DROP_SUMMARY_INTERVAL_MS) {}

  add(reason: string): void {
    this.totals.add(reason);
    this.pending.set(reason, (this.pending.get(reason) ?? 0) + 1);
    this.pendingTotal++;
  }

  /** Called after every step with its `now`: schedules a summary when there is something new to tell. */
  arm(now: number): void {
    if (this.pendingTotal === 0 || this.dueAt !== undefined) return;
    this.windowStart = now;
    this.dueAt = this.lastSummaryAt === undefined ? now : Math.max(now, this.lastSummaryAt + this.intervalMs);
  }

  nextTimeout(): number | undefined {
    return this.dueAt;
  }

  /** The summary due at `now`, if one is. */
  poll(now: number): DropSummary | undefined {
    if (this.dueAt === undefined || now < this.dueAt) return undefined;
    const summary: DropSummary = { type: 'drops', counts: Object.fromEntries(this.pending), total: this.pendingTotal, sinceMs: Math.max(0, now - this.windowStart) };
    this.pending = new Map();
    this.pendingTotal = 0;
    this.lastSummaryAt = now;
    this.dueAt = undefined;
    return summary;
  }
}
