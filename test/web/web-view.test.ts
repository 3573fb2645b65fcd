// The web view in a real headless Chromium (playwright-core), against a real discovery:all
// process, a separate `npm run discovery` process shown with --view-servers, and real headless
// clients on loopback. One page, /status.json blocked right after its first load so every
// update below must come over /events; the steps build on each other, in order.
//
// The relayed pair: loopback has no NAT, so direct datagrams between its two clients (by
// their fixed ports, whichever addresses) are dropped with an nftables table of this test's
// own, removed after; the servers' traffic passes, so the pair falls back to the relay.

import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { HeadlessClient, type HeadlessEvent } from '../helpers/headless-client.ts';
import { freeUdpPort, startServer, stopProcess } from '../helpers/processes.ts';
import { chromiumMissing, clientWith, openBrowser, startAll, type AllProcess } from './web-helpers.ts';

const XSS_NAME = '<img src=x onerror=alert(1)>';
const NFT_TABLE = `natter_webtest_${process.pid}`;
const skip = chromiumMissing();

let browser: BrowserContext | undefined;
let all: AllProcess | undefined;
let other: ChildProcess | undefined;
const clients: HeadlessClient[] = [];
const dialogs: string[] = [];

const isPeers = (name: string) => (e: HeadlessEvent) => e.event === 'peers' && (e.peers as { name: string }[]).some((p) => p.name === name);
const pathKey = (x: string, y: string): string => (x < y ? `${x} ${y}` : `${y} ${x}`);
/** Time left until `deadline` ms after `from` (an event's arrival), at least 1 ms. */
const left = (from: number, deadline: number): number => Math.max(1, from + deadline - Date.now());

function client(name: string, extra: { port?: number; noReport?: boolean } = {}): HeadlessClient {
  const ports = all?.ports ?? [];
  const c = extra.noReport
    ? clientWith(name, ports, ['--no-report'], extra.port)
    : HeadlessClient.start(name, ports, extra.port !== undefined ? { port: extra.port } : {});
  clients.push(c);
  return c;
}

async function connectPair(x: HeadlessClient, y: HeadlessClient): Promise<[HeadlessEvent, HeadlessEvent]> {
  await x.waitFor(isPeers(y.name), 15_000, `${y.name} listed`);
  await y.waitFor(isPeers(x.name), 15_000, `${x.name} listed`);
  x.send({ cmd: 'connect', peer: y.name });
  return Promise.all([x.waitEvent('connected', 20_000), y.waitEvent('connected', 20_000)]);
}

function nft(args: string): void {
  execFileSync('nft', args.split(' '), { stdio: 'pipe' });
}

before(async () => {
  if (skip) return;
  browser = await openBrowser();
});
after(async () => {
  await Promise.all(clients.map((c) => c.stop()));
  if (other) await stopProcess(other);
  await all?.stop();
  await browser?.close();
  try {
    nft(`delete table inet ${NFT_TABLE}`);
  } catch {
    // not created (skipped) or already gone
  }
});

