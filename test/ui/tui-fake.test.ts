// The UI against the scripted FakeClient, in tmux as a person uses it: select, Enter, type
// CJK and emoji, Tab, unread counts, a hostile peer, resize, /quit.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { requireTmux, misalignedRows, Tmux, type Pane } from './tmux.ts';

const X = 100;
const Y = 30;
const tmux = new Tmux();
let pane: Pane;

before(() => {
  requireTmux();
  pane = tmux.start(`natter-ui-fake-${process.pid}`,
    'env LANG=C.UTF-8 FAKE_INJECT=1 npx tsx test/ui/run-fake.ts', { x: X, y: Y });
});
after(() => tmux.close());

test('fake client: connect, chat in CJK and emoji, unread, injection, resize, quit', { timeout: 45_000 }, async () => {
  await pane.waitFor('the two bobs told apart by short id', /bob \(b0b0b0\)[\s\S]*bob \(b0b1b1\)/);
  await pane.waitFor('the status line', /alice \(a11ce0\) · 203\.0\.113\.7:40001 · NAT: cone · servers 3\/3/);

  // The list has focus at start and its first peer is selected.
  pane.keys('Enter');
  await pane.waitFor('connected', /connected to bob via direct 198\.51\.100\.9:5000/);
  pane.type('hello olá 日本語 👋');
  pane.keys('Enter');
  let screen = await pane.waitFor('the delivered mark and the echo', (s) => /alice: hello olá 日本語 👋 ✓/.test(s) && /bob: echo: hello olá 日本語 👋/.test(s));
  assert.deepEqual(misalignedRows(screen, X), [], `borders shifted:\n${screen}`);

  // The other bob wrote meanwhile: an unread count (first in the list, and in the activity
  // list as window 3); Alt-A goes to it and clears it.
  await pane.waitFor('an unread count', (s) => /│○   bob \(b0b1b1\) \(1\)/.test(s) && /\[3:bob\(1\)/.test(s));
  pane.keys('M-a');
  screen = await pane.waitFor('the other bob\'s conversation', /bob: psst from the other bob/);
  assert.doesNotMatch(screen, /\(b0b1b1\) \(1\)/);

  // A hostile peer: escape sequences and tags arrive as text; nothing is cleared or retitled.
  // The list now: the other bob, bob (open conversations, newest first), carol, mallory.
  pane.keys('Tab', 'Down', 'Down', 'Down', 'Enter');
  screen = await pane.waitFor('mallory\'s message', /mallory: hi/);
  assert.match(screen, /mallory: hi \[2J\]0;pwned\{red-fg\}xevil2J/);
  assert.match(screen, /carol 日本/, 'the screen was not cleared');
  assert.notEqual(pane.format('#{pane_title}'), 'pwned');
  assert.deepEqual(misalignedRows(screen, X), [], `borders shifted:\n${screen}`);

  // Resize: the layout follows the new size.
  pane.resize(72, 20);
  screen = await pane.waitFor('the layout at 72x20', (s) => s.split('\n').length >= 20 && misalignedRows(s, 72).length === 0 && /mallory/.test(s));
  assert.match(screen, /NAT: cone/);

  // Typing in the input, then /quit: the client shuts down, the terminal is restored.
  pane.type('/quit');
  pane.keys('Enter');
  await pane.waitDead(10_000);
  screen = pane.captureAll();
  assert.match(screen, /natter ui: bye/);
  assert.doesNotMatch(screen, /peers/, 'the alternate screen was left');
});
