// `--keep-days N`: deletes messages older than N days, one small batch per turn of the event
// loop, so a first sweep over a year of history never freezes the UI or delays a send. A
// pass that finds a full batch goes on at the next turn (setImmediate: I/O first); a pass
// that finds less is done, and the next one starts an interval later. Queued messages are
// never deleted (the store's deleteOlderThan skips them). Errors never escape: a full disk
// or a closed store ends the pass, and the next interval tries again.

import type { HistoryStoreApi } from './history-api.ts';

const DAY_MS = 86_400_000;
/** Small enough that one batch (rows, FTS entries, index entries) takes a few milliseconds. */
export const RETENTION_BATCH = 500;
/** How often a new pass starts once the old messages are gone: hourly keeps "N days" honest. */
export const RETENTION_INTERVAL_MS = 3_600_000;
/** The first pass waits this long after start: the first screen and the outbox come first. */
export const RETENTION_FIRST_DELAY_MS = 2_000;

export interface RetentionOptions {
  batch?: number;
  intervalMs?: number;
  firstDelayMs?: number;
  /** The clock (tests move it); default Date.now. */
  now?: () => number;
  /** A pass ended: how many it deleted in all. */
  onPassDone?: (deleted: number) => void;
  /** A batch failed (e.g. DISK_FULL: deleting writes too); the pass ends, the next one retries. */
  onError?: (err: unknown) => void;
}

export class RetentionSweeper {
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private stopped = false;
  private deletedThisPass = 0;
  private readonly batch: number;
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(
    private readonly store: () => HistoryStoreApi,
    private readonly keepDays: number,
    private readonly options: RetentionOptions = {},
  ) {
    this.batch = options.batch ?? RETENTION_BATCH;
    this.intervalMs = options.intervalMs ?? RETENTION_INTERVAL_MS;
    this.now = options.now ?? Date.now;
  }

  start(): this {
    this.schedule(this.options.firstDelayMs ?? RETENTION_FIRST_DELAY_MS);
    return this;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
    }
    this.timer = undefined;
  }

  /** One batch; how many it deleted. Throws what the store throws. */
  sweepOnce(): number {
    return this.store().deleteOlderThan(this.now() - this.keepDays * DAY_MS, this.batch);
  }

  private tick(): void {
    this.timer = undefined;
    if (this.stopped) return;
    let deleted: number;
    try {
      deleted = this.sweepOnce();
    } catch (err) {
      this.options.onError?.(err);
      this.endPass();
      return;
    }
    this.deletedThisPass += deleted;
    if (deleted >= this.batch) {
      const next = setImmediate(() => this.tick());
      next.unref();
      this.timer = next;
      return;
    }
    this.endPass();
  }

  private endPass(): void {
    const deleted = this.deletedThisPass;
    this.deletedThisPass = 0;
    this.schedule(this.intervalMs);
    this.options.onPassDone?.(deleted);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => this.tick(), delayMs);
    // Retention alone must not keep a quitting client alive.
    timer.unref();
    this.timer = timer;
  }
}

/** Starts sweeping the store `getStore()` returns now (it may be replaced after an integrity failure). */
export function startRetention(getStore: () => HistoryStoreApi, keepDays: number, options: RetentionOptions = {}): RetentionSweeper {
  return new RetentionSweeper(getStore, keepDays, options).start();
}
