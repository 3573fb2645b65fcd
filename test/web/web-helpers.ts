// Helpers of the web view's tests: a real `discovery:all` process serving the web view (its
// own HOME and data directory, free ports), a real headless Chromium through playwright-core
// with a fresh profile, a free TCP port, and a reader of server-sent events over raw HTTP.

import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { HeadlessClient, headlessArgs } from '../helpers/headless-client.ts';
import { freeUdpPort, startProcess, stopProcess, tempHome } from '../helpers/processes.ts';

export const CHROMIUM = '/usr/bin/chromium';

/** Skips (with the reason) when Debian's chromium is missing; `npm test`'s pretest installs it as root. */
export function chromiumMissing(): string | false {
  return existsSync(CHROMIUM) ? false : `${CHROMIUM} missing (apt-get install -y chromium)`;
}

export async function freeTcpPort(host = '127.0.0.1'): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, host, () => r()));
  const addr = srv.address();
  await new Promise<void>((r) => srv.close(() => r()));
  return typeof addr === 'object' && addr ? addr.port : 0;
}

export interface AllProcess {
  child: ChildProcess;
  ports: number[];
  httpPort: number;
  /** The page's address as printed (with ?token= when there is one). */
  url: string;
  /** stdout lines so far. */
  lines: string[];
  /** Its XDG_DATA_HOME (the servers' keys): give it again to restart with the same keys. */
  dataHome: string;
  stop(): Promise<void>;
}

/** `discovery:all` on loopback with the web view on `httpHost:httpPort`; resolves once it printed the page's address. */
export async function startAll(opts: { ports?: number[]; httpHost?: string; httpPort?: number; extra?: string[]; dataHome?: string } = {}): Promise<AllProcess> {
  const ports = opts.ports ?? [await freeUdpPort(), await freeUdpPort(), await freeUdpPort()];
  const httpHost = opts.httpHost ?? '127.0.0.1';
  const httpPort = opts.httpPort ?? (await freeTcpPort(httpHost));
  const home = tempHome();
  const dataHome = opts.dataHome ?? join(home, 'data');
  const args = ['discovery/edge/all-cli.ts', '--host', '127.0.0.1', '--ports', ports.join(','), '--http', `${httpHost}:${httpPort}`, ...(opts.extra ?? [])];
  const child = startProcess(args, { HOME: home, XDG_DATA_HOME: dataHome, XDG_CONFIG_HOME: join(home, 'config') });
  const lines: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`discovery:all did not print its web address in 20 s:\n${lines.join('\n')}`)), 20_000);
    let buf = '';
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      const parts = buf.split('\n');
      buf = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        const m = /web view on (\S+)/.exec(line);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      }
    });
    child.stderr?.on('data', (d: Buffer) => lines.push(`! ${d.toString().trimEnd()}`));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`discovery:all exited with ${code}:\n${lines.join('\n')}`));
    });
  });
  return { child, ports, httpPort, url, lines, dataHome, stop: () => stopProcess(child) };
}

/** Headless Chromium with a fresh profile; without the networking flags Chromium floods the network (DESIGN §10). */
export async function openBrowser(): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), 'natter-chromium-'));
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/** A raw GET of /events: every event as it arrives (comments skipped); close() ends it. */
export function readEvents(port: number, headers: Record<string, string> = {}): { events: SseEvent[]; wait: (pred: (e: SseEvent) => boolean, ms: number) => Promise<SseEvent>; close: () => void } {
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  const req = request({ host: '127.0.0.1', port, path: '/events', headers: { Host: `127.0.0.1:${port}`, ...headers } }, (res) => {
    res.setEncoding('utf8');
    let buf = '';
    res.on('data', (chunk: string) => {
      buf += chunk;
      let cut;
      while ((cut = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        const ev: SseEvent = { event: 'message', data: '' };
        let any = false;
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const [field, ...rest] = line.split(':');
          const value = rest.join(':').replace(/^ /, '');
          if (field === 'id') ev.id = value;
          else if (field === 'event') ev.event = value;
          else if (field === 'data') ev.data += value;
          else continue;
          any = true;
        }
        if (any && (ev.data !== '' || ev.id !== undefined)) events.push(ev);
      }
      for (const w of waiters) w();
    });
  });
  req.on('error', () => undefined);
  req.end();
  const wait = (pred: (e: SseEvent) => boolean, ms: number): Promise<SseEvent> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const hit = events.find(pred);
        if (!hit) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(hit);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no such event in ${ms} ms; got ${events.length}: ${events.slice(-5).map((e) => `${e.id} ${e.event} ${e.data.slice(0, 80)}`).join(' | ')}`));
      }, ms);
      waiters.add(check);
      check();
    });
  return { events, wait, close: () => req.destroy() };
}

/** A headless client on loopback with extra flags (e.g. --no-report), its own HOME. */
export function clientWith(name: string, ports: number[], flags: string[], port?: number): HeadlessClient {
  const list = ports.map((p) => `127.0.0.1:${p}`).join(',');
  const child = startProcess([...headlessArgs(name, list, port), ...flags], { HOME: tempHome() });
  return new HeadlessClient(name, child, 'local', (c) => stopProcess(c));
}
