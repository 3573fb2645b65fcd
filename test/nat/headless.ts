// A natter headless client running inside a lab namespace: the shared headless-client
// helper (test/helpers/headless-client.ts), spawned through `ip netns exec` in its own
// process group (lab.ts), with the lab's short timings.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadlessClient, headlessArgs, type HeadlessEvent } from '../helpers/headless-client.ts';
import { nsSpawn, kill, SERVERS, TSX } from './lab.ts';

export type Ev = HeadlessEvent;

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

export class Headless extends HeadlessClient {
  constructor(readonly ns: string, name: string, opts: { port?: number; servers?: string; env?: Record<string, string> } = {}) {
    const args = [TSX, ...headlessArgs(name, opts.servers ?? SERVERS, opts.port)];
    const child = nsSpawn(ns, args, { ...LAB_ENV, XDG_CONFIG_HOME: configHome, ...opts.env });
    super(name, child, ns, (c) => kill(c));
  }
}
