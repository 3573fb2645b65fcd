// A peer that really restarted proves it with a new handshake for the same key, and only then
// does the new session replace the old one (WireGuard keeps the current session until a new
// handshake completes). Messages the old session never got acknowledged move to the new one
// under the same msgId and seq: nothing is reported failed, nothing is shown twice. Also the
// parts of it on their own: the chat stream hands over its unacked messages, the table
// admits and bounds replacements and shows a msgId once.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ClientEngine } from '../../client/core/client-engine.ts';
import type { Conversation, ConversationOutput } from '../../client/core/conversation.ts';
import { ConversationTable } from '../../client/core/conversation-table.ts';
import { MAX_REPLACEMENTS_PER_PEER } from '../../src/constants.ts';
import { decode } from '../../src/codec.ts';
import { Identity } from '../../src/crypto/identity.ts';
import { MsgType } from '../../src/wire.ts';
import { Recorded, SERVERS, connectPair } from '../helpers/sim-clients.ts';
import { chat, ConversationPair, identityA } from './helpers/conversation-pair.ts';

describe('session replacement', () => {
  test('a restarted peer replaces the session only once its handshake completes; unacked messages move, none fails or shows twice', () => {
    const w = connectPair([{ nat: 'none' }, { nat: 'none' }]);
    const a = w.a.client;
    const old = a.engine.conversationWith(w.b.id);
    assert.equal(old?.state, 'connected');
    a.engine.send(w.b.id, 'before', 'before', w.net.now);
    w.net.flush();
    w.net.run(w.net.now + 1_000);
    assert.equal(a.of('delivered').length, 1);

    // bob's process dies: what alice sends now is never acknowledged by the old session.
    w.net.remove(w.b.ip, w.b.port);
    for (let i = 0; i < 3; i++) a.engine.send(w.b.id, `lost-${i}`, `lost-${i}`, w.net.now);
    w.net.flush();
    w.net.run(w.net.now + 2_000);
    assert.equal(a.engine.conversationWith(w.b.id), old, 'the old session stays while nothing proves a restart');

    // While bob's handshake does not get through, alice keeps the old session (her own
    // re-introduction finds the new bob too: his Punches alone replace nothing).
    const port = 4100;
    let blockHandshakes = true;
    const receive = a.receive.bind(a);
    a.receive = (bytes, from, now) => {
      const d = decode(bytes);
      const blocked = d.ok && ((from[1] === port && d.msg.t === MsgType.Handshake) || d.msg.t === MsgType.Relayed);
      if (blockHandshakes && blocked) return;
      receive(bytes, from, now);
    };
    // bob restarts with the same key, on another port, and dials alice.
    const identity = Identity.fromSeed(new Uint8Array(32).fill(2)) as Identity;
    assert.equal(identity.id, w.b.id);
    const engine = new ClientEngine({ identity, name: w.b.name, servers: SERVERS, localPort: port, now: w.net.now, randomCid: () => 77_000 });
    engine.setLanCandidates([[w.b.ip, port]]);
    const b2 = new Recorded(engine);
    w.net.add(w.b.ip, port, b2);
    w.net.run(w.net.now + 3_000);
    b2.engine.connectPeer(w.a.name, w.net.now);
    w.net.flush();
    w.net.run(w.net.now + 2_000);
    assert.equal(a.engine.conversationWith(w.b.id), old, 'punches from the restarted peer replace nothing yet');
    assert.equal(old?.state, 'connected');
    blockHandshakes = false;
    w.net.run(w.net.now + 10_000);

    const now = a.engine.conversationWith(w.b.id);
    assert.notEqual(now, old, 'a new session took over');
    assert.equal(now?.state, 'connected');
    assert.equal(old?.state, 'closed');
    assert.equal(a.of('connected').at(-1)?.addr, `${w.b.ip}:${port}`);
    assert.deepEqual(a.of('failed'), [], 'nothing reported failed');
    assert.deepEqual(a.of('disconnected'), []);
    assert.deepEqual(a.of('delivered').map((d) => d.ref), ['before', 'lost-0', 'lost-1', 'lost-2']);
    const shown = b2.of('message');
    assert.deepEqual(shown.map((m) => m.text), ['lost-0', 'lost-1', 'lost-2'], 'in order, once each');
    assert.deepEqual(shown.map((m) => m.seq), [2, 3, 4], 'same seq as first sent');
    // And the chat goes on both ways.
    a.engine.send(w.b.id, 'after', 'after', w.net.now);
    b2.engine.send(w.a.id, 'hello again', 'h', w.net.now);
    w.net.flush();
    w.net.run(w.net.now + 2_000);
    assert.ok(a.of('delivered').some((d) => d.ref === 'after'));
    assert.ok(b2.of('delivered').some((d) => d.ref === 'h'));
    assert.equal(a.of('message').filter((m) => m.text === 'hello again').length, 1);
  });

  test('a message that arrives again under the same msgId (moved after its ack was lost) is shown once', () => {
    const w = connectPair([{ nat: 'none' }, { nat: 'none' }]);
    const b = w.b.client;
    const conv = b.engine.conversationWith(w.a.id) as Conversation;
    // What the conversation reports for a message, twice, as a replacement that moved it would.
    const route = (b.engine as unknown as { handleOutput(c: Conversation, o: ConversationOutput, now: number): void }).handleOutput.bind(b.engine);
    const msg: ConversationOutput = { kind: 'message', msgId: 'f'.repeat(32), seq: 9, text: 'once', sentAt: 1 };
    route(conv, msg, w.net.now);
    route(conv, msg, w.net.now);
    b.pollTransmit();
    assert.equal(b.of('message').filter((m) => m.text === 'once').length, 1);
    assert.equal(b.engine.dropCounts()['duplicate-message'], 1);
  });

  test('the chat stream hands over unacked messages without failing them', () => {
    const p = new ConversationPair().open();
    p.drop = (from) => from === 'b';
    const m1 = chat('one', 1);
    const m2 = chat('two', 2);
    p.a.send(m1, p.now);
    p.a.send(m2, p.now);
    p.pump();
    p.run(p.now + 200);
    const moved = p.a.retire();
    assert.deepEqual(moved.map((m) => m.msgId), [m1.msgId, m2.msgId]);
    p.pump();
    assert.deepEqual(p.of('a', 'undelivered'), []);
    assert.deepEqual(p.of('a', 'disconnected'), []);
    assert.equal(p.a.state, 'closed');
  });

  test('the table bounds replacements per peer and shows a msgId once', () => {
    let cid = 1;
    const table = new ConversationTable(identityA, () => cid++, undefined, 0);
    const peer = 'ab'.repeat(32);
    const made = [];
    for (let i = 0; i < MAX_REPLACEMENTS_PER_PEER + 2; i++) {
      const c = table.openReplacement(peer, 'bob', i);
      assert.ok(c);
      c.remoteCid = 500 + i;
      made.push(c);
    }
    assert.equal(table.withPeer(peer), undefined, 'a replacement is not listed under the peer');
    assert.equal(made.filter((c) => table.isReplacement(c)).length, MAX_REPLACEMENTS_PER_PEER, 'older ones evicted');
    assert.equal(table.replacementFor(peer, 500 + MAX_REPLACEMENTS_PER_PEER + 1), made.at(-1));
    assert.equal(table.firstSight(peer, 'x'.repeat(32)), true);
    assert.equal(table.firstSight(peer, 'x'.repeat(32)), false);
    assert.equal(table.firstSight('cd'.repeat(32), 'x'.repeat(32)), true, 'per peer');
  });
});
