// Test helpers: spawn natter processes (discovery servers, headless clients), read their
// JSON-line events, wait with deadlines, and always clean up.

import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = resolve(import.meta.dirname, '..', '..');

/** A free UDP port on loopback (bind 0, read, close: a tiny race we accept in tests). */
export async function freeUdpPort(): Promise<number> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const { port } = sock.address();
  await new Promise<void>((r) => sock.close(() => r()));
  return port;
}

export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), 'natter-test-'));
}

export function startProcess(args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return child;
}

export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

/** Starts one discovery server process and waits until it listens. */
export async function startServer(port: number): Promise<ChildProcess> {
  const child = startProcess(['discovery/edge/cli.ts', '--port', String(port), '--host', '127.0.0.1']);
  await new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`discovery server on ${port} did not start in 10 s`)), 10_000);
    child.stdout?.on('data', (d: Buffer) => {
      if (/discovery server on UDP/.test(d.toString())) {
        clearTimeout(timer);
        resolveReady();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`discovery server on ${port} exited with ${code}`));
    });
  });
  child.stdout?.resume();
  return child;
}

export type Event = Record<string, unknown> & { event: string };

/** A headless client: JSON commands in, JSON events out, with waits that have deadlines. */
export class HeadlessClient {
  readonly events: Event[] = [];
  readonly stderr: string[] = [];
  private waiters: { pred: (e: Event) => boolean; resolve: (e: Event) => void }[] = [];

  constructor(readonly name: string, readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let ev: Event;
      try {
        ev = JSON.parse(line) as Event;
      } catch {
        throw new Error(`${name}: stdout line is not JSON: ${line}`);
      }
      this.events.push(ev);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(ev)) return true;
        w.resolve(ev);
        return false;
      });
    });
    child.stderr?.on('data', (d: Buffer) => this.stderr.push(d.toString()));
  }

  static start(name: string, servers: number[] | string, opts: { home?: string; env?: Record<string, string>; port?: number } = {}): HeadlessClient {
    const list = typeof servers === 'string' ? servers : servers.map((p) => `127.0.0.1:${p}`).join(',');
    const args = ['client/edge/cli.ts', '--headless', '--name', name, '--servers', list];
    if (opts.port !== undefined) args.push('--port', String(opts.port));
    const child = startProcess(args, { HOME: opts.home ?? tempHome(), ...opts.env });
    return new HeadlessClient(name, child);
  }

  send(cmd: Record<string, unknown>): void {
    this.child.stdin?.write(`${JSON.stringify(cmd)}\n`);
  }

  /** Resolves with the first event (past or future) matching `pred`; rejects after `ms`. */
  waitFor(pred: (e: Event) => boolean, ms: number, what = 'event'): Promise<Event> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return this.waitForNext(pred, ms, what);
  }

  /** Like waitFor, but only for events that arrive from now on. */
  waitForNext(pred: (e: Event) => boolean, ms: number, what = 'event'): Promise<Event> {
    return new Promise((resolveWait, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${this.name}: no ${what} within ${ms} ms; events: ${JSON.stringify(this.events.slice(-8))}; stderr: ${this.stderr.join('').slice(-500)}`));
      }, ms);
      this.waiters.push({
        pred,
        resolve: (e) => {
          clearTimeout(timer);
          resolveWait(e);
        },
      });
    });
  }

  async stop(): Promise<void> {
    this.child.stdin?.end();
    await stopProcess(this.child);
  }
}
