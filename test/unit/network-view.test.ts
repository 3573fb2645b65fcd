// The network view's model, driven with a fake clock and synthetic snapshots, events and
// status replies: clients merged across servers, paths confirmed only when both ends claim
// the same, outcomes counted once per change whichever servers tell it, rates from samples,
// and the change stream (diffs only; a bounded ring; too old → undefined).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EntryView, PathClaimView, ServerEvent, ServerSnapshot } from '../../discovery/core/server-events.ts';
import type { StatusReply } from '../../discovery/core/status.ts';
import type { NetworkChange } from '../../discovery/edge/view/network-state.ts';
import { NetworkView } from '../../discovery/edge/view/network-view.ts';

const A = 'aa'.repeat(16);
const B = 'bb'.repeat(16);
const C = 'cc'.repeat(16);
const S1 = '127.0.0.1:8000';
const S2 = '127.0.0.1:8001';

function entry(id: string, name: string, port: number, paths?: PathClaimView[], at = 0): EntryView {
  return { id, name, observed: ['10.0.0.1', port], lan: [], nat: 'unknown', since: 100, lastSeen: 200, ...(paths ? { report: { nat: 'cone', paths, at } } : {}) };
}

function snap(entries: EntryView[]): ServerSnapshot {
  return { entries, relays: [], stats: { online: entries.length, version: 1, datagramsIn: 0, datagramsOut: 0, bytesIn: 0, bytesOut: 0, relayed: 0, drops: {}, tracked: { sources: 0, identities: 0, pending: 0 } } };
}

function reply(requests: number, extra: Partial<StatusReply> = {}): StatusReply {
  return { t: 14, nonce: new Uint8Array(16), pk: new Uint8Array(32), sig: new Uint8Array(64), uptimeMs: 5_000, clients: 2, requests, introductions: 1, relayedSessions: 0, relayedBytes: 0, mailboxDepth: 0, drops: [['malformed', 3]], ...extra } as StatusReply;
}

function setup() {
  const snaps: Record<string, EntryView[]> = { [S1]: [], [S2]: [] };
  const view = new NetworkView({ local: [S1, S2].map((addr) => ({ addr, snapshot: () => snap(snaps[addr] ?? []) })), shown: [S1, S2, '192.0.2.9:9000'], toWall: (t) => t, ringSize: 50 });
  const changes: NetworkChange[] = [];
  view.onChange((c) => changes.push(c));
  return { snaps, view, changes };
}

const report = (from: string, peerId: string, outcome: 'direct' | 'relay' | 'failed', extra: { relayServer?: string; reason?: string } = {}): ServerEvent => ({ type: 'path_report', from: { id: from, name: 'x', observed: ['10.0.0.1', 1] }, peerId, outcome, ...extra });

test('clients are merged across the servers of the process, with the list of servers each is registered with', () => {
  const { snaps, view, changes } = setup();
  snaps[S1] = [entry(A, 'alice', 1), entry(B, '<img src=x onerror=alert(1)>', 2)];
  snaps[S2] = [entry(A, 'alice', 1)];
  view.refresh(1_000);
  const st = view.state();
  assert.deepEqual(st.clients.map((c) => [c.name, c.servers]), [['alice', [S1, S2]], ['<img src=x onerror=alert(1)>', [S1]]]);
  assert.equal(st.clients[0]?.shortId, 'aaaaaaaa');
  assert.equal(st.clients[0]?.fingerprint, 'aaaa-aaaa-aaaa-aaaa');
  assert.equal(st.clients[0]?.observed, '10.0.0.1:1');
  assert.deepEqual(st.servers.map((s) => [s.addr, s.up, s.local]), [[S1, false, true], [S2, false, true], ['192.0.2.9:9000', false, false]]);
  assert.deepEqual(changes.map((c) => c.kind), ['server', 'server', 'server', 'client', 'client']);
  // Nothing changed: nothing pushed.
  view.refresh(2_000);
  assert.equal(changes.length, 5);
  snaps[S1] = [entry(A, 'alice', 1)];
  view.refresh(3_000);
  assert.deepEqual(changes.slice(5).map((c) => (c.kind === 'client_gone' ? c.clientId : c.kind)), [B]);
});

