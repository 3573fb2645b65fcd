// The UI model's history behaviour, with the events a client sends: contacts in the list,
// pages loaded on open and on scroll, message states, read marks, search jumps, bounded memory.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClientCommand, HistoryItem } from '../../client/core/events.ts';
import { handleInput } from '../../client/ui/commands.ts';
import { UiModel } from '../../client/ui/model.ts';
import { renderConversation, renderPeerList, titleOf } from '../../client/ui/view.ts';
import { Viewport } from '../../client/ui/viewport.ts';

const ME = { name: 'alice', id: 'a11ce0000000' };
const BOB = { id: 'b0b000000001', name: 'bob' };
const DAVE = { id: 'da7e00000004', name: 'dave' };
const T0 = new Date(2026, 0, 5, 8, 0).getTime();

function model(opts: { maxLines?: number; pageSize?: number } = {}): UiModel {
  return new UiModel(ME, { now: () => T0, ...opts });
}

/** Messages n..m-1 of a conversation with `peer`, even ones theirs, odd ones ours (delivered). */
function items(peer: { id: string; name: string }, from: number, to: number): HistoryItem[] {
  const out: HistoryItem[] = [];
  for (let i = from; i < to; i++) {
    const theirs = i % 2 === 0;
    out.push({
      msgId: `m${String(i).padStart(6, '0')}`, seq: i + 1, fromId: theirs ? peer.id : ME.id, from: theirs ? peer.name : ME.name,
      text: `text ${i}`, sentAt: T0 + i * 60_000, state: theirs ? 'received' : 'delivered',
    });
  }
  return out;
}

const history = (cmds: ClientCommand[]) => cmds.filter((c) => c.cmd === 'history');

test('contacts: offline ones listed after online peers with their unread counts; the selection starts on an online peer', () => {
  const m = model();
  m.apply({ event: 'contacts', contacts: [
    { id: DAVE.id, name: 'dave', online: false, unread: 3, queued: 1, lastAt: T0 },
    { id: BOB.id, name: 'bob', online: true, unread: 0, queued: 0, lastAt: T0 },
  ] });
  m.apply({ event: 'peers', peers: [{ ...ME }, BOB] });
  assert.deepEqual(m.entries().map((e) => [e.label, e.online, e.unread]), [['bob', true, 0], ['dave', false, 3]]);
  assert.equal(m.selectedId, BOB.id);
  const rows = renderPeerList(m.entries(), 20, true);
  assert.match(rows[1] ?? '', /^\{gray-fg\}\{bold\}○ {3}dave \(3\)/, 'offline: dimmed; unread: bold');
  assert.equal(m.queued.total(), 1);
});

test('opening an offline contact: no connect, the newest page asked for, read sent; history shown with states', () => {
  const m = model({ pageSize: 50 });
  m.apply({ event: 'contacts', contacts: [{ id: DAVE.id, name: 'dave', online: false, unread: 2, queued: 1, lastAt: T0 }] });
  m.moveSelection(0);
  assert.equal(m.openSelected(), undefined, 'offline: nothing to connect to; messages queue');
  assert.deepEqual(m.takeCommands(), [{ cmd: 'history', peer: DAVE.id, limit: 50 }, { cmd: 'read', peer: DAVE.id }]);
  assert.equal(m.entries()[0]?.unread, 0);
  assert.match(titleOf(m), /dave · offline/);
  const page = items(DAVE, 0, 4);
  page.push({ ...page[1]!, msgId: 'q1', text: 'queued one', state: 'queued' });
  page.push({ ...page[1]!, msgId: 'f1', text: 'failed one', state: 'failed' });
  page.push({ ...page[1]!, msgId: 'u1', text: 'future state', state: 'archived' as never });
  m.apply({ event: 'history', peer: 'dave', peerId: DAVE.id, messages: page });
  const shown = renderConversation(m.currentLines(), 70, 20, 0).lines.join('\n');
  assert.match(shown, /08:00 .*dave: .*text 0\n/);
  assert.match(shown, /alice: .*text 1 ✓/);
  assert.match(shown, /queued one …/);
  assert.match(shown, /failed one .*✗/);
  assert.match(shown, /future state\n/, 'an unknown state shows no mark');
  assert.match(shown, /dave is offline: what you write waits in the outbox/);
  // A message to an offline contact is sent (it queues), never refused by the UI.
  assert.equal(handleInput(m, 'later then').commands[0]?.cmd, 'send');
});

