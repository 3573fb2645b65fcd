// The NAT lab from TypeScript: thin wrappers over scripts/natlab.sh, plus processes inside
// namespaces that are killed (whole process group) when the test ends.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { once } from 'node:events';
import { DEFAULT_DISCOVERY_PORTS } from '../../src/constants.ts';
import { ROOT } from '../helpers/root.ts';

export type NatType = 'none' | 'cone' | 'symmetric';

export const TSX = join(ROOT, 'node_modules/.bin/tsx');
export const SERVER_IP = '203.0.113.10';
export const SERVER_PORTS = [...DEFAULT_DISCOVERY_PORTS];
export const SERVERS = SERVER_PORTS.map((p) => `${SERVER_IP}:${p}`).join(',');

/** Public address of a client's side: its router's WAN, or its own when type is none. */
export function publicIp(client: 'nl-c1' | 'nl-c2' | 'nl-c1b', type: NatType): string {
  const n = client === 'nl-c2' ? 2 : 1;
  if (type !== 'none') return `203.0.113.1${n}`;
  return { 'nl-c1': '203.0.113.21', 'nl-c2': '203.0.113.22', 'nl-c1b': '203.0.113.23' }[client];
}

export function natlab(...args: string[]): string {
  return execFileSync('bash', [join(ROOT, 'scripts/natlab.sh'), ...args], { timeout: 60_000, encoding: 'utf8' });
}

export const labUp = (t1: NatType, t2: NatType, withC1b = false): string =>
  natlab('up', t1, t2, ...(withC1b ? ['--c1b'] : []));
export const labDown = (): string => natlab('down');

/** Runs a command in a namespace to completion (bounded) and returns its stdout. */
export function nsRun(ns: string, cmd: string[], timeoutMs = 30_000): string {
  return execFileSync('ip', ['netns', 'exec', ns, ...cmd], { timeout: timeoutMs, encoding: 'utf8', cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

const live = new Set<ChildProcess>();

/** Starts a long-running command in a namespace, in its own process group. */
export function nsSpawn(ns: string, cmd: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn('ip', ['netns', 'exec', ns, ...cmd], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  live.add(child);
  child.on('exit', () => live.delete(child));
  return child;
}

export async function kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = once(child, 'exit');
  try { process.kill(-child.pid, signal); } catch { /* already gone */ }
  await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
}

export async function killAll(): Promise<void> {
  await Promise.all([...live].map((c) => kill(c)));
}

/**
 * Starts one discovery server process per port on the server host (so one can be killed
 * alone); resolves once every port listens.
 */
export async function startServers(env: Record<string, string> = {}): Promise<Map<number, ChildProcess>> {
  const servers = new Map<number, ChildProcess>();
  let log = '';
  for (const port of SERVER_PORTS) {
    const child = nsSpawn('nl-srv', [TSX, 'discovery/edge/all-cli.ts', '--host', SERVER_IP, '--ports', String(port)], env);
    child.stdout?.on('data', (d) => { log += d; });
    child.stderr?.on('data', (d) => { log += d; });
    servers.set(port, child);
  }
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const listening = nsRun('nl-srv', ['ss', '-uln']);
    if (SERVER_PORTS.every((p) => listening.includes(`${SERVER_IP}:${p}`))) return servers;
    if ([...servers.values()].some((c) => c.exitCode !== null)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`discovery servers did not start:\n${log}`);
}
