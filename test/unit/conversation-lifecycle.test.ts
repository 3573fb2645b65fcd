// A conversation's life on a fake clock: it opens, keeps the path alive, notices a stale path
// and asks for a new introduction, loses a silent peer, hears a goodbye, and fails to open
// when the punch or the handshake times out, each ending with its code. Timings come in as
// options, so the tests run the protocol's minutes in milliseconds.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Conversation } from '../../client/core/conversation.ts';
import { MsgType } from '../../src/wire.ts';
import { chat, ConversationPair, identityA, identityB } from './helpers/conversation-pair.ts';

const FAST = { keepaliveIntervalMs: 1_000, pathStaleAfterMs: 2_000, peerSilentTimeoutMs: 6_000, punchTimeoutMs: 3_000 };

describe('conversation lifecycle', () => {
  it('opens on both sides over the confirmed path, once each', () => {
    const p = new ConversationPair().open();
    assert.deepEqual(p.of('a', 'connected'), [{ kind: 'connected', path: { kind: 'direct', addr: ['192.0.2.2', 4001] }, changed: false }]);
    assert.equal(p.of('b', 'connected').length, 1);
    assert.ok(p.a.link.secure && p.b.link.secure);
  });

  it('keeps an idle path alive with keepalives at the configured interval, and stays open', () => {
    const p = new ConversationPair({ timings: FAST }).open();
    const before = p.wire.a.length;
    p.run(p.now + 10_000);
    const sent = p.wire.a.length - before;
    assert.ok(sent >= 9 && sent <= 20, `about one ping (and pong) a second, got ${sent}`);
    assert.equal(p.a.state, 'connected');
    assert.equal(p.b.state, 'connected');
    assert.deepEqual(p.of('a', 'reintroduce'), []);
  });

  it('asks for a new introduction once when replies stop, then loses the peer after the silence timeout', () => {
    const p = new ConversationPair({ timings: FAST }).open();
    p.drop = (from) => from === 'b';
    const t0 = p.now;
    const m = chat('anyone?', 1);
    p.a.send(m, p.now);
    p.pump();
    p.run(t0 + FAST.pathStaleAfterMs + 50);
    assert.equal(p.of('a', 'reintroduce').length, 1, 'stale path: reintroduce');
    assert.ok(p.punches.a > 0, 're-punching');
    p.run(t0 + FAST.peerSilentTimeoutMs + 500);
    assert.equal(p.of('a', 'reintroduce').length, 1, 'once per stale episode');
    assert.deepEqual(p.of('a', 'disconnected'), [{ kind: 'disconnected', code: 'PEER_LOST', reason: 'peer lost: silent for 6 s' }]);
    assert.deepEqual(p.of('a', 'undelivered').map((f) => [f.msgId, f.code]), [[m.msgId, 'MESSAGE_TIMEOUT']]);
    assert.equal(p.a.nextTimeout(), undefined, 'closed: no more timers');
  });

  it('says goodbye: the side that quits reports QUIT, the other PEER_LEFT', () => {
    const p = new ConversationPair().open();
    p.b.close('QUIT', 'you quit', p.now, true);
    p.pump();
    p.run(p.now + 100);
    assert.deepEqual(p.of('b', 'disconnected'), [{ kind: 'disconnected', code: 'QUIT', reason: 'you quit' }]);
    assert.deepEqual(p.of('a', 'disconnected'), [{ kind: 'disconnected', code: 'PEER_LEFT', reason: 'peer left' }]);
  });

  it('fails to open with HANDSHAKE_FAILED when the handshake never completes', () => {
    const p = new ConversationPair();
    p.drop = (from, msg) => from === 'b' && msg.t === MsgType.Handshake;
    assert.throws(() => p.open());
    p.run(20_000);
    const failed = [...p.of('a', 'connect_failed'), ...p.of('b', 'connect_failed')];
    assert.ok(failed.length >= 1);
    for (const f of failed) assert.equal(f.code, 'HANDSHAKE_FAILED');
  });

  it('fails to open with PUNCH_TIMEOUT when no path answers, after the configured time', () => {
    const conv = new Conversation(identityB.id, 'bob', 7, 0, identityA, { timings: FAST });
    conv.punch.addDirect('public', ['198.51.100.9', 4000]);
    let now = 0;
    for (let i = 0; i < 1_000 && conv.state !== 'closed'; i++) {
      conv.duePunches(now);
      conv.handleTimeout(now);
      now = Math.max(now + 1, conv.nextTimeout() ?? Infinity);
    }
    const outputs = [];
    for (let o = conv.pollOutput(); o; o = conv.pollOutput()) outputs.push(o);
    assert.deepEqual(outputs, [{ kind: 'connect_failed', code: 'PUNCH_TIMEOUT', reason: 'no path: punching timed out after 3 s (no candidate or relay answered)' }]);
  });
});
