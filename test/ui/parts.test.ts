// Unit tests of the issue-15 parts: list window, paste parser, line editing, completion,
// renames, resolved /connect, servers unreachable, hanging indent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClientEvent } from '../../client/core/events.ts';
import { handleInput } from '../../client/ui/commands.ts';
import { complete } from '../../client/ui/complete.ts';
import { COMMANDS } from '../../client/ui/help.ts';
import { InputLine } from '../../client/ui/input-line.ts';
import { UiModel } from '../../client/ui/model.ts';
import { PasteParser, pasteNeedsConfirm } from '../../client/ui/paste.ts';
import { listWindow } from '../../client/ui/peer-list.ts';
import { renderPeerList, renderStatus } from '../../client/ui/view.ts';
import { wrapHanging } from '../../client/ui/width.ts';

const BOB = { id: 'b0b000000001', name: 'bob' };

test('list window: the selection always inside, more above/below counted, no empty rows at the end', () => {
  let top = 0;
  for (let sel = 0; sel < 30; sel++) {
    const w = listWindow(30, sel, 11, top);
    top = w.top;
    assert.ok(sel >= w.top && sel < w.top + w.rows, `selection ${sel} outside ${JSON.stringify(w)}`);
    assert.equal(w.rows + (w.above > 0 ? 1 : 0) + (w.below > 0 ? 1 : 0), 11, JSON.stringify(w));
    assert.equal(w.above + w.rows + w.below, 30);
  }
  assert.deepEqual(listWindow(5, 4, 11, 0), { top: 0, rows: 5, above: 0, below: 0 });
});

test('paste parser: markers split across chunks, keys before and after passed on in order', () => {
  const out: string[] = [];
  const p = new PasteParser((t) => out.push(`paste:${t}`));
  const pass = (k: string): number => out.push(`keys:${k}`);
  p.feed('ab\x1b[20', pass);
  p.feed('0~line 1\r  line 2\x1b[2', pass);
  p.feed('01~c', pass);
  p.feed('\x1b', pass);
  assert.deepEqual(out, ['keys:ab', 'paste:line 1\n  line 2', 'keys:c', 'keys:\x1b']);
  assert.equal(pasteNeedsConfirm('1\n2\n3\n4\n5'), false);
  assert.equal(pasteNeedsConfirm('1\n2\n3\n4\n5\n6'), true);
  assert.equal(pasteNeedsConfirm('x'.repeat(1001)), true);
});

test('line editing: words, kills, a lone ZWJ takes no column', () => {
  const l = new InputLine();
  l.insert('hello big world');
  l.wordLeft();
  l.deleteWordBack();
  assert.equal(l.value, 'hello world');
  l.wordRight();
  l.killToStart();
  assert.equal(l.value, '');
  l.insert('a\u200db');
  assert.deepEqual(l.view(20), { text: 'ab', cursorCol: 2 });
  l.start();
  l.killToEnd();
  assert.equal(l.value, '');
});

test('completion: commands at the start, names elsewhere, common prefix of several', () => {
  assert.deepEqual(complete('/wh', true, []), { text: '/whois ', candidates: [] });
  assert.deepEqual(complete('ca', true, ['carol', 'bob']), { text: 'carol: ', candidates: [] });
  assert.deepEqual(complete('b', false, ['bob', 'bobby']), { text: 'bob', candidates: ['bob', 'bobby'] });
  assert.equal(complete('zz', false, ['bob']), undefined);
});

test('renamed, connecting (resolved), servers unreachable', () => {
  const m = new UiModel({ name: 'alice', id: 'a11ce0000000' });
  m.apply({ event: 'peers', peers: [BOB] });
  m.openSelected();
  m.apply({ event: 'renamed', peer: 'robert', peerId: BOB.id, previous: 'bob' } as unknown as ClientEvent);
  assert.ok(m.currentLines().some((l) => l.text === 'bob is now robert'));
  assert.equal(m.entries()[0]?.label, 'robert');

  m.show('');
  m.expectAddr('localhost:4000');
  m.apply({ event: 'connecting', addr: '127.0.0.1:4000', query: 'localhost:4000' } as unknown as ClientEvent);
  assert.ok(m.home.some((l) => l.text === 'connecting to localhost:4000 (127.0.0.1:4000)…'));
  m.apply({ event: 'connected', peer: 'carol', peerId: 'ca7000000003', via: 'direct', addr: '127.0.0.1:4000' });
  assert.equal(m.openId, 'ca7000000003', 'the conversation opened on the resolved address');

  const down = new UiModel({ name: 'alice', id: 'a11ce0000000' });
  down.apply({ event: 'status', servers: 0, serversTotal: 3, observed: '', nat: 'unknown', name: 'alice', id: 'a11ce0000000', fingerprint: 'f', reachable: false } as unknown as ClientEvent);
  assert.match(renderPeerList(down.entries(), 22, true, { status: down.status })[0] ?? '', /servers unreachable/);
  assert.match(renderStatus(down.status, 100), /servers unreachable/);
});

test('hanging indent: rows after the first start under the text, breaks at spaces', () => {
  const rows = wrapHanging('12:00 bob: the quick brown fox jumps', 20, 11);
  assert.deepEqual(rows, ['12:00 bob: the quick', '           brown fox', '           jumps']);
});

test('/help: one line per command on home; /help CMD details one; joins and leaves in open conversations', () => {
  const m = new UiModel({ name: 'alice', id: 'a11ce0000000' });
  m.apply({ event: 'peers', peers: [BOB] });
  m.openSelected();
  const result = handleInput(m, '/help');
  assert.equal(result.home, true);
  assert.equal(m.home.filter((l) => /^\/\S+/.test(l.text)).length, COMMANDS.length);
  handleInput(m, '/help whois');
  assert.match(m.home.at(-2)?.text ?? '', /^\/whois \[NAME\|ID\]: who a peer is/);
  m.apply({ event: 'peers', peers: [] });
  m.apply({ event: 'peers', peers: [BOB] });
  const texts = m.conversations.get(BOB.id)?.lines.map((l) => l.text) ?? [];
  assert.deepEqual(texts.filter((t) => /^(-->|<--)/.test(t)), ['<-- bob left', '--> bob is online']);
});
