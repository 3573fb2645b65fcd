// Conversations that last, in the real UI in tmux (issue 10): a discovery server on loopback,
// alice and bob as two real clients, each with its own HOME and history (--data DIR). They
// chat (one distinctive message early), both quit, both start again: the conversation is in
// the list before the peer is back, opens with its history, PageUp reaches the first message,
// and /search finds the early one and Enter goes there. A headless carol writes to bob while he
// looks at alice's conversation: her unread count is in his list again after his restart.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HeadlessClient } from '../helpers/headless-client.ts';
import { freeUdpPort, startServer, stopProcess, tempHome } from '../helpers/processes.ts';
import { misalignedRows, requireTmux, Tmux, type Pane } from './tmux.ts';

const X = 120;
const Y = 32;
const EARLY = 'the aardvark speaks first 日本';
/** More lines than one screen, so the early message is only reached with PageUp. */
const LATER = 40;
const tmux = new Tmux();
const home = tempHome();
let server: ChildProcess | undefined;
let run = 0;
const headless: HeadlessClient[] = [];

before(() => requireTmux());

after(async () => {
  tmux.close();
  await Promise.all(headless.map((c) => c.stop()));
  if (server) await stopProcess(server);
  rmSync(home, { recursive: true, force: true });
});

function startClient(name: string, port: number): Pane {
  const dir = join(home, name);
  return tmux.start(`natter-ui-hist-${name}-${++run}-${process.pid}`,
    `env -u XDG_CONFIG_HOME -u XDG_DATA_HOME HOME=${dir} LANG=C.UTF-8 npx tsx client/edge/cli.ts --name ${name} --servers 127.0.0.1:${port} --data ${join(dir, 'history')}`,
    { x: X, y: Y });
}

async function quit(pane: Pane): Promise<void> {
  pane.type('/quit');
  pane.keys('Enter');
  await pane.waitDead(15_000);
}

/** The conversation pane's rows (right of the list), for telling one view from the next. */
const conversationRows = (screen: string): string => screen.split('\n').map((r) => r.slice(26)).join('\n');

test('real clients: chat, quit both, start both: the conversation and unread counts are back, PageUp reaches the first message, /search finds it', { timeout: 180_000 }, async () => {
  const port = await freeUdpPort();
  server = await startServer(port);
  let alice = startClient('alice', port);
  let bob = startClient('bob', port);

  await alice.waitFor('bob in alice\'s list', /│[○●] . bob/, 20_000);
  alice.keys('Enter');
  await alice.waitFor('connected to bob', /connected to bob via (direct|relay) \S+/, 15_000);
  alice.type(EARLY);
  alice.keys('Enter');
  // A message never switches bob's view: it gets window 2 in his activity list; Alt-2 opens it.
  await bob.waitFor('alice in bob\'s activity list', /\[2:alice\(1\)\]/, 15_000);
  bob.keys('M-2');
  await bob.waitFor('the early message on bob\'s screen', (s) => s.includes(`alice: ${EARLY}`), 15_000);
  await alice.waitFor('the early message delivered', (s) => s.includes(`alice: ${EARLY} ✓`), 15_000);
  for (let i = 1; i <= LATER; i++) {
    alice.type(`later message ${i}`);
    alice.keys('Enter');
  }
  await alice.waitFor('the last message delivered', (s) => s.includes(`alice: later message ${LATER} ✓`), 30_000);
  await bob.waitFor('the last message on bob\'s screen', (s) => s.includes(`alice: later message ${LATER}`), 15_000);
  bob.type('bye for now');
  bob.keys('Enter');
  await alice.waitFor('bob\'s answer', /bob: bye for now/, 15_000);
  await bob.waitFor('bob\'s answer delivered', /bob: bye for now ✓/, 15_000);
  const carol = HeadlessClient.start('carol', [port], { home: join(home, 'carol') });
  headless.push(carol);
  await carol.waitFor((e) => e.event === 'peers' && (e.peers as { name: string }[]).some((p) => p.name === 'bob'), 20_000, 'bob listed');
  carol.send({ cmd: 'send', peer: 'bob', text: 'psst from carol', ref: 'c1' });
  await carol.waitFor((e) => e.event === 'delivered' && e.ref === 'c1', 20_000, 'delivered to bob');
  await bob.waitFor('carol\'s unread count in bob\'s list', /│. . carol \(1\)/, 10_000);
  await Promise.all([quit(alice), quit(bob), carol.stop()]);

  // bob alone first: alice is in his list from his history alone (offline), before she is back.
  bob = startClient('bob', port);
  await bob.waitFor('alice and carol (1 unread) in bob\'s list from the history', (s) => /│○ . alice/.test(s) && /│○ . carol \(1\)/.test(s), 20_000);
  alice = startClient('alice', port);
  await alice.waitFor('bob in alice\'s list', /│[○●] . bob/, 20_000);

  // The list has focus and bob is selected: Enter opens the conversation with its history.
  alice.keys('Enter');
  let screen = await alice.waitFor('the last page of the history', (s) => /bob: bye for now/.test(s) && s.includes(`alice: later message ${LATER} ✓`), 15_000);
  assert.deepEqual(misalignedRows(screen, X), [], `alice's borders shifted:\n${screen}`);
  assert.ok(!screen.includes(EARLY), 'the early message is above the first screen');

  // PageUp: every press shows older lines, until the first message.
  let presses = 0;
  let previous = conversationRows(screen);
  while (!screen.includes(`alice: ${EARLY}`)) {
    assert.ok(++presses <= 20, `the first message not reached after 20 PageUps:\n${screen}`);
    alice.keys('PageUp');
    screen = await alice.waitFor(`PageUp ${presses} to move the view`, (s) => conversationRows(s) !== previous, 5_000);
    previous = conversationRows(screen);
  }
  assert.match(screen, new RegExp(`alice: ${EARLY} ✓`), 'delivered, after the restart too');
  for (let i = 0; i < presses + 1; i++) alice.keys('PageDown');
  await alice.waitFor('the bottom again', (s) => /bob: bye for now/.test(s) && !s.includes(EARLY), 10_000);

  // /search finds the early message; Enter goes there.
  alice.type('/search aardvark');
  alice.keys('Enter');
  await alice.waitFor('the search result', (s) => /1 found for "aardvark"/.test(s) && /\d{4}-\d\d-\d\d \d\d:\d\d {2}bob {2}alice: the aardvark speaks first/.test(s), 10_000);
  alice.keys('Enter');
  screen = await alice.waitFor('the early message in view', (s) => !/found for/.test(s) && s.includes(`alice: ${EARLY}`), 10_000);
  assert.deepEqual(misalignedRows(screen, X), [], `alice's borders shifted:\n${screen}`);

  // bob's side: his conversation with alice comes back too.
  bob.keys('Enter');
  await bob.waitFor('bob\'s history with alice', (s) => s.includes(`alice: later message ${LATER}`) && /bob: bye for now ✓/.test(s), 15_000);

  // bob leaves; alice writes anyway (it queues) and /quit says it stays queued.
  await quit(bob);
  alice.type('while you were away');
  alice.keys('Enter');
  await alice.waitFor('the message queued', /alice: while you were away …/, 10_000);
  await quit(alice);
  assert.match(alice.captureAll(), /natter: 1 message stays queued and will be sent when you are back/);
});
