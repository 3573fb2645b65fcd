// The input line as a person uses it, in tmux against the FakeClient: a bracketed multi-line
// paste sent as one message with its newlines and indentation; a long paste asks first; a
// 70,000-character paste refused with the input kept; Up recalls; Tab completes a name;
// Ctrl-W deletes a word; //text sends "/text"; /whois on yourself; a 30-column window.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { requireTmux, Tmux, type Pane } from './tmux.ts';

const X = 100;
const Y = 30;
const tmux = new Tmux();
let pane: Pane;

before(() => {
  requireTmux();
  pane = tmux.start(`natter-ui-input-${process.pid}`, 'env LANG=C.UTF-8 npx tsx test/ui/run-fake.ts', { x: X, y: Y });
});
after(() => tmux.close());

const input = (screen: string): string => (screen.split('\n').at(-3) ?? '').trimEnd();

test('paste, long paste, too long, recall, completion, Ctrl-W, //text, /whois, narrow', { timeout: 90_000 }, async () => {
  await pane.waitFor('the list', /│[○●] . mallory/);
  pane.keys('Enter');
  await pane.waitFor('connected', /connected to bob via direct/);

  // A bracketed paste: one message, newlines and indentation kept, left in the input until Enter.
  pane.paste('def f():\n    return 1\n\nend');
  await pane.waitFor('the paste in the input', (s) => input(s) === '> def f():⏎    return 1⏎⏎end');
  pane.keys('Enter');
  let screen = await pane.waitFor('the paste echoed as one message', /bob: echo: def f\(\): *│\n.*││ {15}return 1 *│/);
  // Continuation lines hang under the text (13 columns: "HH:MM alice: "), their own 4 spaces kept.
  assert.match(screen, /alice: def f\(\): *│\n.*││ {17}return 1 +│\n.*││ +│\n.*││ {13}end ✓/, `continuation lines:\n${screen}`);

  // More than 5 lines asks first; y puts it in the input.
  pane.paste('1\n2\n3\n4\n5\n6\n7');
  await pane.waitFor('the question', (s) => /paste 7 lines, 13 characters into the input\? y: yes · n: no/.test(s));
  pane.keys('y');
  await pane.waitFor('the long paste in the input', (s) => input(s) === '> 1⏎2⏎3⏎4⏎5⏎6⏎7');
  pane.keys('C-u');
  await pane.waitFor('the input emptied', (s) => input(s) === '>');

  // 70,000 characters: refused before it is shown; what was typed stays.
  pane.type('keep me');
  pane.paste('x'.repeat(70_000));
  screen = await pane.waitFor('the refusal', /too long for a message: 70,007 bytes/);
  assert.match(screen, /\/send-file is not available yet/);
  assert.equal(input(screen), '> keep me');
  assert.doesNotMatch(screen, /xxxxxxxxxx/);

  // Ctrl-W deletes the last word; Enter sends; Up brings it back.
  pane.type(' and this');
  pane.keys('C-w');
  await pane.waitFor('a word deleted', (s) => input(s) === '> keep me and');
  pane.keys('C-w', 'C-w');
  await pane.waitFor('two more', (s) => input(s) === '> keep');
  pane.type('going'); // Ctrl-W leaves the space before the deleted word, as readline does
  pane.keys('Enter');
  await pane.waitFor('sent', /alice: keep going ✓/);
  pane.keys('Up');
  await pane.waitFor('Up recalls the last sent line', (s) => input(s) === '> keep going');
  pane.keys('C-u');

  // Tab completes a peer name; //text sends "/text".
  pane.type('ma');
  pane.keys('Tab');
  await pane.waitFor('Tab completed mallory', (s) => input(s) === '> mallory:');
  pane.keys('C-u');
  pane.type('//shrug is not a command');
  pane.keys('Enter');
  await pane.waitFor('//text sent literally', /alice: \/shrug is not a command ✓/);

  // /whois on yourself: your id and fingerprint.
  pane.type('/whois alice');
  pane.keys('Enter');
  await pane.waitFor('own id and key', /you: alice \(a11ce0a11ce0ffff\), key f1f2f3f4/);

  // /connect localhost:PORT from home: the client's `connecting` names the resolved address, and
  // the `connected` that carries it opens the conversation.
  pane.keys('M-1');
  pane.type('/connect localhost:7000');
  pane.keys('Enter');
  await pane.waitFor('the conversation opened on the resolved address', /bob \(b0b0b0\) · direct 127\.0\.0\.1:7000/);
  pane.keys('M-1');
  await pane.waitFor('the resolution said on home', /connecting to localhost:7000 \(127\.0\.0\.1:7000\)…/);
  pane.keys('M-2');

  // 30 columns: the list hides; the conversation stays, wrapped lines indented under the text.
  pane.type('a long line that has to wrap in a narrow window');
  pane.keys('Enter');
  await pane.waitFor('sent', /a long line that has to wrap/);
  pane.resize(30, 20);
  screen = await pane.waitFor('the narrow layout', (s) => !/peers/.test(s) && /alice: a long/.test(s) && /│ {13}that has to +│/.test(s));
  assert.doesNotMatch(screen, /mallory/, 'the list is hidden');
  pane.keys('F2');
  await pane.waitFor('F2 shows the list', /peers/);
});
