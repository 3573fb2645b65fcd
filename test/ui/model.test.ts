import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClientCommand } from '../../client/core/events.ts';
import { handleInput } from '../../client/ui/commands.ts';
import { UiModel } from '../../client/ui/model.ts';
import { renderConversation, renderPeerList, renderStatus } from '../../client/ui/view.ts';
import { strWidth } from '../../client/ui/width.ts';
import { activityList } from '../../client/ui/windows.ts';

const ME = { name: 'alice', id: 'a11ce0000000' };
const BOB = { id: 'b0b000000001', name: 'bob' };
const BOB2 = { id: 'b0b200000002', name: 'bob' };
const CAROL = { id: 'ca7000000003', name: 'carol' };

function model(): UiModel {
  return new UiModel(ME, { now: () => new Date(2024, 0, 1, 9, 5).getTime() });
}

test('alone: the list says so; peers events fill it, without ourselves', () => {
  const m = model();
  assert.deepEqual(m.entries(), []);
  assert.match(renderPeerList([], 22, true)[0] ?? '', /No other users online/);
  m.apply({ event: 'peers', peers: [{ ...ME }, CAROL, BOB] });
  assert.deepEqual(m.entries().map((e) => e.label), ['bob', 'carol']);
  assert.equal(m.selectedId, BOB.id);
});

test('names are not unique: a short id tells them apart, ids are used internally', () => {
  const m = model();
  m.apply({ event: 'peers', peers: [BOB, BOB2, CAROL] });
  assert.deepEqual(m.entries().map((e) => e.label), ['bob (b0b000)', 'bob (b0b200)', 'carol']);
  m.moveSelection(1);
  assert.deepEqual(m.openSelected(), { cmd: 'connect', peer: BOB2.id });
});

test('Enter opens the conversation, connects once, and shows the connection story', () => {
  const m = model();
  m.apply({ event: 'peers', peers: [BOB] });
  assert.deepEqual(m.openSelected(), { cmd: 'connect', peer: BOB.id });
  assert.equal(m.openSelected(), undefined, 'already connecting');
  m.apply({ event: 'connected', peer: 'bob', peerId: BOB.id, via: 'direct', addr: '1.2.3.4:5' });
  m.apply({ event: 'disconnected', peer: 'bob', peerId: BOB.id, code: 'PEER_LOST', message: 'timeout', reason: 'timeout' });
  m.apply({ event: 'connect_failed', peer: 'bob', peerId: BOB.id, code: 'PUNCH_TIMEOUT', message: 'no answer', reason: 'no answer' });
  assert.deepEqual(m.currentLines().map((l) => l.text), [
    'connecting to bob…', 'connected to bob via direct 1.2.3.4:5', 'bob disconnected: timeout', 'connection failed: no answer',
  ]);
});

test('sending: pending, then delivered or failed by ref', () => {
  const m = model();
  m.apply({ event: 'peers', peers: [BOB] });
  m.openSelected();
  const sent: ClientCommand[] = [];
  for (const text of ['one', 'two']) sent.push(...handleInput(m, text).commands);
  assert.equal(sent.length, 2);
  const [a, b] = sent.map((c) => (c.cmd === 'send' ? c : assert.fail('not a send')));
  assert.equal(a?.peer, BOB.id);
  assert.notEqual(a?.ref, b?.ref);
  m.apply({ event: 'delivered', to: 'bob', toId: BOB.id, ref: a?.ref, msgId: '', seq: 0 });
  m.apply({ event: 'failed', to: 'bob', toId: BOB.id, ref: b?.ref, msgId: '', code: 'MESSAGE_TIMEOUT', message: 'timeout', reason: 'timeout' });
  m.apply({ event: 'delivered', to: 'bob', toId: BOB.id, ref: 'unknown-ref', msgId: '', seq: 0 });
  const lines = m.currentLines().filter((l) => l.kind === 'msg');
  assert.deepEqual(lines.map((l) => [l.text, l.mark]), [['one', 'delivered'], ['two', 'failed']]);
  const shown = renderConversation(m.currentLines(), 60, 10, 0).lines.join('\n');
  assert.match(shown, /09:05 .*alice: .*one ✓/);
  assert.match(shown, /two .*✗.* \(timeout\)/);
});

test('unread counts per conversation; opening one clears it', () => {
  const m = model();
  m.apply({ event: 'peers', peers: [BOB, CAROL] });
  m.openSelected(); // bob
  m.apply({ event: 'message', from: 'carol', fromId: CAROL.id, msgId: '1', seq: 0, text: 'hi', sentAt: 0 });
  m.apply({ event: 'message', from: 'carol', fromId: CAROL.id, msgId: '2', seq: 0, text: 'there', sentAt: 0 });
  m.apply({ event: 'message', from: 'bob', fromId: BOB.id, msgId: '3', seq: 0, text: 'yo', sentAt: 0 });
  const unread = (id: string) => m.entries().find((e) => e.id === id)?.unread;
  assert.equal(unread(CAROL.id), 2);
  assert.equal(unread(BOB.id), 0);
  assert.match(renderPeerList(m.entries(), 20, true).join('\n'), /carol \(2\)/);
  // Unread first: carol moved to the top of the list; bob, open, comes next.
  assert.deepEqual(m.entries().map((e) => e.label), ['carol', 'bob']);
  m.moveSelection(-1);
  m.openSelected();
  assert.equal(unread(CAROL.id), 0);
  assert.equal(m.openId, CAROL.id);
});