describe('the web view in a browser', { skip }, () => {
  let page: Page;
  let otherPort = 0;
  let alice: HeadlessClient;
  let bob: HeadlessClient;
  let aliceId = '';
  let bobId = '';

  it('shows the servers (one of another process) and two clients within 1 s of their ready, with /status.json blocked after the first load', async (t) => {
    otherPort = await freeUdpPort();
    other = await startServer(otherPort);
    all = await startAll({ extra: ['--view-servers', `127.0.0.1:${otherPort}`] });
    page = await (browser as BrowserContext).newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(all.url);
    await page.locator('[data-server][data-up="true"]').nth(3).waitFor({ timeout: 15_000 });
    await page.route('**/status.json*', (route) => route.abort());
    alice = client('alice');
    bob = client('bob');
    const [ra, rb] = await Promise.all([alice.ready(), bob.ready()]);
    aliceId = String(ra.id);
    bobId = String(rb.id);
    await page.locator(`[data-peer-id="${aliceId}"]`).waitFor({ timeout: left(ra.at, 1_000) });
    await page.locator(`[data-peer-id="${bobId}"]`).waitFor({ timeout: left(rb.at, 1_000) });
    t.diagnostic(`both on the page ${Date.now() - Math.max(ra.at, rb.at)} ms after the later ready`);
    const row = await page.locator(`[data-peer-id="${aliceId}"]`).innerText();
    assert.match(row, /alice/);
    assert.match(row, new RegExp(aliceId.slice(0, 8)));
  });

  it('shows a direct path once they connect, claimed by both ends', async () => {
    const [ca] = await connectPair(alice, bob);
    assert.equal(ca.via, 'direct');
    const path = page.locator(`[data-path="${pathKey(aliceId, bobId)}"][data-via="direct"][data-confirmed="true"]`);
    await path.waitFor({ timeout: left(ca.at, 5_000) });
    assert.match(await path.innerText(), /direct/);
  });

  it(`shows a peer named ${XSS_NAME} as text; no dialog fires`, async () => {
    const mallory = client(XSS_NAME);
    const ready = await mallory.ready();
    const row = page.locator(`[data-peer-id="${String(ready.id)}"]`);
    await row.waitFor({ timeout: left(ready.at, 1_000) });
    assert.equal(await row.locator('td').first().textContent(), XSS_NAME);
    assert.equal(await page.locator('#clients img, #graph img').count(), 0, 'no element made from the name');
    await page.waitForTimeout(500);
    assert.deepEqual(dialogs, []);
  });

  it('--no-report clients show no path claims', async () => {
    const carol = client('carol', { noReport: true });
    const dave = client('dave', { noReport: true });
    const [rc, rd] = await Promise.all([carol.ready(), dave.ready()]);
    const [cc] = await connectPair(carol, dave);
    // alice and bob report at once on a change: give the quiet pair the same time and more.
    await page.waitForTimeout(Math.max(0, cc.at + 3_000 - Date.now()));
    await page.locator(`[data-peer-id="${String(rc.id)}"]`).waitFor({ timeout: 1_000 });
    const claims = await page.locator(`[data-path*="${String(rc.id)}"], [data-path*="${String(rd.id)}"]`).count();
    assert.equal(claims, 0);
    assert.equal(await page.locator(`[data-path="${pathKey(aliceId, bobId)}"]`).count(), 1, 'the reporting pair still shows');
  });

  it('a pair whose direct datagrams are dropped shows data-via="relay"', async (t) => {
    try {
      nft(`add table inet ${NFT_TABLE}`);
    } catch (err) {
      return t.skip(`nftables not usable here (${(err as Error).message.split('\n')[0]})`);
    }
    const [pe, pf] = [await freeUdpPort(), await freeUdpPort()];
    nft(`add chain inet ${NFT_TABLE} out { type filter hook output priority 0 ; }`);
    nft(`add rule inet ${NFT_TABLE} out udp sport ${pe} udp dport ${pf} drop`);
    nft(`add rule inet ${NFT_TABLE} out udp sport ${pf} udp dport ${pe} drop`);
    const erin = client('erin', { port: pe });
    const frank = client('frank', { port: pf });
    const [re, rf] = await Promise.all([erin.ready(), frank.ready()]);
    const [ce] = await connectPair(erin, frank);
    assert.equal(ce.via, 'relay', 'the direct path is blocked');
    const path = page.locator(`[data-path="${pathKey(String(re.id), String(rf.id))}"][data-via="relay"]`);
    await path.waitFor({ timeout: left(ce.at, 5_000) });
    assert.match(await path.innerText(), /relayed via 127\.0\.0\.1:\d+/);
  });

  it('a client that quits disappears', async () => {
    const before = Date.now();
    await bob.stop();
    await page.locator(`[data-peer-id="${bobId}"]`).waitFor({ state: 'detached', timeout: left(before, 5_000) });
    assert.equal(await page.locator(`[data-path*="${bobId}"]`).count(), 0, 'and its path with it');
  });

  it('a server of another process that stops shows as down within 5 s, and up again when it is back', async (t) => {
    const stoppedAt = Date.now();
    await stopProcess(other as ChildProcess, 'SIGKILL');
    await page.locator(`[data-server="127.0.0.1:${otherPort}"][data-up="false"]`).waitFor({ timeout: left(stoppedAt, 5_000) });
    t.diagnostic(`shown down ${Date.now() - stoppedAt} ms after the kill`);
    other = await startServer(otherPort); // the same key file: the probe's pinned key still holds
    const backAt = Date.now();
    await page.locator(`[data-server="127.0.0.1:${otherPort}"][data-up="true"]`).waitFor({ timeout: 10_000 });
    t.diagnostic(`shown up ${Date.now() - backAt} ms after its restart`);
  });

  it('the page reconnects after a restart of discovery:all and shows the new state', async () => {
    await page.unroute('**/status.json*');
    const old = all as AllProcess;
    await old.stop();
    await page.locator('#conn.lost').waitFor({ timeout: 10_000 });
    const reads: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/status.json')) reads.push(r.url());
    });
    all = await startAll({ ports: old.ports, httpPort: old.httpPort, dataHome: old.dataHome });
    await page.locator('#conn.live').waitFor({ timeout: 15_000 });
    await page.waitForResponse((r) => r.url().includes('/status.json'), { timeout: 5_000 }).catch(() => undefined);
    assert.ok(reads.length >= 1, 'the page re-read /status.json on reconnecting');
    const gina = client('gina');
    const rg = await gina.ready();
    await page.locator(`[data-peer-id="${String(rg.id)}"]`).waitFor({ timeout: left(rg.at, 1_000) });
    assert.equal(await page.locator(`[data-server="127.0.0.1:${otherPort}"]`).count(), 0, 'the new run shows only its own servers');
  });
});
