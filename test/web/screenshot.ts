// Takes docs/view.png, the README's picture of the web view: a real discovery:all, a few
// real headless clients (two pairs talking directly, one pair relayed because nftables drops
// its direct datagrams when run as root, one client alone), and headless Chromium.
//   node --import tsx test/web/screenshot.ts [out.png]

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { HeadlessClient, type HeadlessEvent } from '../helpers/headless-client.ts';
import { freeUdpPort } from '../helpers/processes.ts';
import { ROOT } from '../helpers/root.ts';
import { openBrowser, startAll } from './web-helpers.ts';

const out = process.argv[2] ?? join(ROOT, 'docs', 'view.png');
const table = `natter_shot_${process.pid}`;
const isPeers = (name: string) => (e: HeadlessEvent) => e.event === 'peers' && (e.peers as { name: string }[]).some((p) => p.name === name);

const all = await startAll();
const clients: HeadlessClient[] = [];
let nft = false;
try {
  const [pe, pf] = [await freeUdpPort(), await freeUdpPort()];
  try {
    for (const args of [`add table inet ${table}`, `add chain inet ${table} out { type filter hook output priority 0 ; }`, `add rule inet ${table} out udp sport ${pe} udp dport ${pf} drop`, `add rule inet ${table} out udp sport ${pf} udp dport ${pe} drop`]) {
      execFileSync('nft', args.split(' '), { stdio: 'pipe' });
    }
    nft = true;
  } catch {
    // not root: no relayed pair in the picture
  }
  const start = (name: string, port?: number): HeadlessClient => {
    const c = HeadlessClient.start(name, all.ports, port !== undefined ? { port } : {});
    clients.push(c);
    return c;
  };
  const pairs: [HeadlessClient, HeadlessClient][] = [
    [start('alice'), start('bob')],
    [start('carol'), start('dave')],
    ...(nft ? [[start('erin', pe), start('frank', pf)] as [HeadlessClient, HeadlessClient]] : []),
  ];
  start('grace');
  await Promise.all(clients.map((c) => c.ready()));
  for (const [x, y] of pairs) {
    await x.waitFor(isPeers(y.name), 15_000);
    x.send({ cmd: 'connect', peer: y.name });
  }
  await Promise.all(pairs.flatMap(([x, y]) => [x.waitEvent('connected', 20_000), y.waitEvent('connected', 20_000)]));
  const browser = await openBrowser();
  const page = await browser.newPage();
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.goto(all.url);
  await page.locator('[data-path]').nth(pairs.length - 1).waitFor({ timeout: 10_000 });
  await page.waitForTimeout(3_000); // a few rate samples
  await page.screenshot({ path: out, fullPage: true });
  await browser.close();
  console.log(`wrote ${out}`);
} finally {
  await Promise.all(clients.map((c) => c.stop()));
  await all.stop();
  if (nft) execFileSync('nft', ['delete', 'table', 'inet', table], { stdio: 'pipe' });
}
