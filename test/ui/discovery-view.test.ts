// `discovery:all` on a terminal (tmux) and on a pipe. In tmux: the table shows the three
// servers up, two real clients with their NAT and servers, their direct path claimed by both
// ends, and each join once in the event log naming the three ports; it redraws to the new
// size on resize, and Ctrl-C gives the terminal back. On a pipe: plain log lines, one per
// join (not three), naming the ports.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HeadlessClient, type HeadlessEvent } from '../helpers/headless-client.ts';
import { freeUdpPort, startServer, stopProcess } from '../helpers/processes.ts';
import { ROOT } from '../helpers/root.ts';
import { requireTmux, Tmux } from './tmux.ts';

const X = 150;
const Y = 40;
const tmux = new Tmux();
const dataHome = mkdtempSync(join(tmpdir(), 'natter-view-data-'));
const clients: HeadlessClient[] = [];
const processes: ChildProcess[] = [];
const isPeers = (name: string) => (e: HeadlessEvent) => e.event === 'peers' && (e.peers as { name: string }[]).some((p) => p.name === name);

async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function freePorts(): Promise<number[]> {
  return [await freeUdpPort(), await freeUdpPort(), await freeUdpPort()];
}

/** alice and bob register with the servers on `ports` and connect; resolves once both are connected. */
async function aliceAndBob(ports: number[]): Promise<void> {
  const alice = HeadlessClient.start('alice', ports);
  const bob = HeadlessClient.start('bob', ports);
  clients.push(alice, bob);
  await alice.waitFor(isPeers('bob'), 15_000, 'bob listed');
  await bob.waitFor(isPeers('alice'), 15_000, 'alice listed');
  alice.send({ cmd: 'connect', peer: 'bob' });
  await Promise.all([alice.waitFor((e) => e.event === 'connected', 15_000, 'connected'), bob.waitFor((e) => e.event === 'connected', 15_000, 'connected')]);
}

before(() => requireTmux());
after(async () => {
  await Promise.all(clients.map((c) => c.stop()));
  await Promise.all(processes.map((p) => stopProcess(p)));
  tmux.close();
});

describe('discovery:all output', () => {
  it('on a terminal: the live table, one log line per event, a server elsewhere going down, resize, and the terminal back on Ctrl-C', async () => {
    const ports = await freePorts();
    // A server of another process, shown with --view-servers (no key: trusted on first use).
    const otherPort = await freeUdpPort();
    const other = await startServer(otherPort);
    processes.push(other);
    const pane = tmux.start('view', `cd ${ROOT} && env XDG_DATA_HOME=${dataHome} LANG=C.UTF-8 node --import tsx discovery/edge/all-cli.ts --host 127.0.0.1 --http off --ports ${ports.join(',')} --view-servers 127.0.0.1:${otherPort}`, { x: X, y: Y });
    await pane.waitFor('four servers up', /4\/4 servers up/, 20_000);
    await aliceAndBob(ports);
    const portList = [...ports].sort((a, b) => a - b).join(',');
    const screen = await pane.waitFor('both clients, their path and the joins', (s) => /"alice"/.test(s) && /"bob"/.test(s) && /direct\s+both/.test(s) && /join +"bob"/.test(s) && /join +"alice"/.test(s), 15_000);
    const rows = screen.split('\n');
    for (const port of ports) assert.ok(rows.some((r) => r.startsWith(`127.0.0.1:${port}`) && /\bup\b/.test(r)), `server ${port} up`);
    const alice = rows.find((r) => r.startsWith('"alice"')) ?? '';
    assert.match(alice, /none/, 'NAT type');
    for (const port of ports) assert.match(alice, new RegExp(`\\b${port}\\b`), 'registered with the three servers');
    assert.match(alice, /"bob" direct/, 'its path');
    const joins = rows.filter((r) => /join +"alice"/.test(r));
    assert.equal(joins.length, 1, `one join line, not three:\n${screen}`);
    assert.match(joins[0] as string, new RegExp(`on ${portList}\\s*$`));
    assert.ok(rows.every((r) => r.length <= X));
    // The other process's server stops: shown down (the probe gives it 3.2 s of silence).
    await stopProcess(other);
    const down = await pane.waitFor('the stopped server down', new RegExp(`^127\\.0\\.0\\.1:${otherPort} +DOWN`, 'm'), 10_000);
    assert.match(down, /3\/4 servers up/);
    assert.match(down, new RegExp(`server +127\\.0\\.0\\.1:${otherPort} DOWN`), 'and said in the log');
    // Smaller: the table is drawn again for the new width.
    pane.resize(100, 30);
    // The header ends with the time in the last columns: it is exactly as wide as the pane.
    await pane.waitFor('the table at 100 columns', (s) => {
      const lines = s.split('\n');
      return /^natter discovery: 3\/4 servers up.* \d\d:\d\d:\d\d$/.test(lines[0] ?? '') && lines[0]?.length === 100 && lines.every((l) => l.length <= 100);
    }, 10_000);
    pane.keys('C-c');
    await pane.waitDead(10_000);
    const after = pane.captureAll();
    assert.match(after, /stopped/);
    assert.doesNotMatch(after, /SERVER +STATE/, 'the table was on the alternate screen: the normal screen is back');
  });

  it('on a pipe: plain log lines, one per join, naming the ports', async () => {
    const ports = await freePorts();
    let out = '';
    // With the web view on (a free TCP port): the plain log then follows the web view's NetworkView.
    const httpPort = await freeTcpPort();
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'discovery/edge/all-cli.ts', '--host', '127.0.0.1', '--http', `127.0.0.1:${httpPort}`, '--ports', ports.join(',')], {
      cwd: ROOT,
      env: { ...process.env, XDG_DATA_HOME: dataHome },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const deadline = Date.now() + 20_000;
      while (!/Ctrl-C stops/.test(out)) {
        if (Date.now() > deadline) throw new Error(`not started:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      await aliceAndBob(ports);
      // Counted from the connection: the merged lines come within the merge window.
      await new Promise((r) => setTimeout(r, 1_000));
    } finally {
      await stopProcess(child);
    }
    const lines = out.split('\n');
    assert.ok(!lines.some((l) => l.includes('\u001b')), 'no escape sequences on a pipe');
    assert.ok(lines.some((l) => l.startsWith(`web view on http://127.0.0.1:${httpPort}`)), `the web view ran:\n${out}`);
    for (const name of ['alice', 'bob']) {
      const joins = lines.filter((l) => new RegExp(`join +"${name}"`).test(l));
      assert.equal(joins.length, 1, `one join line for ${name}:\n${out}`);
      assert.match(joins[0] as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z join +"\w+" \([0-9a-f]{8}\) from 127\.0\.0\.1:\d+ on \d+,\d+,\d+$/);
      assert.ok((joins[0] as string).endsWith(`on ${[...ports].sort((a, b) => a - b).join(',')}`));
    }
    assert.ok(lines.some((l) => /path +"alice" \([0-9a-f]{8}\) -> [0-9a-f]{8}: direct on /.test(l)), `alice's path report:\n${out}`);
  });
});
