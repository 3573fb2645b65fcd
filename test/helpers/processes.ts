// Test helpers: spawn natter processes (discovery servers; headless clients are in
// headless-client.ts), wait with deadlines, and always clean up.

import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './root.ts';

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

/** `node --import tsx ARGS` in the repository root, with stdin, stdout and stderr piped. */
export function startProcess(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

let serverDataHome: string | undefined;

/**
 * Starts one discovery server process and waits until it listens. Its key file lives in a
 * temporary data directory of this test process (the same one on a restart, so the key
 * survives it, as in production), or `keyFile` when given.
 */
export async function startServer(port: number, keyFile?: string): Promise<ChildProcess> {
  serverDataHome ??= tempHome();
  const args = ['discovery/edge/cli.ts', '--port', String(port), '--host', '127.0.0.1', ...(keyFile ? ['--key', keyFile] : [])];
  const child = startProcess(args, { XDG_DATA_HOME: serverDataHome });
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
