// `connect` to an address, as a person types it (issue 15): host names resolve (A records),
// the `connecting` event carries the resolved address before anything else, and every error
// — a bad port, this client's own address, a name that does not resolve — comes at once and
// before any `connecting`. `--servers` takes host names too.

import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { after, before, test } from 'node:test';
import { HeadlessClient } from '../helpers/headless-client.ts';
import { freeUdpPort, startServer, stopProcess, tempHome } from '../helpers/processes.ts';
import { ROOT } from '../helpers/root.ts';

let server: ChildProcess;
let port: number;
const running: HeadlessClient[] = [];

before(async () => {
  port = await freeUdpPort();
  server = await startServer(port);
});

after(async () => {
  await Promise.all([...running.map((c) => c.stop()), stopProcess(server)]);
});

test('connect localhost:PORT resolves, says connecting with 127.0.0.1:PORT, and connects; --servers takes a host name', { timeout: 60_000 }, async () => {
  const bobPort = await freeUdpPort();
  const alice = HeadlessClient.start('ann', `localhost:${port}`);
  const bob = HeadlessClient.start('ben', `localhost:${port}`, { port: bobPort });
  running.push(alice, bob);
  await Promise.all([alice.ready(), bob.ready()]);
  alice.send({ cmd: 'connect', addr: `localhost:${bobPort}` });
  const connecting = await alice.waitEvent('connecting', 5_000);
  assert.equal(connecting.addr, `127.0.0.1:${bobPort}`);
  assert.equal(connecting.query, `localhost:${bobPort}`);
  const connected = await alice.waitEvent('connected', 10_000);
  assert.equal(connected.peer, 'ben');
  assert.equal(connected.addr, connecting.addr, 'the UI can match connected to connecting');
});

test('connect errors come at once and before any connecting: own address, a bad port, a name that does not resolve', { timeout: 60_000 }, async () => {
  const myPort = await freeUdpPort();
  const carl = HeadlessClient.start('cyd', [port], { port: myPort });
  running.push(carl);
  await carl.ready();
  for (const addr of [`127.0.0.1:${myPort}`, `localhost:${myPort}`, '127.0.0.1:99999', 'no-such-host.invalid:4000', '[::1]:4000']) {
    const from = carl.events.length;
    const t0 = Date.now();
    carl.send({ cmd: 'connect', addr });
    const err = await carl.waitFor((e) => e.event === 'error', 5_000, `error for ${addr}`, from);
    assert.equal(err.code, 'BAD_ADDRESS', addr);
    assert.ok(err.at - t0 < 3_000, `${addr}: said at once (${err.at - t0} ms), not after a timeout`);
    assert.deepEqual(carl.events.slice(from).filter((e) => e.event === 'connecting'), [], `${addr}: no connecting`);
    if (addr.includes(String(myPort))) assert.match(String(err.message), /this client itself/);
    if (addr.startsWith('[')) assert.match(String(err.message), /IPv6 is not supported yet/);
  }
});

test('-h prints the usage (as --help does) and exits 0; --bell takes on or off', () => {
  for (const flag of ['-h', '--help']) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'client/edge/cli.ts', flag], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, `${flag}: ${r.stderr}`);
    assert.match(r.stdout, /usage: npm run client/);
    assert.match(r.stdout, /--bell on\|off/);
  }
  const bad = spawnSync(process.execPath, ['--import', 'tsx', 'client/edge/cli.ts', '--bell', 'loud'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, HOME: tempHome(), XDG_DATA_HOME: '' } });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--bell "loud": say on or off/);
});
