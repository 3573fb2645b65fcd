// 30 peers in a 15-row window (FakeClient with FAKE_PEERS=30): the list scrolls so the
// selection is always on screen, with "more above/below" rows, down to the last entry and back.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { requireTmux, Tmux, type Pane } from './tmux.ts';

const tmux = new Tmux();
let pane: Pane;

before(() => {
  requireTmux();
  pane = tmux.start(`natter-ui-list-${process.pid}`, 'env LANG=C.UTF-8 FAKE_PEERS=30 npx tsx test/ui/run-fake.ts', { x: 80, y: 15 });
});
after(() => tmux.close());

/** The peer name on the row drawn in inverse video (the selection with the list focused), if any. */
function selected(styled: string): string | undefined {
  for (const row of styled.split('\n')) {
    const m = /\x1b\[7m[^│]*?(p\d\d|dave|erin)/.exec(row);
    if (m) return m[1];
  }
  return undefined;
}

test('30 peers in 15 rows: the selection always on screen, more above/below shown', { timeout: 90_000 }, async () => {
  let screen = await pane.waitFor('the first peers and "more below"', (s) => /│○   p01/.test(s) && /↓ \d+ more/.test(s));
  assert.doesNotMatch(screen, /↑ \d+ more/);
  // p01…p30 online, then the offline contacts dave and erin.
  const order = [...Array.from({ length: 30 }, (_, i) => `p${String(i + 1).padStart(2, '0')}`), 'dave', 'erin'];
  await pane.waitFor('p01 selected at start', (s) => selected(s) === 'p01', 5_000, true);
  for (let i = 1; i < order.length; i++) {
    pane.keys('Down');
    await pane.waitFor(`${order[i]} selected and on screen`, (s) => selected(s) === order[i], 5_000, true);
  }
  screen = pane.capture();
  assert.match(screen, /↑ \d+ more/);
  assert.doesNotMatch(screen, /↓ \d+ more/);
  for (let i = order.length - 2; i >= 0; i -= 7) {
    pane.keys(...Array.from({ length: Math.min(7, i + 1) }, () => 'Up'));
  }
  await pane.waitFor('back at p01', (s) => selected(s) === 'p01', 5_000, true);
  assert.doesNotMatch(pane.capture(), /↑ \d+ more/);
});
