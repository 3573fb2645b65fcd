// Who is who, in the real UI in tmux: alice (UI) and bob (headless) on a loopback server.
// /WHOIS in capitals is whois (it once ran /trust), and shows bob's own key; /Verify marks
// him ✔; a "bоb" with a Cyrillic о appears with short ids beside both names and a mark, and
// when he writes, alice is told whose name his looks like — and the conversation opens.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { HeadlessClient } from '../helpers/headless-client.ts';
import { freeUdpPort, startServer, stopProcess, tempHome } from '../helpers/processes.ts';
import { misalignedRows, requireTmux, Tmux, type Pane } from './tmux.ts';

const X = 120;
const Y = 32;
const FAKE_NAME = 'b\u043eb';
const tmux = new Tmux();
const home = tempHome();
let server: ChildProcess | undefined;
const headless: HeadlessClient[] = [];

before(() => requireTmux());

after(async () => {
  tmux.close();
  await Promise.all([...headless.map((c) => c.stop()), server && stopProcess(server)]);
  rmSync(home, { recursive: true, force: true });
});

test('real client: /WHOIS is whois with the peer\'s own key, /Verify marks ✔, a look-alike is told apart and flagged', { timeout: 90_000 }, async () => {
  const port = await freeUdpPort();
  server = await startServer(port);
  const bob = HeadlessClient.start('bob', [port]);
  headless.push(bob);
  const ready = await bob.ready();
  const bobId = String(ready.id);
  const alice: Pane = tmux.start(`natter-ui-trust-${process.pid}`,
    `env -u XDG_CONFIG_HOME HOME=${home} LANG=C.UTF-8 npx tsx client/edge/cli.ts --name alice --servers 127.0.0.1:${port}`, { x: X, y: Y });

  await alice.waitFor('bob in alice\'s list', /│○ {3}bob/, 20_000);
  alice.keys('Enter');
  await alice.waitFor('connected to bob, marked known', (s) => /connected to bob via direct/.test(s) && /│● • bob/.test(s), 15_000);

  // Upper case: whois, not anything else; its answer names bob's id and bob's own key.
  alice.type('/WHOIS');
  alice.keys('Enter');
  let screen = await alice.waitFor('the whois answer', new RegExp(`bob \\(${bobId}\\): key ${String(ready.fingerprint)}`), 10_000);
  assert.match(screen, /• known, not/);
  assert.doesNotMatch(screen, /verified bob|trusted/);

  alice.type('/Verify');
  alice.keys('Enter');
  await alice.waitFor('verified, and the ✔ mark', (s) => /✔ verified bob/.test(s) && /│● ✔ bob/.test(s), 10_000);

  // The look-alike: short ids beside both names, a ! on the newcomer.
  const fake = HeadlessClient.start(FAKE_NAME, [port]);
  headless.push(fake);
  const fakeId = String((await fake.ready()).id);
  screen = await alice.waitFor('both names with short ids', (s) =>
    s.includes(`● ✔ bob (${bobId.slice(0, 6)})`) && s.includes(`○ ! ${FAKE_NAME} (${fakeId.slice(0, 6)})`), 15_000);
  assert.deepEqual(misalignedRows(screen, X), [], `borders shifted:\n${screen}`);

  await fake.waitFor((e) => e.event === 'peers' && (e.peers as { name: string }[]).some((p) => p.name === 'alice'), 10_000, 'alice listed');
  fake.send({ cmd: 'send', peer: 'alice', text: 'hi it is me', ref: 'f1' });
  await fake.waitEvent('delivered', 15_000, { ref: 'f1' });
  screen = await alice.waitFor('the look-alike warning', /careful: bоb \([0-9a-f]{6}\) is a new contact whose name looks like your/, 10_000);
  assert.ok(screen.includes(`(${fakeId.slice(0, 6)})`));

  alice.type('/quit');
  alice.keys('Enter');
  await alice.waitDead(10_000);
});
