// Events kept in arrival order, with waits that have deadlines: the one waiting mechanism
// behind the headless-client helper (JSON lines from a child process) and the bench's
// chat peer (events of an in-process ChatClient).

export interface WaitOptions {
  /** Look back at events already kept, from this index on (default: only new events). */
  from?: number;
}

export class EventLog<E> {
  readonly events: E[] = [];
  private waiters: { pred: (e: E) => boolean; resolve: (e: E) => void }[] = [];
  private readonly listeners = new Set<(e: E) => void>();
  private closedReason: string | undefined;
  private readonly closers = new Set<(reason: string) => void>();

  /**
   * @param keep at most this many events are kept (waiters still see every one)
   * @param describe what a timeout message adds (the last events, stderr, ...)
   */
  constructor(
    private readonly keep = Infinity,
    private readonly describe: () => string = () => '',
  ) {}

  /** Records one event and wakes the waiters it satisfies. */
  push(e: E): void {
    if (this.events.length < this.keep) this.events.push(e);
    for (const l of [...this.listeners]) l(e);
    if (this.waiters.length === 0) return;
    for (const w of [...this.waiters]) if (w.pred(e)) w.resolve(e); // resolve removes w
  }

  /** Calls `listener` with every event from now on, until the returned function is called. */
  subscribe(listener: (e: E) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** No more events will come (the process exited): pending and later waits fail at once. */
  close(reason: string): void {
    this.closedReason ??= reason;
    for (const fail of [...this.closers]) fail(reason);
  }

  /** The first kept event from index `from` on that matches, if any. */
  find(pred: (e: E) => boolean, from = 0): E | undefined {
    for (let i = from; i < this.events.length; i++) {
      const e = this.events[i] as E;
      if (pred(e)) return e;
    }
    return undefined;
  }

  /**
   * Resolves with the first event matching `pred` — among kept events from `opts.from` on
   * if given, else only among events that arrive from now on; rejects after `ms`.
   */
  waitFor(pred: (e: E) => boolean, ms: number, what = 'event', opts: WaitOptions = {}): Promise<E> {
    if (opts.from !== undefined) {
      const seen = this.find(pred, opts.from);
      if (seen !== undefined) return Promise.resolve(seen);
    }
    const timeoutError = (why: string): Error => {
      const more = this.describe();
      return new Error(`no ${what} within ${ms} ms${why}${more ? `\n${more}` : ''}`);
    };
    if (this.closedReason !== undefined) return Promise.reject(timeoutError(` (${this.closedReason})`));
    return new Promise<E>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.closers.delete(fail);
        this.waiters = this.waiters.filter((w) => w !== waiter);
      };
      const fail = (reason: string): void => {
        done();
        reject(timeoutError(` (${reason})`));
      };
      const timer = setTimeout(() => {
        done();
        reject(timeoutError(''));
      }, ms);
      const waiter = {
        pred,
        resolve: (e: E) => {
          done();
          resolve(e);
        },
      };
      this.waiters.push(waiter);
      this.closers.add(fail);
    });
  }
}
