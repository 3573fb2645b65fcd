// Child processes for the benchmark: spawned with `node --import tsx`, driven by request /
// reply over the IPC channel, killed in finally. A child exits on its own when the parent
// goes away (IPC disconnect), so no load or server outlives a crashed bench.

import { spawn, type ChildProcess } from 'node:child_process';
import type dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ROOT } from '../../test/helpers/root.ts';

type Reply = { id: number; ok: boolean; result?: unknown; error?: string };

export class BenchChild {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited = false;

  private constructor(
    readonly name: string,
    readonly proc: ChildProcess,
  ) {
    proc.on('message', (m: Reply) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.ok) w.resolve(m.result);
      else w.reject(new Error(`${name}: ${m.error}`));
    });
    proc.on('exit', (code, signal) => {
      this.exited = true;
      for (const w of this.waiting.values()) w.reject(new Error(`${name} exited (${code ?? signal})`));
      this.waiting.clear();
    });
  }

  /** Spawns scripts/bench/<script> with an IPC channel; stdout goes to /dev/null, stderr to ours. */
  static spawn(name: string, script: string, args: string[] = [], opts: { env?: Record<string, string>; nodeFlags?: string[] } = {}): BenchChild {
    const proc = spawn(process.execPath, [...(opts.nodeFlags ?? []), '--import', 'tsx', resolve(ROOT, 'scripts/bench', script), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    return new BenchChild(name, proc);
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  /** Sends one command and waits for its reply, at most `timeoutMs`. */
  call<T = unknown>(cmd: string, args: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`${this.name} has exited`));
    const id = this.nextId++;
    return new Promise<T>((resolveCall, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${this.name}: ${cmd} took more than ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolveCall(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.proc.send({ id, cmd, ...args });
    });
  }

  /** SIGTERM, then SIGKILL after 2 s; resolves once the child is gone. */
  async kill(): Promise<void> {
    if (this.exited || this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const gone = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 2_000);
    await gone;
    clearTimeout(timer);
  }
}

/** Kills every child given, whatever happened; for `finally` blocks. */
export async function killAll(children: (BenchChild | undefined)[]): Promise<void> {
  await Promise.all(children.map((c) => c?.kill().catch(() => undefined)));
}

/** Child side: answers the parent's commands with `handlers`; exits when the parent goes away. */
export function serveParent(handlers: Record<string, (args: Record<string, unknown>) => unknown>): void {
  if (!process.send) throw new Error('run me through BenchChild.spawn (no IPC channel)');
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m: Record<string, unknown> & { id: number; cmd: string }) => {
    const handler = handlers[m.cmd];
    const reply = (r: Reply) => {
      if (process.connected) process.send?.(r);
    };
    if (!handler) return reply({ id: m.id, ok: false, error: `unknown command ${m.cmd}` });
    Promise.resolve()
      .then(() => handler(m))
      .then(
        (result) => reply({ id: m.id, ok: true, result }),
        (err: unknown) => reply({ id: m.id, ok: false, error: err instanceof Error ? err.stack ?? err.message : String(err) }),
      );
  });
}

/** RSS in bytes and CPU time in ms (user + system) of a process, from /proc. */
export function procUsage(pid: number): { rssBytes: number; cpuMs: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  // /proc/PID/stat: fields after the ")" of the command name; utime and stime are the 14th and 15th fields.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { rssBytes: rssKb * 1024, cpuMs: (ticks * 1000) / CLOCK_TICKS_PER_S };
}

/** USER_HZ: 100 on every Linux we run on (getconf CLK_TCK). */
const CLOCK_TICKS_PER_S = 100;

/** Times `n` request -> first-reply round trips on `sock` (1 s timeout each; a lost one is skipped). */
export async function timeRoundTrips(sock: dgram.Socket, request: Uint8Array, port: number, host: string, n: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const ok = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 1_000);
      sock.once('message', () => {
        clearTimeout(timer);
        resolve(true);
      });
      sock.send(request, port, host);
    });
    if (ok) samples.push(performance.now() - t0);
  }
  return samples;
}