test('a message never switches the view: home stays home; the sender gets a window and an unread count', () => {
  const m = model();
  m.apply({ event: 'peers', peers: [BOB, CAROL] });
  m.apply({ event: 'message', from: 'carol', fromId: CAROL.id, msgId: '1', seq: 0, text: 'hi', sentAt: 0 });
  assert.equal(m.openId, undefined, 'still on home');
  assert.equal(m.entries().find((e) => e.id === CAROL.id)?.unread, 1);
  assert.equal(m.windows.number(CAROL.id), 2);
  assert.deepEqual(activityList(m.windows, m.conversations, m.openId, m.homeActivity), [{ n: 2, name: 'carol', unread: 1 }]);
  assert.equal(m.takeBell(), true, 'a message out of view rings once');
  assert.equal(m.takeBell(), false);
  m.show(CAROL.id);
  assert.equal(m.entries().find((e) => e.id === CAROL.id)?.unread, 0);
  m.apply({ event: 'message', from: 'bob', fromId: BOB.id, msgId: '2', seq: 0, text: 'yo', sentAt: 0 });
  assert.equal(m.openId, CAROL.id);
  assert.equal(m.entries().find((e) => e.id === BOB.id)?.unread, 1);
  assert.equal(m.windows.number(BOB.id), 3);
  m.show('');
  assert.equal(m.openId, undefined, 'Alt-1: home again');
});

test('a peer who leaves stays in the list while we have a conversation', () => {
  const m = model();
  m.apply({ event: 'peers', peers: [BOB] });
  m.openSelected();
  m.apply({ event: 'peers', peers: [] });
  assert.deepEqual(m.entries().map((e) => [e.label, e.online]), [['bob', false]]);
});

test('peer text and names are stored stripped and rendered escaped', () => {
  const m = model();
  const evil = { id: 'e0e000000009', name: 'ev\x1b[2Jil{bold}' };
  m.apply({ event: 'peers', peers: [evil] });
  m.openSelected();
  m.apply({ event: 'message', from: evil.name, fromId: evil.id, msgId: '1', seq: 0, text: 'x\x1b]0;pwned\x07{red-fg}y\u202e', sentAt: 0 });
  assert.equal(m.entries()[0]?.label, 'ev[2Jil{bold}');
  const shown = renderConversation(m.currentLines(), 80, 5, 0).lines.join('\n');
  assert.ok(!shown.includes('\x1b') && !shown.includes('\u202e'));
  assert.match(shown, /x\]0;pwned\{open\}red-fg\{close\}y/);
  assert.ok(!shown.includes('{red-fg}') && !shown.includes('{bold}'), 'peer tags are escaped');
  assert.match(shown, /ev\[2Jil\{open\}bold\{close\}: /);
});

test('commands: /help, /connect host:port, /nick, /quit, unknown', () => {
  const m = model();
  assert.deepEqual(handleInput(m, '/connect 10.0.0.1:4000').commands, [{ cmd: 'connect', addr: '10.0.0.1:4000' }]);
  assert.deepEqual(handleInput(m, '/nick Al').commands, [{ cmd: 'nick', name: 'Al' }]);
  assert.equal(handleInput(m, '/quit').quit, true);
  assert.deepEqual(handleInput(m, '/connect nope').commands, []);
  handleInput(m, '/bogus');
  handleInput(m, '/help');
  handleInput(m, 'text without a conversation');
  const text = m.home.map((l) => l.text).join('\n');
  assert.match(text, /unknown command \/bogus: type \/help/);
  assert.match(text, /Tab/);
  assert.match(text, /no conversation open/);
  // The conversation for a /connect appears when `connected` arrives with that address.
  m.apply({ event: 'connected', peer: 'dave', peerId: 'da7e00000004', via: 'relay', addr: '10.0.0.1:4000' });
  assert.equal(m.openId, 'da7e00000004');
});

test('errors show in the pane the user is looking at; status fills the status line', () => {
  const m = model();
  m.apply({ event: 'error', code: 'SERVER_UNREACHABLE', message: 'no server answered' });
  assert.match(m.home.at(-1)?.text ?? '', /error SERVER_UNREACHABLE: no server answered/);
  m.apply({ event: 'ready', id: ME.id, name: 'alice', observed: '203.0.113.5:4000', nat: 'cone', fingerprint: 'f1f2f3f4' });
  m.apply({ event: 'status', servers: 2, serversTotal: 3, observed: '203.0.113.5:4000', nat: 'cone', name: 'alice', id: ME.id, fingerprint: 'f1f2f3f4' });
  const line = renderStatus(m.status, 80);
  assert.equal(strWidth(line), 80);
  assert.match(line, /alice \(a11ce0\) · 203\.0\.113\.5:4000 · NAT: cone · servers 2\/3/);
});