test('pages: PageUp near the top asks for the page before the oldest loaded message, until a short page', () => {
  const m = model({ pageSize: 100 });
  m.apply({ event: 'contacts', contacts: [{ id: DAVE.id, name: 'dave', online: false, unread: 0, queued: 0, lastAt: T0 }] });
  m.open(DAVE.id);
  assert.equal(history(m.takeCommands()).length, 1);
  m.loadOlder();
  assert.deepEqual(m.takeCommands(), [], 'one request at a time');
  m.apply({ event: 'history', peer: 'dave', peerId: DAVE.id, messages: items(DAVE, 150, 250) });
  m.loadOlder();
  assert.deepEqual(m.takeCommands(), [{ cmd: 'history', peer: DAVE.id, limit: 100, before: 'm000150' }]);
  m.apply({ event: 'history', peer: 'dave', peerId: DAVE.id, messages: items(DAVE, 50, 150) });
  m.loadOlder();
  assert.deepEqual(m.takeCommands(), [{ cmd: 'history', peer: DAVE.id, limit: 100, before: 'm000050' }]);
  m.apply({ event: 'history', peer: 'dave', peerId: DAVE.id, messages: items(DAVE, 0, 50) });
  m.loadOlder();
  assert.deepEqual(m.takeCommands(), [], 'the first message is loaded');
  const texts = m.currentLines().filter((l) => l.kind === 'msg').map((l) => l.text);
  assert.equal(texts.length, 250);
  assert.deepEqual([texts[0], texts[249]], ['text 0', 'text 249']);
});

test('a message that arrives before the page that holds it is shown once; in view it is marked read', () => {
  const m = model();
  m.apply({ event: 'peers', peers: [BOB] });
  m.open(BOB.id);
  m.takeCommands();
  const [last] = items(BOB, 10, 11);
  m.apply({ event: 'message', from: 'bob', fromId: BOB.id, msgId: last!.msgId, seq: 11, text: last!.text, sentAt: last!.sentAt });
  assert.deepEqual(m.takeCommands(), [{ cmd: 'read', peer: BOB.id }]);
  m.apply({ event: 'history', peer: 'bob', peerId: BOB.id, messages: items(BOB, 0, 11) });
  const texts = m.currentLines().map((l) => l.text);
  assert.equal(texts.filter((t) => t === 'text 10').length, 1);
  assert.equal(texts.length, 11);
  // The same message again (a replay) is not shown twice either.
  m.apply({ event: 'message', from: 'bob', fromId: BOB.id, msgId: last!.msgId, seq: 11, text: last!.text, sentAt: last!.sentAt });
  assert.equal(m.currentLines().length, 11);
  // Elsewhere: an unread count, no read.
  m.apply({ event: 'message', from: 'dave', fromId: DAVE.id, msgId: 'x1', seq: 1, text: 'psst', sentAt: T0 });
  assert.deepEqual(m.takeCommands(), []);
  assert.equal(m.entries().find((e) => e.id === DAVE.id)?.unread, 1);
});

test('states: pending, then … on queued (msgId learnt), ✓ by msgId; a state before its page still shows; /quit counts', () => {
  const m = model();
  m.apply({ event: 'peers', peers: [BOB] });
  m.apply({ event: 'contacts', contacts: [{ id: BOB.id, name: 'bob', online: true, unread: 0, queued: 2, lastAt: T0 }] });
  m.open(BOB.id);
  const send = handleInput(m, 'hello').commands[0];
  assert.ok(send?.cmd === 'send');
  const line = m.currentLines().at(-1)!;
  assert.equal(line.mark, 'pending');
  assert.equal(m.pages.unconfirmed(), 1, 'a send not confirmed yet counts as queued on /quit');
  m.apply({ event: 'queued', to: 'bob', toId: BOB.id, ref: send.ref, msgId: 'new1', seq: 7 });
  assert.deepEqual([line.mark, line.msgId], ['queued', 'new1']);
  assert.equal(m.pages.unconfirmed(), 0);
  assert.equal(m.queued.total(), 3);
  m.apply({ event: 'delivered', to: 'bob', toId: BOB.id, msgId: 'new1', seq: 7 });
  assert.equal(line.mark, 'delivered', 'by msgId, without a ref');
  // An earlier run's message delivered before its page arrived: the page shows ✓, not a stale ….
  m.apply({ event: 'delivered', to: 'bob', toId: BOB.id, ref: 'ui-old-1', msgId: 'old1', seq: 3 });
  m.apply({ event: 'history', peer: 'bob', peerId: BOB.id, messages: [{ msgId: 'old1', seq: 3, fromId: ME.id, from: 'alice', text: 'from before', sentAt: T0, state: 'queued', ref: 'ui-old-1' }] });
  assert.equal(m.currentLines().find((l) => l.msgId === 'old1')?.mark, 'delivered');
  assert.equal(m.queued.total(), 1);
  // Refs are unique across runs: a new send never reuses an earlier run's `ui-1`.
  assert.match(String(send.ref), /^ui-[0-9a-z]+-1$/);
});

