// Flag parsing shared by the discovery CLI and the three-server launcher. Every failure is a
// NatterError('BAD_FLAG') with a one-line message; the caller prints it and exits 2.

import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { parseArgs } from 'node:util';
import { MAX_IDS_PER_IP, MAX_REGISTRATIONS_PER_IP_PER_MIN } from '../../src/constants.ts';
import { NatterError } from '../../src/errors.ts';

export function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new NatterError('BAD_FLAG', `bad port "${text}": expected a number 0-65535 (0 lets the OS choose)`);
  }
  return port;
}

export function parsePortList(text: string): number[] {
  const ports = text.split(',').map((s) => s.trim()).filter(Boolean).map(parsePort);
  if (ports.length === 0) throw new NatterError('BAD_FLAG', 'bad --ports: the list is empty (e.g. --ports 8000,8001,8002)');
  if (new Set(ports.filter((p) => p !== 0)).size !== ports.filter((p) => p !== 0).length) {
    throw new NatterError('BAD_FLAG', `bad --ports "${text}": a port is listed twice`);
  }
  return ports;
}

export function parseHost(text: string): string {
  const host = text === 'localhost' ? '127.0.0.1' : text;
  if (!isIP(host)) throw new NatterError('BAD_FLAG', `bad host "${text}": expected an IP address such as 0.0.0.0 or 127.0.0.1`);
  return host;
}

/** A count for a cap flag: a whole number >= 0 (0: no cap). */
export function parseCapCount(flag: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n)) throw new NatterError('BAD_FLAG', `bad --${flag} "${text}": expected a whole number (0: no cap)`);
  return n;
}

/** The caps per source IP, as flags of both server CLIs. */
export const CAP_FLAGS = {
  'max-ids-per-ip': { type: 'string' },
  'max-registrations-per-ip-per-min': { type: 'string' },
} as const;

export const CAP_USAGE = `  --max-ids-per-ip N      identities listed at once per source IP (default ${MAX_IDS_PER_IP}; 0: no cap)
  --max-registrations-per-ip-per-min N
                          new identities listed per source IP a minute (default ${MAX_REGISTRATIONS_PER_IP_PER_MIN}; 0: no cap)`;

/** The engine options the cap flags ask for (absent flags: the defaults). */
export function capsFromFlags(flags: Record<string, string | boolean | undefined>): { maxIdsPerIp?: number; maxRegistrationsPerIpPerMin?: number } {
  const ids = flags['max-ids-per-ip'];
  const rate = flags['max-registrations-per-ip-per-min'];
  return {
    ...(typeof ids === 'string' ? { maxIdsPerIp: parseCapCount('max-ids-per-ip', ids) } : {}),
    ...(typeof rate === 'string' ? { maxRegistrationsPerIpPerMin: parseCapCount('max-registrations-per-ip-per-min', rate) } : {}),
  };
}

/** node:util parseArgs, with its errors turned into one-line BAD_FLAG errors. */
export function parseFlags(args: string[], options: Record<string, { type: 'string' | 'boolean'; short?: string }>) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
  } catch (err) {
    const text = (err as Error).message.split('\n')[0] ?? 'bad flags';
    throw new NatterError('BAD_FLAG', `${text} (try --help)`);
  }
}

/** Prints a one-line error and exits 2: bad flags, bad port, port in use. No stack trace. */
export function failStartup(prog: string, err: unknown): never {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`${prog}: ${message.split('\n')[0]}\n`);
  process.exit(2);
}

/**
 * Calls `stop` once on SIGINT or SIGTERM, then exits 0. A second signal while stopping
 * exits at once (1), so a stuck close can never trap the operator.
 */
export function onShutdownSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (): void => {
    if (stopping) process.exit(1);
    stopping = true;
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/** The address to tell clients: the bound one, or for 0.0.0.0 the first non-loopback IPv4 (a hint, not a promise). */
export function advertisedHost(host: string): string {
  if (host !== '0.0.0.0' && host !== '::') return host;
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