test('a path is confirmed only when both ends claim the same via; one-sided otherwise; gone with an end', () => {
  const { snaps, view, changes } = setup();
  snaps[S1] = [entry(A, 'alice', 1, [{ peerId: B, outcome: 'direct', since: 500 }]), entry(B, 'bob', 2)];
  view.refresh(1_000);
  let p = view.state().paths;
  assert.equal(p.length, 1);
  assert.deepEqual([p[0]?.a, p[0]?.b, p[0]?.via, p[0]?.confirmed, p[0]?.since], [A, B, 'direct', false, 500]);
  snaps[S1] = [entry(A, 'alice', 1, [{ peerId: B, outcome: 'direct' }]), entry(B, 'bob', 2, [{ peerId: A, outcome: 'direct' }])];
  view.refresh(2_000);
  p = view.state().paths;
  assert.equal(p[0]?.confirmed, true);
  assert.equal(p[0]?.since, 500, 'the path held since it began');
  // Disagreeing claims (direct vs relay): not confirmed.
  snaps[S1] = [entry(A, 'alice', 1, [{ peerId: B, outcome: 'relay', relayServer: S1 }], 10), entry(B, 'bob', 2, [{ peerId: A, outcome: 'direct' }], 5)];
  view.refresh(3_000);
  p = view.state().paths;
  assert.deepEqual([p[0]?.via, p[0]?.server, p[0]?.confirmed, p[0]?.since], ['relay', S1, false, 3_000]);
  // Claims about a peer not registered here are not shown.
  snaps[S1] = [entry(A, 'alice', 1, [{ peerId: C, outcome: 'direct' }])];
  view.refresh(4_000);
  assert.deepEqual(view.state().paths, []);
  assert.equal(changes.at(-1)?.kind, 'path_gone');
});

test('outcomes count once per change of the pair (the same change from three servers, and from both ends, is one)', () => {
  const { snaps, view } = setup();
  for (let i = 0; i < 3; i++) view.observe(report(A, B, 'failed', { reason: 'punch timed out' }), 100 + i);
  for (let i = 0; i < 3; i++) view.observe(report(A, B, 'relay', { relayServer: S1 }), 200 + i);
  view.observe(report(B, A, 'relay', { relayServer: S1 }), 300);
  for (let i = 0; i < 3; i++) view.observe({ type: 'introduction', from: { id: A, name: 'a', observed: ['1.1.1.1', 1] }, to: { id: B, name: 'b', observed: ['1.1.1.1', 2] } }, 50 + i);
  snaps[S1] = [entry(A, 'alice', 1, [{ peerId: B, outcome: 'relay', relayServer: S1 }]), entry(B, 'bob', 2, [{ peerId: A, outcome: 'relay', relayServer: S1 }])];
  view.refresh(1_000);
  const p = view.state().paths[0];
  assert.deepEqual(p?.outcomes, { direct: 0, relay: 1, failed: 1 }, 'the relay both ends report is one outcome');
  assert.equal(p?.introductions, 1);
  assert.equal(p?.lastFailure, 'punch timed out');
  assert.equal(p?.confirmed, true);
});

test('server figures from status replies: rates over 10 s / 1 min / 5 min, drops in plain words, down when the probe says so', () => {
  const { view } = setup();
  for (let s = 0; s <= 60; s++) {
    view.setStatus(S1, { up: true, reply: reply(s * 10), lastSeen: s * 1000 });
    view.sample(s * 1000);
  }
  view.refresh(60_000);
  const s1 = view.state().servers[0];
  assert.equal(s1?.up, true);
  assert.equal(s1?.uptimeMs, 5_000);
  assert.deepEqual(s1?.requests, { r10s: 10, r1m: 10, r5m: 10 });
  assert.deepEqual(s1?.drops, { 'not CBOR (garbage)': 3 });
  view.setStatus(S1, { up: false, lastSeen: 60_000 });
  view.refresh(65_000);
  assert.equal(view.state().servers[0]?.up, false);
  assert.equal(view.state().servers[0]?.uptimeMs, undefined);
});

test('the ring: changes after an id, in order; undefined once they left the ring or for an id never given', () => {
  const { view } = setup();
  for (let i = 0; i < 30; i++) view.log(`line ${i}`, i);
  assert.equal(view.lastId(), 30);
  assert.deepEqual(view.changesAfter(27)?.map((c) => c.id), [28, 29, 30]);
  assert.deepEqual(view.changesAfter(30), []);
  for (let i = 0; i < 40; i++) view.log(`more ${i}`, i);
  assert.equal(view.changesAfter(5), undefined, 'too old');
  assert.equal(view.changesAfter(20)?.length, 50);
  assert.equal(view.changesAfter(71), undefined, 'from the future (another run)');
  assert.equal(view.recentLog().length, 50);
});