test('/search: results listed (sanitised), Enter loads older pages of the conversation until the message is there', () => {
  const m = model({ pageSize: 100 });
  m.apply({ event: 'contacts', contacts: [{ id: DAVE.id, name: 'dave', online: false, unread: 0, queued: 0, lastAt: T0 }] });
  assert.deepEqual(handleInput(m, '/search aard').commands, [{ cmd: 'search', text: 'aard', limit: 100 }]);
  assert.deepEqual(handleInput(m, '/search').commands, []);
  m.apply({ event: 'search', text: 'aard', results: [
    { peer: 'dave', peerId: DAVE.id, msgId: 'm000010', from: 'dave', fromId: DAVE.id, text: 'aardvark\x1b[2J{bold}', sentAt: T0 + 600_000 },
    { peer: 'dave', peerId: DAVE.id, msgId: 'm000002', from: 'dave', fromId: DAVE.id, text: 'aardvarks', sentAt: T0 },
  ] });
  assert.equal(m.search.open, true);
  assert.equal(m.search.hits[0]?.text, 'aardvark[2J{bold}');
  m.search.move(1);
  m.search.move(1);
  const hit = m.search.current()!;
  assert.equal(hit.msgId, 'm000002');
  assert.equal(m.goTo(hit), undefined, 'offline: no connect');
  assert.equal(m.search.open, false);
  assert.deepEqual(m.takeCommands(), [{ cmd: 'history', peer: DAVE.id, limit: 100 }]);
  m.apply({ event: 'history', peer: 'dave', peerId: DAVE.id, messages: items(DAVE, 100, 200) });
  assert.equal(m.takeJumpLine(), undefined);
  assert.deepEqual(m.takeCommands(), [{ cmd: 'history', peer: DAVE.id, limit: 100, before: 'm000100' }]);
  m.apply({ event: 'history', peer: 'dave', peerId: DAVE.id, messages: items(DAVE, 0, 100) });
  assert.equal(m.takeJumpLine()?.msgId, 'm000002');
  assert.equal(m.takeJumpLine(), undefined, 'once');
  // Nothing found: said, no list.
  m.apply({ event: 'search', text: 'zzz', results: [] });
  assert.equal(m.search.open, false);
  assert.match(m.currentLines().at(-1)?.text ?? '', /nothing found for "zzz"/);
});

test('memory: scrolled back nothing is dropped; back at the bottom far pages go and load again', () => {
  const m = model({ maxLines: 150, pageSize: 100 });
  m.apply({ event: 'contacts', contacts: [{ id: DAVE.id, name: 'dave', online: false, unread: 0, queued: 0, lastAt: T0 }] });
  m.open(DAVE.id);
  m.takeCommands();
  m.apply({ event: 'history', peer: 'dave', peerId: DAVE.id, messages: items(DAVE, 200, 300) });
  m.scrolledBack = true;
  m.loadOlder();
  m.takeCommands();
  m.apply({ event: 'history', peer: 'dave', peerId: DAVE.id, messages: items(DAVE, 100, 200) });
  m.apply({ event: 'message', from: 'dave', fromId: DAVE.id, msgId: 'm000300', seq: 301, text: 'text 300', sentAt: T0 });
  assert.equal(m.currentLines().filter((l) => l.kind === 'msg').length, 201, 'scrolled back: kept');
  m.scrolledBack = false;
  m.trimOpen();
  assert.equal(m.currentLines().length, 150);
  assert.equal(m.currentLines()[0]?.msgId, 'm000151');
  m.loadOlder();
  assert.deepEqual(history(m.takeCommands()), [{ cmd: 'history', peer: DAVE.id, limit: 100, before: 'm000151' }]);
});

