// The web view over raw HTTP, against a real discovery:all process and real clients:
// Last-Event-ID resumes with exactly the changes missed (compared with a reader that never
// left); an id of another run gets a reset; the Host check refuses other names (DNS
// rebinding); a bind to a non-loopback address of this machine answers 401 without the token,
// and the page's ?token= sets the cookie the page's own requests then carry; an idle stream
// gets heartbeat comments; a busy HTTP port is a warning and the UDP servers serve on.

import assert from 'node:assert/strict';
import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import { MAX_EVENT_STREAMS, startWebServer } from '../../discovery/edge/http/web-server.ts';
import { NetworkView } from '../../discovery/edge/view/network-view.ts';
import { HeadlessClient } from '../helpers/headless-client.ts';
import { freeUdpPort, startProcess, stopProcess, tempHome } from '../helpers/processes.ts';
import { freeTcpPort, readEvents, startAll, type AllProcess } from './web-helpers.ts';

const stops: (() => Promise<void>)[] = [];
after(async () => {
  for (const stop of stops.reverse()) await stop();
});

function get(host: string, port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, headers: { Host: `${host}:${port}`, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('web view over HTTP', () => {
  let all: AllProcess;

  it('Last-Event-ID resumes with exactly the changes missed; another run’s id gets the full state', async () => {
    all = await startAll();
    stops.push(() => all.stop());
    const whole = readEvents(all.httpPort);
    stops.push(async () => whole.close());
    const first = await whole.wait((e) => e.event === 'reset', 10_000);
    const epoch = first.id?.split('-')[0];
    // A second reader reads the reset and leaves.
    const early = readEvents(all.httpPort);
    const reset = await early.wait((e) => e.event === 'reset', 10_000);
    early.close();
    // What happens while it is away: two clients join.
    const alice = HeadlessClient.start('alice', all.ports);
    const bob = HeadlessClient.start('bob', all.ports);
    stops.push(() => alice.stop(), () => bob.stop());
    const [a, b] = await Promise.all([alice.ready(), bob.ready()]);
    const joined = (id: unknown) => (e: { data: string }) => e.data.includes(`"kind":"client","client":{"id":"${String(id)}"`);
    await whole.wait(joined(a.id), 10_000);
    await whole.wait(joined(b.id), 10_000);
    const missedUpTo = Number(whole.events.at(-1)?.id?.split('-')[1]);
    // Back, with the id of the reset it read: every change since, in order, none twice.
    const back = readEvents(all.httpPort, { 'Last-Event-ID': reset.id ?? '' });
    stops.push(async () => back.close());
    await back.wait((e) => Number(e.id?.split('-')[1]) >= missedUpTo, 10_000);
    assert.equal(back.events.filter((e) => e.event === 'reset').length, 0, 'resumed, not reset');
    const ids = back.events.map((e) => Number(e.id?.split('-')[1]));
    const from = Number(reset.id?.split('-')[1]);
    assert.deepEqual(ids.slice(0, missedUpTo - from), Array.from({ length: missedUpTo - from }, (_, i) => from + 1 + i), 'every change after the id, in order');
    const mine = whole.events.filter((e) => Number(e.id?.split('-')[1]) > from && Number(e.id?.split('-')[1]) <= missedUpTo).map((e) => e.data);
    assert.deepEqual(back.events.slice(0, mine.length).map((e) => e.data), mine, 'the same changes the reader that stayed got');
    assert.ok(back.events.some(joined(a.id)) && back.events.some(joined(b.id)), 'both joins among them');
    // An id from another run (or the future) gets the full state.
    const stranger = readEvents(all.httpPort, { 'Last-Event-ID': `${epoch === 'ffffffff' ? '00000000' : 'ffffffff'}-3` });
    stops.push(async () => stranger.close());
    const again = await stranger.wait(() => true, 10_000);
    assert.equal(again.event, 'reset');
    assert.equal((JSON.parse(again.data) as { clients: unknown[] }).clients.length, 2);
  });

  it('refuses a Host header that does not name it (DNS rebinding), and serves the page with a CSP', async () => {
    const evil = await get('127.0.0.1', all.httpPort, '/status.json', { Host: `rebind.example:${all.httpPort}` });
    assert.equal(evil.status, 403);
    const page = await get('127.0.0.1', all.httpPort, '/');
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'; script-src 'sha256-/);
    assert.doesNotMatch(page.body, /<script src|<link /, 'no external resource');
    const viaLocalhost = await get('127.0.0.1', all.httpPort, '/status.json', { Host: `localhost:${all.httpPort}` });
    assert.equal(viaLocalhost.status, 200);
  });

  it('bound to a non-loopback address of this machine: 401 without the token, the page with it (then the cookie)', async (t) => {
    const ip = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    if (!ip) return t.skip('no non-loopback IPv4 address on this machine');
    const other = await startAll({ httpHost: ip });
    stops.push(() => other.stop());
    const token = new URL(other.url).searchParams.get('token');
    assert.ok(token && token.length >= 16, `a generated token was printed: ${other.url}`);
    assert.equal((await get(ip, other.httpPort, '/')).status, 401);
    assert.equal((await get(ip, other.httpPort, '/status.json')).status, 401);
    assert.equal((await get(ip, other.httpPort, '/events')).status, 401);
    assert.equal((await get(ip, other.httpPort, '/?token=wrong-token-123')).status, 401);
    const page = await get(ip, other.httpPort, `/?token=${encodeURIComponent(token)}`);
    assert.equal(page.status, 200);
    const cookie = String(page.headers['set-cookie']).split(';')[0] ?? '';
    assert.match(String(page.headers['set-cookie']), /HttpOnly; SameSite=Strict/);
    const status = await get(ip, other.httpPort, '/status.json', { Cookie: cookie });
    assert.equal(status.status, 200);
    assert.equal((JSON.parse(status.body) as { servers: unknown[] }).servers.length, 3);
  });

  it('an idle event stream gets a heartbeat comment (every 15 s; shortened here)', async () => {
    const view = new NetworkView({ local: [], shown: [] });
    const web = await startWebServer({ host: '127.0.0.1', port: 0, view, heartbeatMs: 200 });
    stops.push(() => web.close());
    const text = await new Promise<string>((resolve, reject) => {
      let got = '';
      const req = request({ host: '127.0.0.1', port: web.port, path: '/events', headers: { Host: `127.0.0.1:${web.port}` } }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          got += c;
          if (got.includes(': heartbeat')) {
            req.destroy();
            resolve(got);
          }
        });
      });
      req.on('error', (err) => (got.includes(': heartbeat') ? undefined : reject(err)));
      setTimeout(() => reject(new Error(`no heartbeat in 5 s: ${got}`)), 5_000).unref();
      req.end();
    });
    assert.match(text, /event: reset\n/);
    assert.match(text, /\n: heartbeat\n\n/);
  });

  it(`at most ${MAX_EVENT_STREAMS} event streams at once: the next is 503, and a closed one frees its place`, async () => {
    const view = new NetworkView({ local: [], shown: [] });
    const web = await startWebServer({ host: '127.0.0.1', port: 0, view });
    stops.push(() => web.close());
    const open = Array.from({ length: MAX_EVENT_STREAMS }, () => readEvents(web.port));
    await Promise.all(open.map((s) => s.wait((e) => e.event === 'reset', 10_000)));
    assert.equal((await get('127.0.0.1', web.port, '/events')).status, 503);
    open[0]?.close();
    const deadline = Date.now() + 5_000;
    let status = 503;
    while (status === 503 && Date.now() < deadline) {
      const again = readEvents(web.port);
      try {
        await again.wait((e) => e.event === 'reset', 500);
        status = 200;
      } catch {
        // not yet freed
      }
      again.close();
    }
    assert.equal(status, 200);
    open.forEach((s) => s.close());
  });

  it('a busy HTTP port is a warning: the UDP servers start and serve', async () => {
    const httpPort = await freeTcpPort();
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(httpPort, '127.0.0.1', () => r()));
    stops.push(() => new Promise<void>((r) => squatter.close(() => r())));
    const ports = [await freeUdpPort(), await freeUdpPort(), await freeUdpPort()];
    const child = startProcess(['discovery/edge/all-cli.ts', '--host', '127.0.0.1', '--ports', ports.join(','), '--http', `127.0.0.1:${httpPort}`], { HOME: tempHome() });
    stops.push(() => stopProcess(child));
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 20_000;
    while (!/warning: web view not started/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.match(out, /warning: web view not started on 127\.0\.0\.1:\d+: .*EADDRINUSE.*the UDP servers run on/);
    const carol = HeadlessClient.start('carol', ports);
    stops.push(() => carol.stop());
    await carol.ready();
    assert.equal(child.exitCode, null, 'still running');
  });

  it('a single `discovery` serves the page only when given --http', async () => {
    const [p1, p2] = [await freeUdpPort(), await freeUdpPort()];
    const httpPort = await freeTcpPort();
    /** stdout once it matches `until` (and a second more, for anything printed after it). */
    const output = (child: ReturnType<typeof startProcess>, until: RegExp): Promise<string> =>
      new Promise((resolve, reject) => {
        let out = '';
        let timer: NodeJS.Timeout | undefined;
        child.stdout?.on('data', (d: Buffer) => {
          out += d.toString();
          if (until.test(out)) timer ??= setTimeout(() => resolve(out), 1_000);
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
    const plain = startProcess(['discovery/edge/cli.ts', '--host', '127.0.0.1', '--port', String(p1)], { HOME: tempHome() });
    stops.push(() => stopProcess(plain));
    assert.doesNotMatch(await output(plain, /Ctrl-C stops/), /web view/);
    const served = startProcess(['discovery/edge/cli.ts', '--host', '127.0.0.1', '--port', String(p2), '--http', `127.0.0.1:${httpPort}`], { HOME: tempHome() });
    stops.push(() => stopProcess(served));
    assert.match(await output(served, /web view on/), new RegExp(`web view on http://127\\.0\\.0\\.1:${httpPort}/`));
    const deadline = Date.now() + 10_000;
    let servers: { addr: string; up: boolean }[] = [];
    while (Date.now() < deadline && !servers[0]?.up) {
      servers = (JSON.parse((await get('127.0.0.1', httpPort, '/status.json')).body) as { servers: { addr: string; up: boolean }[] }).servers;
      if (!servers[0]?.up) await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(servers.map((x) => [x.addr, x.up]), [[`127.0.0.1:${p2}`, true]]);
  });
});
