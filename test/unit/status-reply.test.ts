// The status request at the server, with a fake clock: the reply is signed by the server key
// over the request's nonce and every figure (a changed figure, another nonce or another key
// fails the check), it is never larger than the request, an unpadded request earns nothing,
// and a flood is bounded by the server-wide bucket.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { decodeMessage, encode } from '../../src/codec.ts';
import { Identity } from '../../src/crypto/identity.ts';
import { signRegistration } from '../../src/crypto/signed.ts';
import { MsgType, STATUS_NONCE_BYTES, STATUS_REQUEST_MIN_BYTES, type Endpoint, type Message } from '../../src/wire.ts';
import { DiscoveryServerEngine } from '../../discovery/core/server-engine.ts';
import { STATUS_REPLY_BURST, dropPairs, statusRequest, verifyStatus, type StatusReply } from '../../discovery/core/status.ts';

const VIEW: Endpoint = ['192.0.2.7', 5555];
const A: Endpoint = ['203.0.113.10', 40000];
const alice = Identity.fromSeed(new Uint8Array(32).fill(1)) as Identity;

const newEngine = () => new DiscoveryServerEngine({ tokenSecret: new Uint8Array(32).fill(9) });

function transmits(engine: DiscoveryServerEngine): { to: Endpoint; bytes: Uint8Array }[] {
  const out: { to: Endpoint; bytes: Uint8Array }[] = [];
  for (let tx = engine.pollTransmit(); tx; tx = engine.pollTransmit()) out.push(tx);
  return out;
}

function ask(engine: DiscoveryServerEngine, now: number, nonce = new Uint8Array(randomBytes(STATUS_NONCE_BYTES))): { request: Uint8Array; replies: { to: Endpoint; bytes: Uint8Array }[]; nonce: Uint8Array } {
  const request = statusRequest(nonce);
  engine.receive(request, VIEW, now);
  return { request, replies: transmits(engine), nonce };
}

const asReply = (bytes: Uint8Array): StatusReply => {
  const msg = decodeMessage(bytes) as Message;
  assert.equal(msg.t, MsgType.StatusReply);
  return msg as StatusReply;
};

describe('status request (server)', () => {
  it('answers with the figures, signed by the server key over the nonce', () => {
    const engine = newEngine();
    // Some history: a client registers, and garbage is dropped.
    const server = engine.serverKey.publicKey;
    const proof = signRegistration(alice, { id: alice.id, name: 'alice', lan: [], timestamp: 0, server });
    engine.receive(encode({ t: MsgType.Register, id: alice.id, name: 'alice', lan: [], pk: proof.publicKey, ts: 0, sig: proof.signature, srv: server }), A, 0);
    const registered = decodeMessage((transmits(engine)[0] as { bytes: Uint8Array }).bytes) as Message;
    assert.ok(registered.t === MsgType.Registered);
    engine.receive(encode({ t: MsgType.Heartbeat, id: alice.id, token: registered.token }), A, 0);
    engine.receive(new Uint8Array([1, 2, 3]), VIEW, 10);
    transmits(engine);
    const { request, replies, nonce } = ask(engine, 2_500);
    assert.equal(replies.length, 1);
    const reply = asReply((replies[0] as { bytes: Uint8Array }).bytes);
    assert.deepEqual(replies[0]?.to, VIEW);
    assert.ok((replies[0]?.bytes.length ?? Infinity) <= request.length, 'never larger than the request');
    assert.deepEqual(reply.nonce, Buffer.from(nonce));
    assert.deepEqual(reply.pk, Buffer.from(server));
    assert.equal(reply.uptimeMs, 2_500);
    assert.equal(reply.clients, 1);
    assert.equal(reply.requests, 4);
    assert.equal(reply.mailboxDepth, 0);
    assert.deepEqual(Object.fromEntries(reply.drops), { malformed: 1 });
    assert.ok(verifyStatus(server, reply));
    // Another key, a changed figure, another nonce: refused.
    assert.equal(verifyStatus(Identity.generate().publicKey, reply), false);
    assert.equal(verifyStatus(server, { ...reply, clients: 7 }), false);
    assert.equal(verifyStatus(server, { ...reply, nonce: new Uint8Array(STATUS_NONCE_BYTES) }), false);
    assert.equal(verifyStatus(server, { ...reply, drops: [] }), false);
  });

  it('an unpadded request earns nothing; a padded one is never out-answered, even with many drop reasons', () => {
    const engine = newEngine();
    // Many distinct drop reasons make a long reply: it is trimmed to fit the request.
    for (let i = 0; i < 30; i++) engine.receive(encode({ t: MsgType.Heartbeat, id: alice.id, token: new Uint8Array(16) }), [`192.0.2.${i + 1}`, 1000], 0);
    for (let t = 20; t < 35; t++) engine.receive(encode({ v: 1, t } as unknown as Message), VIEW, 0);
    transmits(engine);
    const small = encode({ t: MsgType.StatusRequest, nonce: new Uint8Array(STATUS_NONCE_BYTES) });
    engine.receive(small, VIEW, 1);
    assert.deepEqual(transmits(engine), []);
    assert.equal(engine.stats().drops['status-request-too-small'], 1);
    const { request, replies } = ask(engine, 2);
    assert.equal(replies.length, 1);
    assert.ok(request.length >= STATUS_REQUEST_MIN_BYTES);
    assert.ok((replies[0] as { bytes: Uint8Array }).bytes.length <= request.length);
    assert.ok(verifyStatus(engine.serverKey.publicKey, asReply((replies[0] as { bytes: Uint8Array }).bytes)));
    const amp = engine.amplification();
    assert.ok(amp.worstRatio <= 1, `worst ratio ${amp.worstRatio}`);
  });

  it('a flood from many sources is bounded by the server-wide bucket', () => {
    const engine = newEngine();
    let answered = 0;
    for (let i = 0; i < STATUS_REPLY_BURST + 50; i++) {
      engine.receive(statusRequest(new Uint8Array(STATUS_NONCE_BYTES).fill(i % 256)), [`198.51.100.${i % 250}`, 2000 + i], 1_000);
      answered += transmits(engine).length;
    }
    assert.equal(answered, STATUS_REPLY_BURST);
    assert.equal(engine.stats().drops['status-rate-limited'], 50);
  });

  it('dropPairs: largest first, bounded', () => {
    const counts = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`r${i}`, i + 1]));
    const pairs = dropPairs(counts);
    assert.equal(pairs.length, 40);
    assert.deepEqual(pairs[0], ['r59', 60]);
  });
});