test('viewport: stays on its lines while pages load above and messages arrive below; shows a jump target', () => {
  const m = model({ pageSize: 100 });
  m.apply({ event: 'contacts', contacts: [{ id: DAVE.id, name: 'dave', online: false, unread: 0, queued: 0, lastAt: T0 }] });
  m.open(DAVE.id);
  m.apply({ event: 'history', peer: 'dave', peerId: DAVE.id, messages: items(DAVE, 100, 200) });
  const v = new Viewport();
  const lines = m.currentLines();
  v.frame(lines, 60, 10);
  v.pageUp(30);
  const before = v.frame(lines, 60, 10).rows.join('\n');
  m.apply({ event: 'history', peer: 'dave', peerId: DAVE.id, messages: items(DAVE, 0, 100) });
  m.apply({ event: 'message', from: 'dave', fromId: DAVE.id, msgId: 'new', seq: 1, text: 'new one', sentAt: T0 });
  const after = v.frame(lines, 60, 10);
  assert.equal(after.rows.join('\n'), before);
  assert.ok(after.above > 100);
  const target = lines.find((l) => l.msgId === 'm000003')!;
  v.show(target);
  const shown = v.frame(lines, 60, 10);
  assert.ok(shown.rows.some((r) => /^\{underline\}.*text 3/.test(r)), 'the search result is underlined');
  v.toBottom();
  assert.match(v.frame(lines, 60, 10).rows.at(-1) ?? '', /new one/);
});

test('a history request with no answer is asked again after a while, not at once', () => {
  let now = T0;
  const m = new UiModel(ME, { now: () => now, pageSize: 100 });
  m.apply({ event: 'contacts', contacts: [{ id: DAVE.id, name: 'dave', online: false, unread: 0, queued: 0, lastAt: T0 }] });
  m.open(DAVE.id);
  assert.equal(history(m.takeCommands()).length, 1);
  m.loadOlder();
  assert.deepEqual(m.takeCommands(), []);
  now += 11_000;
  m.loadOlder();
  assert.deepEqual(m.takeCommands(), [{ cmd: 'history', peer: DAVE.id, limit: 100 }]);
});

test('a search result no longer in the history (deleted by retention): said once, no endless loading', () => {
  const m = model({ pageSize: 100 });
  m.apply({ event: 'contacts', contacts: [{ id: DAVE.id, name: 'dave', online: false, unread: 0, queued: 0, lastAt: T0 }] });
  m.goTo({ peer: 'dave', peerId: DAVE.id, msgId: 'gone', from: 'dave', text: 'old', sentAt: T0 });
  assert.equal(history(m.takeCommands()).length, 1);
  m.apply({ event: 'history', peer: 'dave', peerId: DAVE.id, messages: items(DAVE, 0, 30) });
  assert.deepEqual(history(m.takeCommands()), []);
  assert.equal(m.takeJumpLine(), undefined);
  assert.match(m.currentLines().at(-1)?.text ?? '', /that message is no longer in the history/);
});

test('our own messages in pages and search results show our name, whatever name the history kept', () => {
  const m = model();
  m.apply({ event: 'contacts', contacts: [{ id: DAVE.id, name: 'dave', online: false, unread: 0, queued: 0, lastAt: T0 }] });
  m.open(DAVE.id);
  m.apply({ event: 'history', peer: 'dave', peerId: DAVE.id, messages: items(DAVE, 0, 2).map((i) => ({ ...i, from: i.fromId === ME.id ? 'me' : i.from })) });
  assert.deepEqual(m.currentLines().map((l) => l.from), ['dave', 'alice']);
  m.apply({ event: 'search', text: 'x', results: [{ peer: 'dave', peerId: DAVE.id, msgId: 'm1', from: 'me', fromId: ME.id, text: 'x', sentAt: T0 }] });
  assert.equal(m.search.hits[0]?.from, 'alice');
});
