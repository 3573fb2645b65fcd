// The discovery server engine with a fake clock and fake endpoints: no sockets, no sleeps.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { encode as cborEncode } from 'cbor-x';
import { decodeMessage, encode } from '../../src/codec.ts';
import { MAX_DATAGRAM_BYTES, PROTOCOL_VERSION, REGISTRY_ENTRY_TTL_MS } from '../../src/constants.ts';
import { MsgType, type Endpoint, type Message, type MessageOf } from '../../src/wire.ts';
import { DiscoveryServerEngine, type ServerEvent } from '../../discovery/server-engine.ts';

const A: Endpoint = ['203.0.113.10', 40000];
const B: Endpoint = ['198.51.100.20', 50000];
const STRANGER: Endpoint = ['192.0.2.99', 1234];
const idA = 'a'.repeat(64);
const idB = 'b'.repeat(64);

type Out = { to: Endpoint; msg: Message; size: number };

function drain(engine: DiscoveryServerEngine): Out[] {
  const out: Out[] = [];
  for (let tx = engine.pollTransmit(); tx; tx = engine.pollTransmit()) {
    const msg = decodeMessage(tx.bytes);
    assert.ok(msg, 'the server only sends valid messages');
    assert.ok(tx.bytes.length <= MAX_DATAGRAM_BYTES);
    out.push({ to: tx.to, msg, size: tx.bytes.length });
  }
  return out;
}

function events(engine: DiscoveryServerEngine): ServerEvent[] {
  const out: ServerEvent[] = [];
  for (let ev = engine.pollEvent(); ev; ev = engine.pollEvent()) out.push(ev);
  return out;
}

function only<T extends Message['t']>(outs: Out[], t: T): { to: Endpoint; msg: MessageOf<T> } {
  assert.equal(outs.length, 1, `one reply expected, got ${JSON.stringify(outs.map((o) => o.msg.t))}`);
  const [out] = outs as [Out];
  assert.equal(out.msg.t, t);
  return { to: out.to, msg: out.msg as MessageOf<T> };
}

function withTwoPeers(): DiscoveryServerEngine {
  const engine = new DiscoveryServerEngine();
  engine.receive(encode({ t: MsgType.Register, id: idA, name: 'alice', lan: [['10.0.0.2', 40000], A] }), A, 0);
  engine.receive(encode({ t: MsgType.Register, id: idB, name: 'bob', lan: [] }), B, 0);
  drain(engine);
  events(engine);
  return engine;
}

