// History in the UI against the FakeClient's in-memory history, in tmux as a person uses it:
// offline contacts in the list with unread counts, a conversation's last page on Enter,
// PageUp back to the very first message (each press moves the view: pages load ahead),
// /search and Enter into a page not loaded yet, Esc, a message to an offline contact
// queued, and /quit saying how many messages stay queued.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DAVE_FIRST, DAVE_QUEUED, ERIN_OLD } from './fake-client.ts';
import { misalignedRows, requireTmux, Tmux, type Pane } from './tmux.ts';

const X = 100;
const Y = 30;
const tmux = new Tmux();
let pane: Pane;

before(() => {
  requireTmux();
  // 300 lines kept at the bottom: dave's 451 messages do not all stay loaded.
  pane = tmux.start(`natter-ui-fake-history-${process.pid}`,
    'env LANG=C.UTF-8 FAKE_MAX_LINES=300 npx tsx test/ui/run-fake.ts', { x: X, y: Y });
});
after(() => tmux.close());

/** The conversation pane's rows (right of the list), for telling one view from the next. */
const conversationRows = (screen: string): string => screen.split('\n').map((r) => r.slice(26)).join('\n');

test('fake history: contacts, last page, PageUp to the first message, /search jumps, queued on /quit', { timeout: 90_000 }, async () => {
  let screen = await pane.waitFor('offline contacts after the online peers', /mallory[\s\S]*dave \(2\)[\s\S]*erin/);
  assert.deepEqual(misalignedRows(screen, X), [], `borders shifted:\n${screen}`);

  // bob, bob, carol, mallory, then dave.
  pane.keys('Down', 'Down', 'Down', 'Down', 'Enter');
  screen = await pane.waitFor('dave\'s last page with our queued message', (s) => s.includes(`alice: ${DAVE_QUEUED} …`) && /dave: dave says 448/.test(s));
  assert.match(screen, /dave · offline/);
  assert.doesNotMatch(screen, /dave \(2\)/, 'read: the unread count is gone');

  // PageUp: every press shows older lines, until the very first message.
  let presses = 0;
  let previous = conversationRows(screen);
  while (!screen.includes(DAVE_FIRST)) {
    assert.ok(++presses <= 60, `the first message not reached after 60 PageUps:\n${screen}`);
    pane.keys('PageUp');
    screen = await pane.waitFor(`PageUp ${presses} to move the view`, (s) => conversationRows(s) !== previous, 5_000);
    previous = conversationRows(screen);
  }
  assert.ok(presses >= 15, `451 messages take more than ${presses} pages`);
  assert.match(screen, /08:00 dave: the very first message: aardvark/);

  // Back down to the bottom (far pages are dropped there).
  for (let i = 0; i < presses + 2; i++) pane.keys('PageDown');
  await pane.waitFor('the bottom again', (s) => s.includes(`${DAVE_QUEUED} …`) && !s.includes('scrolled'));

  // /search: a message in erin's first page, never loaded; Enter goes there.
  pane.type('/search zebra');
  pane.keys('Enter');
  await pane.waitFor('the result list', (s) => s.includes('1 found for "zebra"') && /2026-01-05 08:02 {2}erin {2}erin: zebra crossing/.test(s));
  pane.keys('Enter');
  screen = await pane.waitFor('erin\'s conversation at the old message', (s) => /erin · offline/.test(s) && s.includes(`erin: ${ERIN_OLD}`));
  assert.doesNotMatch(screen, /found for/, 'the list closed');

  // Esc closes a list without going anywhere.
  pane.type('/search says');
  pane.keys('Enter');
  await pane.waitFor('many results', /\d+ found for "says"/);
  pane.keys('Down', 'Down', 'Escape');
  await pane.waitFor('the list closed by Esc', (s) => !/found for "says"/.test(s) && /erin · offline/.test(s));

  // A message to offline erin queues (…), and /quit says what stays queued.
  pane.type('see you, erin');
  pane.keys('Enter');
  await pane.waitFor('our message queued', /alice: see you, erin …/);
  pane.type('/quit');
  pane.keys('Enter');
  await pane.waitDead(10_000);
  screen = pane.captureAll();
  assert.match(screen, /natter: 2 messages stay queued and will be sent when you are back/);
  assert.match(screen, /natter ui: bye/);
});
