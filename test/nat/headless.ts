// A natter headless client running inside a lab namespace: JSON lines in, JSON events out.
// Every event is kept (with its arrival time) so a test can wait for one or look back.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { nsSpawn, kill, SERVERS, TSX } from './lab.ts';

export type Ev = { event: string; at: number } & Record<string, unknown>;

/** Lab timings: keepalives and timeouts in seconds, not minutes (overridable per client). */
export const LAB_ENV: Record<string, string> = {
  NATTER_KEEPALIVE_INTERVAL_MS: '2000',
  NATTER_PEER_SILENT_TIMEOUT_MS: '10000',
  NATTER_HEARTBEAT_INTERVAL_MS: '1500',
  NATTER_PUNCH_TIMEOUT_MS: '6000',
};

// One identity directory per test process: ids stay out of the real ~/.config.
const configHome = mkdtempSync(join(tmpdir(), 'natter-nat-'));
process.on('exit', () => rmSync(configHome, { recursive: true, force: true }));

export class Headless {
  readonly events: Ev[] = [];
  readonly stderr: string[] = [];
  private readonly child: ChildProcess;
  private waiters: (() => void)[] = [];
  readonly started = Date.now();

  constructor(readonly ns: string, readonly name: string, opts: { port?: number; servers?: string; env?: Record<string, string> } = {}) {
    const args = [TSX, 'client/edge/cli.ts', '--headless', '--name', name, '--servers', opts.servers ?? SERVERS];
    if (opts.port !== undefined) args.push('--port', String(opts.port));
    this.child = nsSpawn(ns, args, { ...LAB_ENV, XDG_CONFIG_HOME: configHome, ...opts.env });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      let ev: Ev;
      try {
        ev = { ...JSON.parse(line), at: Date.now() };
      } catch {
        ev = { event: 'unparsable', line, at: Date.now() };
      }
      this.events.push(ev);
      for (const wake of this.waiters.splice(0)) wake();
    });
    createInterface({ input: this.child.stderr! }).on('line', (line) => this.stderr.push(line));
    this.child.on('exit', () => { for (const wake of this.waiters.splice(0)) wake(); });
  }

  send(cmd: Record<string, unknown>): void {
    this.child.stdin?.write(`${JSON.stringify(cmd)}\n`);
  }

  /** Resolves with the first event (from index `from` on) matching `pred`; rejects after timeoutMs. */
  async waitFor(pred: (ev: Ev) => boolean, timeoutMs: number, what = 'event', from = 0): Promise<Ev> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.events.slice(from).find(pred);
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0 || this.child.exitCode !== null) {
        throw new Error(`${this.name}@${this.ns}: no ${what} within ${timeoutMs} ms (exit ${this.child.exitCode})\n${this.transcript()}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
  }

  waitEvent(event: string, timeoutMs: number, match: Record<string, unknown> = {}, from = 0): Promise<Ev> {
    const pred = (ev: Ev): boolean => ev.event === event && Object.entries(match).every(([k, v]) => ev[k] === v);
    return this.waitFor(pred, timeoutMs, `${event} ${JSON.stringify(match)}`, from);
  }

  ready(timeoutMs = 15_000): Promise<Ev> {
    return this.waitEvent('ready', timeoutMs);
  }

  all(event: string): Ev[] {
    return this.events.filter((e) => e.event === event);
  }

  /** The last lines of events and stderr, for failure messages and reports. */
  transcript(lines = 25): string {
    const ev = this.events.slice(-lines).map((e) => `  < ${JSON.stringify(e)}`);
    const err = (this.stderr.length > 24 ? [...this.stderr.slice(0, 12), '...', ...this.stderr.slice(-12)] : this.stderr).map((l) => `  ! ${l}`);
    return [`--- ${this.name}@${this.ns} events:`, ...ev, '--- stderr:', ...err].join('\n');
  }

  async stop(): Promise<void> {
    this.send({ cmd: 'quit' });
    await Promise.race([new Promise((r) => this.child.once('exit', r)), new Promise((r) => setTimeout(r, 1500))]);
    await kill(this.child);
  }
}
