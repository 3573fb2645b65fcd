// The real client in tmux, as two people would use it: three discovery servers on loopback,
// alice and bob in two tmux sessions; alice selects bob, connects, sends CJK and emoji; bob
// sees the text, alice sees ✓; the layout stays intact; both /quit.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { misalignedRows, requireTmux, Tmux, type Pane } from './tmux.ts';

const X = 120;
const Y = 32;
const TEXT = 'hello olá 日本語 👋';
const ready = existsSync('client/edge/cli.ts') && existsSync('discovery/edge/all-cli.ts');
const tmux = new Tmux();
const home = mkdtempSync(join(tmpdir(), 'natter-ui-home-'));
let servers: ChildProcess | undefined;

/** Starts the three servers on free ports (--ports 0,0,0) and reads back the real ones. */
async function startServers(): Promise<number[]> {
  const child = spawn('npx', ['tsx', 'discovery/edge/all-cli.ts', '--host', '127.0.0.1', '--ports', '0,0,0'], {
    detached: true, stdio: ['ignore', 'pipe', 'pipe'],
  });
  servers = child;
  let out = '';
  return await new Promise<number[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`discovery servers did not start in 15 s:\n${out}`)), 15_000);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const m = /ports (\d+), (\d+), (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve([Number(m[1]), Number(m[2]), Number(m[3])]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`discovery servers exited (${code}):\n${out}`)));
  });
}

function clientCommand(name: string, ports: number[]): string {
  const list = ports.map((p) => `127.0.0.1:${p}`).join(',');
  return `env -u XDG_CONFIG_HOME HOME=${home}/${name} LANG=C.UTF-8 npx tsx client/edge/cli.ts --name ${name} --servers ${list}`;
}

before(() => {
  requireTmux();
});

after(() => {
  tmux.close();
  if (servers?.pid !== undefined && servers.exitCode === null) {
    try {
      process.kill(-servers.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  rmSync(home, { recursive: true, force: true });
});

test('real client: alice finds bob, connects, sends CJK and emoji; both quit', { skip: !ready && 'client/edge/cli.ts or discovery/edge/all-cli.ts not written yet', timeout: 60_000 }, async () => {
  const ports = await startServers();
  const alice: Pane = tmux.start(`natter-ui-a-${process.pid}`, clientCommand('alice', ports), { x: X, y: Y });
  const bob: Pane = tmux.start(`natter-ui-b-${process.pid}`, clientCommand('bob', ports), { x: X, y: Y });

  await alice.waitFor('bob in alice\'s list', /│[○●] . bob/, 20_000);
  // The list has focus at start and bob, its only entry, is selected: open the conversation.
  alice.keys('Enter');
  await alice.waitFor('connected to bob', /connected to bob via (direct|relay) \S+/, 15_000);

  // Enter on the list moved focus to the input already; Tab twice checks the round trip.
  alice.keys('Tab', 'Tab');
  alice.type(TEXT);
  alice.keys('Enter');
  // A message never switches bob's view: alice gets window 2 in his activity list; Alt-2 opens it.
  await bob.waitFor('alice in bob\'s activity list', /\[2:alice\(1\)\]/, 15_000);
  bob.keys('M-2');
  await bob.waitFor('alice\'s message on bob\'s screen', new RegExp(`alice: ${TEXT}`), 15_000);
  const screen = await alice.waitFor('the delivered mark', new RegExp(`alice: ${TEXT} ✓`), 15_000);
  assert.deepEqual(misalignedRows(screen, X), [], `alice's borders shifted:\n${screen}`);
  const bobScreen = bob.capture();
  assert.deepEqual(misalignedRows(bobScreen, X), [], `bob's borders shifted:\n${bobScreen}`);
  assert.match(bobScreen, /● . alice/);

  // The status line comes from `ready`/`status`: events a client emits before the UI
  // subscribes are lost, so this also checks that cli.ts hands them to the UI.
  await alice.waitFor('the status line with all servers', /alice \([0-9a-f]{6}\) · \S+ · NAT: \S+ · servers 3\/3/, 5_000);

  for (const pane of [alice, bob]) {
    pane.type('/quit');
    pane.keys('Enter');
  }
  await alice.waitDead(10_000);
  await bob.waitDead(10_000);
  assert.doesNotMatch(alice.captureAll(), /servers \d\/\d/, 'alice\'s terminal was restored');
});