test('rendered lines fit the pane width with CJK and emoji; scrolling clamps', () => {
  const m = model();
  m.apply({ event: 'peers', peers: [BOB] });
  m.openSelected();
  for (let i = 0; i < 30; i++) m.apply({ event: 'message', from: 'bob', fromId: BOB.id, msgId: `${i}`, seq: i + 1, text: `${i} 日本語 👋 `.repeat(3), sentAt: 0 });
  const strip = (s: string) => s.replace(/\{\/?[a-z-]+\}/g, '');
  const view = renderConversation(m.currentLines(), 23, 8, 0);
  assert.equal(view.lines.length, 8);
  for (const l of view.lines) assert.ok(strWidth(strip(l)) <= 23, l);
  const top = renderConversation(m.currentLines(), 23, 8, 10_000);
  assert.ok(top.scroll > 0 && top.lines[0]?.includes('connecting to'));
});

test('/WHOIS in any case is whois (never another command); /verify on an ambiguous name asks for the id', () => {
  const m = model();
  m.apply({ event: 'peers', peers: [BOB, BOB2, CAROL] });
  for (const typed of ['/WHOIS carol', '/Whois carol', '/whois carol']) {
    assert.deepEqual(handleInput(m, typed).commands, [{ cmd: 'whois', peer: CAROL.id }], typed);
  }
  assert.deepEqual(handleInput(m, '/VERIFY carol').commands, [{ cmd: 'verify', peer: CAROL.id }]);
  assert.deepEqual(handleInput(m, '/verify bob').commands, [], 'two bobs: nothing is guessed');
  assert.match(m.home.at(-1)?.text ?? '', /2 peers are named like "bob": bob \(b0b000\), bob \(b0b200\); type \/verify ID/);
  assert.deepEqual(handleInput(m, `/verify ${BOB2.id}`).commands, [{ cmd: 'verify', peer: BOB2.id }]);
  assert.deepEqual(handleInput(m, '/trust bob').commands, [], '/trust is gone');
  assert.match(m.home.at(-1)?.text ?? '', /unknown command \/trust/);
});

test('look-alike names: short ids beside both, a mark on the suspect, a warning line; verified and known marks', () => {
  const m = model();
  const FAKE = { id: 'f00f00000005', name: 'b\u043eb', lookalike: BOB.id };
  m.apply({ event: 'peers', peers: [{ ...BOB, known: true, verified: true }, FAKE, CAROL] });
  const entries = m.entries();
  assert.deepEqual(entries.map((e) => e.label), ['bob (b0b000)', 'b\u043eb (f00f00)', 'carol']);
  assert.deepEqual(entries.map((e) => [e.trust, e.lookalike]), [['verified', undefined], ['stranger', BOB.id], ['stranger', undefined]]);
  const rows = renderPeerList(entries, 22, false);
  assert.match(rows[0] ?? '', /^\{underline\}○ ✔ bob \(b0b000\)/, 'selected');
  assert.match(rows[1] ?? '', /^○ ! b\u043eb \(f00f00\)/);
  assert.match(rows[2] ?? '', /^○   carol/);
  m.apply({ event: 'lookalike', peer: FAKE.name, peerId: FAKE.id, like: 'bob', likeId: BOB.id });
  assert.match(m.home.at(-1)?.text ?? '', /b\u043eb \(f00f00\) is a new contact whose name looks like your contact bob \(b0b000\)/);
  m.apply({ event: 'connected', peer: 'carol', peerId: CAROL.id, via: 'direct', addr: '1.2.3.4:5' });
  assert.equal(m.entries().find((e) => e.id === CAROL.id)?.trust, 'known', 'a completed handshake pinned the key');
});

test('whois lines: the asked id and its own key; no fingerprint when none is known; unsaved pins on the status line', () => {
  const m = model();
  m.apply({ event: 'whois', peer: 'bob', peerId: BOB2.id, known: true, verified: false, fingerprint: 'aaaa-bbbb' });
  assert.match(m.home.at(-1)?.text ?? '', new RegExp(`bob \\(${BOB2.id}\\): key aaaa-bbbb, • known, not verified`));
  m.apply({ event: 'whois', peer: 'carol', peerId: CAROL.id, known: false, verified: false });
  assert.match(m.home.at(-1)?.text ?? '', /carol \(ca7000000003\): no key known yet/);
  m.apply({ event: 'verified', peer: 'bob', peerId: BOB2.id, fingerprint: 'aaaa-bbbb' });
  assert.match(m.home.at(-1)?.text ?? '', /✔ verified bob \(b0b200\), key aaaa-bbbb/);
  m.apply({ event: 'warning', code: 'PINS_NOT_SAVED', message: 'cannot write x' });
  assert.match(renderStatus(m.status, 100), /PINS_NOT_SAVED/);
  assert.match(m.home.at(-1)?.text ?? '', /warning PINS_NOT_SAVED: cannot write x/);
});
