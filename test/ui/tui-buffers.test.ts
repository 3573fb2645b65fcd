// Buffers as in irssi and WeeChat, in tmux against the FakeClient (carol writes every 1.5 s):
// a draft typed on home stays there when a message arrives; Alt-2 opens carol's conversation
// (window 2 in the activity list) with its own draft; Alt-1, Ctrl-N/P switch; /help lands
// on home; the bell rings for a message out of view (and not with --bell off); -MORE(n)-
// counts what arrives while scrolled up.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { requireTmux, Tmux, type Pane } from './tmux.ts';

const X = 100;
const Y = 30;
const tmux = new Tmux();
let pane: Pane;
let quiet: Pane;

before(() => {
  requireTmux();
  pane = tmux.start(`natter-ui-buffers-${process.pid}`, 'env LANG=C.UTF-8 FAKE_CHATTY=1500 npx tsx test/ui/run-fake.ts', { x: X, y: Y });
  quiet = tmux.start(`natter-ui-nobell-${process.pid}`, 'env LANG=C.UTF-8 FAKE_CHATTY=1500 FAKE_BELL=off npx tsx test/ui/run-fake.ts', { x: X, y: Y });
});
after(() => tmux.close());

const input = (screen: string): string => (screen.split('\n')[Y - 2] ?? '').trimEnd();
const title = (screen: string): string => screen.split('\n')[1] ?? '';

test('drafts stay in their buffer; Alt-1/Alt-2/Ctrl-N/Ctrl-P; /help on home; the bell; -MORE(n)-', { timeout: 60_000 }, async () => {
  await pane.waitFor('the list', /│[○●] . mallory/);
  assert.match(title(pane.capture()), /natter · home \(Alt-1\)/);
  pane.type('draft on home');
  await pane.waitFor('the draft in the input', (s) => input(s) === '> draft on home');

  // carol writes: her conversation gets window 2 in the activity list; the view and the draft stay.
  let screen = await pane.waitFor('carol in the activity list', /\[2:carol 日本\(\d+\)/, 10_000);
  assert.match(title(screen), /natter · home/, `the view stayed on home:\n${screen}`);
  assert.equal(input(screen), '> draft on home');
  assert.equal(pane.format('#{window_bell_flag}'), '1', 'the bell rang for a message out of view');

  // Alt-2: carol's conversation, with its own (empty) draft.
  pane.keys('M-2');
  screen = await pane.waitFor('carol\'s conversation', (s) => /carol 日本 · not connected/.test(title(s)) && /carol 日本: tick \d/.test(s));
  assert.equal(input(screen), '>');
  pane.type('for carol');
  await pane.waitFor('carol\'s draft', (s) => input(s) === '> for carol');

  // Alt-1 and back, Ctrl-P and Ctrl-N: each buffer shows its own draft.
  pane.keys('M-1');
  await pane.waitFor('home with its draft', (s) => /natter · home/.test(title(s)) && input(s) === '> draft on home');
  pane.keys('C-n');
  await pane.waitFor('Ctrl-N: carol with hers', (s) => /carol 日本/.test(title(s)) && input(s) === '> for carol');
  pane.keys('C-p');
  await pane.waitFor('Ctrl-P: home again', (s) => /natter · home/.test(title(s)) && input(s) === '> draft on home');

  // /help typed in a conversation lands on home, which is shown.
  pane.keys('M-2', 'C-u');
  await pane.waitFor('carol, empty input', (s) => /carol 日本/.test(title(s)) && input(s) === '>');
  pane.type('/help');
  pane.keys('Enter');
  screen = await pane.waitFor('/help on home', (s) => /natter · home/.test(title(s)) && /\/connect host:port +connect directly/.test(s));
  assert.equal(input(screen), '> draft on home');

  // Scrolled up in carol's conversation, her new messages are counted, not shown.
  pane.keys('M-2');
  await pane.waitFor('carol again', (s) => /carol 日本/.test(title(s)));
  pane.keys('PageUp');
  screen = await pane.waitFor('-MORE(n)- while scrolled up', (s) => /-MORE\(\d+\)-/.test(title(s)), 10_000);
  pane.keys('PageDown', 'PageDown', 'PageDown');
  await pane.waitFor('-MORE gone at the bottom', (s) => !/-MORE/.test(title(s)) && !/scrolled/.test(title(s)));

  // --bell off: the same message out of view rings nothing.
  await quiet.waitFor('carol in the activity list (bell off)', /\[2:carol 日本\(\d+\)/, 10_000);
  assert.equal(quiet.format('#{window_bell_flag}'), '0', '--bell off');
});