describe('DiscoveryServerEngine', () => {
  it('registers a client and reflects its observed endpoint', () => {
    const engine = new DiscoveryServerEngine();
    engine.receive(encode({ t: MsgType.Register, id: idA, name: 'alice', lan: [] }), A, 0);
    const reply = only(drain(engine), MsgType.Registered);
    assert.deepEqual(reply.to, A);
    assert.deepEqual(reply.msg.observed, A);
    assert.equal(reply.msg.ttlMs, REGISTRY_ENTRY_TTL_MS);
    assert.deepEqual(events(engine), [{ type: 'join', peer: { id: idA, name: 'alice', observed: A } }]);
    assert.equal(engine.nextTimeout(), REGISTRY_ENTRY_TTL_MS);
  });

  it('follows a client whose NAT mapping changed, and expires it after the TTL', () => {
    const engine = withTwoPeers();
    const moved: Endpoint = ['203.0.113.10', 40001];
    engine.receive(encode({ t: MsgType.Register, id: idA, name: 'alice', lan: [] }), moved, 5_000);
    assert.deepEqual(only(drain(engine), MsgType.Registered).msg.observed, moved);
    assert.deepEqual(events(engine), [{ type: 'endpoint', peer: { id: idA, name: 'alice', observed: moved }, previous: A }]);
    assert.equal(engine.nextTimeout(), REGISTRY_ENTRY_TTL_MS, 'bob, registered at 0, expires first');
    engine.handleTimeout(REGISTRY_ENTRY_TTL_MS);
    assert.deepEqual(events(engine).map((e) => [e.type, e.peer.name]), [['leave', 'bob']]);
    assert.equal(engine.nextTimeout(), 5_000 + REGISTRY_ENTRY_TTL_MS);
  });

  it('introduces both peers at once, each with the other’s candidates', () => {
    const engine = withTwoPeers();
    engine.receive(encode({ t: MsgType.Connect, target: idB }), A, 100);
    const outs = drain(engine);
    assert.equal(outs.length, 2);
    const toA = outs.find((o) => o.to === A || (o.to[0] === A[0] && o.to[1] === A[1]));
    const toB = outs.find((o) => o.to[0] === B[0] && o.to[1] === B[1]);
    assert.deepEqual(toA?.msg, {
      t: MsgType.Introduce,
      peer: { id: idB, name: 'bob' },
      candidates: [{ kind: 'public', addr: B }],
    });
    // Alice's LAN list repeats her public endpoint: it appears once, as public.
    assert.deepEqual(toB?.msg, {
      t: MsgType.Introduce,
      peer: { id: idA, name: 'alice' },
      candidates: [
        { kind: 'public', addr: A },
        { kind: 'lan', addr: ['10.0.0.2', 40000] },
      ],
    });
  });

  it('rate-limits Connect per source, so introductions cannot be aimed as a flood', () => {
    const engine = withTwoPeers();
    for (let i = 0; i < 100; i++) engine.receive(encode({ t: MsgType.Connect, target: idB }), A, 100);
    assert.equal(drain(engine).length, 2 * 20, 'the burst of 20, two Introduces each');
    assert.equal(engine.stats().drops['connect-rate-limited'], 80);
    engine.receive(encode({ t: MsgType.Connect, target: idB }), A, 1_100);
    assert.equal(drain(engine).length, 2, 'refilled after a second');
  });

  it('answers UNKNOWN_PEER for a target it does not know', () => {
    const engine = withTwoPeers();
    const target = 'c'.repeat(64);
    engine.receive(encode({ t: MsgType.Connect, target }), A, 100);
    const reply = only(drain(engine), MsgType.ServerError);
    assert.equal(reply.msg.code, 'UNKNOWN_PEER');
    assert.equal(reply.msg.target, target);
  });

  it('lists peers only to registered sources, and says "unchanged" for a current version', () => {
    const engine = withTwoPeers();
    engine.receive(encode({ t: MsgType.ListPeers }), STRANGER, 100);
    const refused = only(drain(engine), MsgType.ServerError);
    assert.equal(refused.msg.code, 'NOT_REGISTERED');
    assert.ok(refused.msg.message.length < 40, 'small: no amplification');

    engine.receive(encode({ t: MsgType.ListPeers }), A, 100);
    const list = only(drain(engine), MsgType.PeerList).msg;
    assert.deepEqual(list.peers, [
      { id: idA, name: 'alice' },
      { id: idB, name: 'bob' },
    ]);
    assert.equal(list.total, 2);
    assert.equal(list.next, undefined);

    engine.receive(encode({ t: MsgType.ListPeers, ver: list.ver }), A, 200);
    assert.deepEqual(only(drain(engine), MsgType.PeerList).msg, { t: MsgType.PeerList, ver: list.ver, peers: [], unchanged: true, total: 2 });

    engine.receive(encode({ t: MsgType.Register, id: 'c'.repeat(64), name: 'carol', lan: [] }), STRANGER, 300);
    drain(engine);
    engine.receive(encode({ t: MsgType.ListPeers, ver: list.ver }), A, 400);
    const changed = only(drain(engine), MsgType.PeerList).msg;
    assert.notEqual(changed.ver, list.ver);
    assert.equal(changed.peers.length, 3);
  });

  it('removes on Leave only from the id’s own endpoint', () => {
    const engine = withTwoPeers();
    engine.receive(encode({ t: MsgType.Leave, id: idA }), B, 100);
    assert.equal(engine.registry.size, 2);
    assert.equal(engine.stats().drops['leave-not-owner'], 1);
    engine.receive(encode({ t: MsgType.Leave, id: idA }), A, 100);
    assert.equal(engine.registry.size, 1);
    assert.deepEqual(drain(engine), [], 'Leave is not answered');
    assert.deepEqual(events(engine).map((e) => e.type === 'leave' && e.reason), ['left']);
  });

  it('relays opaque bytes between registered peers, rate-limited per source', () => {
    const engine = withTwoPeers();
    const data = new Uint8Array([1, 2, 3]);
    engine.receive(encode({ t: MsgType.Relay, to: idB, data }), A, 1_000);
    const fwd = only(drain(engine), MsgType.Relayed);
    assert.deepEqual(fwd.to, B);
    assert.equal(fwd.msg.from, idA);
    assert.deepEqual([...fwd.msg.data], [1, 2, 3]);

    // A burst of 1,000 at one instant: the burst allowance (400, one already used) passes, the rest drop.
    for (let i = 0; i < 1_000; i++) engine.receive(encode({ t: MsgType.Relay, to: idB, data }), A, 1_000);
    assert.equal(drain(engine).length, 399);
    assert.equal(engine.stats().drops['relay-rate-limited'], 601);
    // One second later, 200 more tokens.
    for (let i = 0; i < 300; i++) engine.receive(encode({ t: MsgType.Relay, to: idB, data }), A, 2_000);
    assert.equal(drain(engine).length, 200);
    // Bob has his own bucket.
    engine.receive(encode({ t: MsgType.Relay, to: idA, data }), B, 2_000);
    assert.deepEqual(only(drain(engine), MsgType.Relayed).to, A);
    assert.equal(engine.stats().relayed, 1 + 399 + 200 + 1);
  });

  it('drops relays from strangers silently and relays to unknown peers with an error', () => {
    const engine = withTwoPeers();
    engine.receive(encode({ t: MsgType.Relay, to: idB, data: new Uint8Array(1000) }), STRANGER, 0);
    assert.deepEqual(drain(engine), []);
    engine.receive(encode({ t: MsgType.Relay, to: 'c'.repeat(64), data: new Uint8Array(1) }), A, 0);
    assert.equal(only(drain(engine), MsgType.ServerError).msg.code, 'UNKNOWN_PEER');
    assert.deepEqual(engine.stats().drops, { 'relay-not-registered': 1, 'relay-unknown-peer': 1 });
  });

  it('rate-limits error replies server-wide, so they cannot be used as a flood', () => {
    const engine = new DiscoveryServerEngine();
    for (let i = 0; i < 1_000; i++) engine.receive(encode({ t: MsgType.ListPeers }), [STRANGER[0], 1000 + i], 0);
    const outs = drain(engine);
    assert.equal(outs.length, 100);
    assert.equal(engine.stats().drops['error-reply-rate-limited'], 900);
  });

  it('drops hostile and misdirected bytes, counted by reason, without throwing or answering', () => {
    const engine = withTwoPeers();
    const hostile: [string, Uint8Array][] = [
      ['empty', new Uint8Array(0)],
      ['oversized', new Uint8Array(MAX_DATAGRAM_BYTES + 1)],
      ['not-a-map', cborEncode([1, 2, 3])],
      ['bad-version', cborEncode({ v: PROTOCOL_VERSION + 1, t: MsgType.ListPeers })],
      ['unknown-type', cborEncode({ v: PROTOCOL_VERSION, t: 99 })],
      ['bad-shape', cborEncode({ v: PROTOCOL_VERSION, t: MsgType.Register, id: 'NOT HEX', name: 'x', lan: [] })],
      ['bad-shape', cborEncode({ v: PROTOCOL_VERSION, t: MsgType.Connect, target: idB, extra: 1 })],
      // A Set (tag 258) and a RegExp (tag 27) where a string is expected.
      ['bad-shape', cborEncode({ v: PROTOCOL_VERSION, t: MsgType.Connect, target: new Set([1]) })],
      ['bad-shape', cborEncode({ v: PROTOCOL_VERSION, t: MsgType.Connect, target: /x/ })],
      // A map claiming 2^32 entries, and an array claiming a billion.
      ['malformed', new Uint8Array([0xbb, 0, 0, 0, 1, 0, 0, 0, 0])],
      ['malformed', new Uint8Array([0x9a, 0x40, 0, 0, 0])],
      // Server-to-client and peer-to-peer types are never answered.
      ['unexpected-type', encode({ t: MsgType.Registered, observed: A, ttlMs: 1 })],
      ['unexpected-type', encode({ t: MsgType.Punch, from: idA, to: idB, name: 'x', cid: 1 })],
      ['unexpected-type', encode({ t: MsgType.Ping, cid: 1 })],
    ];
    const expected: Record<string, number> = {};
    for (const [reason, bytes] of hostile) {
      assert.doesNotThrow(() => engine.receive(bytes, A, 0), reason);
      expected[reason] = (expected[reason] ?? 0) + 1;
    }
    assert.deepEqual(engine.stats().drops, expected, 'each crafted datagram is counted under its reason');
    assert.deepEqual(drain(engine), [], 'none of them is answered');
    for (let i = 0; i < 2_000; i++) {
      assert.doesNotThrow(() => engine.receive(randomBytes(1 + (i % 1200)), STRANGER, 0));
    }
    const counted = Object.values(engine.stats().drops).reduce((a, b) => a + b, 0);
    assert.equal(counted, hostile.length + 2_000, 'every random datagram was dropped and counted');
    assert.deepEqual(drain(engine), []);
    assert.equal(engine.registry.size, 2, 'nothing joined or left');
  });

  it('gives a reused address to the id that registered from it last', () => {
    const engine = withTwoPeers();
    engine.receive(encode({ t: MsgType.Register, id: 'c'.repeat(64), name: 'carol', lan: [] }), A, 100);
    assert.deepEqual(
      events(engine).map((e) => [e.type, e.peer.name]),
      [
        ['leave', 'alice'],
        ['join', 'carol'],
      ],
    );
    assert.equal(engine.registry.byEndpoint(A)?.name, 'carol');
  });
});
