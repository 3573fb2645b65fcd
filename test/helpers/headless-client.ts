// A natter headless client in a child process (`client/edge/cli.ts --headless`): JSON
// commands in on stdin, JSON events out on stdout, every event kept with its arrival time so
// a test can wait for one or look back. Used by the integration tests (a plain child
// process on loopback) and by the NAT lab (the same client inside a network namespace,
// spawned through `ip netns exec`, see test/nat/headless.ts).

import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { EventLog } from './event-log.ts';
import { startProcess, stopProcess, tempHome } from './processes.ts';

/** One headless event as printed by the client, plus `at`: when the test read it (ms since epoch). */
export type HeadlessEvent = Record<string, unknown> & { event: string; at: number };

/** The CLI arguments of a headless client; `servers` as `host:port,host:port`. */
export function headlessArgs(name: string, servers: string, port?: number): string[] {
  const args = ['client/edge/cli.ts', '--headless', '--name', name, '--servers', servers];
  if (port !== undefined) args.push('--port', String(port));
  return args;
}

/** How long stop() lets the client quit on its own before it is killed. */
const QUIT_GRACE_MS = 1_500;

export class HeadlessClient {
  readonly log: EventLog<HeadlessEvent>;
  /** The client's stderr, line by line. */
  readonly stderr: string[] = [];
  readonly started = Date.now();

  /**
   * @param where shown in failure messages (a namespace, or 'local')
   * @param terminate ends the process for good once it had its chance to quit
   */
  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly where: string,
    private readonly terminate: (child: ChildProcess) => Promise<void>,
  ) {
    this.log = new EventLog<HeadlessEvent>(Infinity, () => this.transcript());
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let ev: HeadlessEvent;
      try {
        ev = { ...(JSON.parse(line) as { event: string }), at: Date.now() };
      } catch {
        ev = { event: 'unparsable', line, at: Date.now() }; // stdout must be JSON only: tests see this
      }
      this.log.push(ev);
    });
    createInterface({ input: child.stderr! }).on('line', (line) => this.stderr.push(line));
    // 'close' comes after the last stdout line was read, so no event is lost to the exit.
    child.once('close', (code, signal) => this.log.close(`${this.name} exited with ${code ?? signal}`));
    child.stdin?.on('error', () => undefined); // a command written to a client that just died is lost, not a crash
  }

  /** A client on this machine (servers as loopback ports or `host:port,...`), with its own HOME unless given. */
  static start(name: string, servers: number[] | string, opts: { home?: string; env?: Record<string, string>; port?: number; args?: string[] } = {}): HeadlessClient {
    const list = typeof servers === 'string' ? servers : servers.map((p) => `127.0.0.1:${p}`).join(',');
    // The history database goes under HOME too (XDG_DATA_HOME of the test runner must not leak in).
    const child = startProcess([...headlessArgs(name, list, opts.port), ...(opts.args ?? [])], { HOME: opts.home ?? tempHome(), XDG_DATA_HOME: '', ...opts.env });
    return new HeadlessClient(name, child, 'local', (c) => stopProcess(c));
  }

  get events(): HeadlessEvent[] {
    return this.log.events;
  }

  send(cmd: Record<string, unknown>): void {
    this.child.stdin?.write(`${JSON.stringify(cmd)}\n`);
  }

  /** The first event from index `from` on (past or future) matching `pred`; rejects after `ms` or when the client exits. */
  waitFor(pred: (e: HeadlessEvent) => boolean, ms: number, what = 'event', from = 0): Promise<HeadlessEvent> {
    return this.log.waitFor(pred, ms, `${what} at ${this.name}@${this.where}`, { from });
  }

  /** Like waitFor, but only for events that arrive from now on. */
  waitForNext(pred: (e: HeadlessEvent) => boolean, ms: number, what = 'event'): Promise<HeadlessEvent> {
    return this.log.waitFor(pred, ms, `${what} at ${this.name}@${this.where}`);
  }

  /** The first `event` whose fields equal those of `match`. */
  waitEvent(event: string, ms: number, match: Record<string, unknown> = {}, from = 0): Promise<HeadlessEvent> {
    const pred = (ev: HeadlessEvent): boolean => ev.event === event && Object.entries(match).every(([k, v]) => ev[k] === v);
    return this.waitFor(pred, ms, `${event} ${JSON.stringify(match)}`, from);
  }

  ready(ms = 15_000): Promise<HeadlessEvent> {
    return this.waitEvent('ready', ms);
  }

  all(event: string): HeadlessEvent[] {
    return this.events.filter((e) => e.event === event);
  }

  /** The last events and stderr lines, for failure messages and reports. */
  transcript(lines = 25): string {
    const ev = this.events.slice(-lines).map((e) => `  < ${JSON.stringify(e)}`);
    const err = (this.stderr.length > 24 ? [...this.stderr.slice(0, 12), '...', ...this.stderr.slice(-12)] : this.stderr).map((l) => `  ! ${l}`);
    return [`--- ${this.name}@${this.where} events:`, ...ev, '--- stderr:', ...err].join('\n');
  }

  /** kill -9: no goodbye, no flush; resolves when the process is gone. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGKILL');
    await exited;
  }

  /** Asks the client to quit (byes and leaves go out), then ends the process whatever happened. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.send({ cmd: 'quit' });
      this.child.stdin?.end();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, QUIT_GRACE_MS)))]);
      clearTimeout(timer);
    }
    await this.terminate(this.child);
  }
}
