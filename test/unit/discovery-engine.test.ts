// The discovery server engine with a fake clock and fake endpoints: no sockets, no sleeps.
// The wall clock is the fake clock (ts = now), and the token key is fixed: reproducible.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { encode as cborEncode } from 'cbor-x';
import { decodeMessage, encode } from '../../src/codec.ts';
import { HEARTBEAT_BURST, MAX_DATAGRAM_BYTES, PROTOCOL_VERSION, REGISTER_BURST, REGISTRY_ENTRY_TTL_MS, SERVER_SWEEP_INTERVAL_MS, SOURCE_BURST } from '../../src/constants.ts';
import { Identity } from '../../src/crypto/identity.ts';
import { signRegistration, verifyIntroduce, verifyRegistered } from '../../src/crypto/signed.ts';
import { MsgType, type Endpoint, type Message, type MessageOf } from '../../src/wire.ts';
import { DiscoveryServerEngine, type ServerEvent } from '../../discovery/core/server-engine.ts';
import { SignedRegistrations } from '../../discovery/core/register-auth.ts';

const A: Endpoint = ['203.0.113.10', 40000];
const B: Endpoint = ['198.51.100.20', 50000];
const STRANGER: Endpoint = ['192.0.2.99', 1234];
const alice = Identity.fromSeed(new Uint8Array(32).fill(1)) as Identity;
const bob = Identity.fromSeed(new Uint8Array(32).fill(2)) as Identity;
const carol = Identity.fromSeed(new Uint8Array(32).fill(3)) as Identity;
const idA = alice.id;
const idB = bob.id;

type Out = { to: Endpoint; msg: Message; size: number };

/** The key of the servers these tests run (registrations name it). */
const serverKey = Identity.fromSeed(new Uint8Array(32).fill(77)) as Identity;

function newEngine(): DiscoveryServerEngine {
  return new DiscoveryServerEngine({ wallClock: (now) => now, tokenSecret: new Uint8Array(32).fill(9), serverKey });
}

function register(who: Identity, name: string, ts: number, lan: Endpoint[] = [], server: Uint8Array = serverKey.publicKey): MessageOf<typeof MsgType.Register> {
  const proof = signRegistration(who, { id: who.id, name, lan, timestamp: ts, server });
  return { t: MsgType.Register, id: who.id, name, lan, pk: proof.publicKey, ts, sig: proof.signature, srv: server };
}

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

type PeerEvent = Extract<ServerEvent, { peer: unknown }>;

/** The membership events (join, leave, endpoint, rename); the other kinds: server-events.test.ts. */
function events(engine: DiscoveryServerEngine): PeerEvent[] {
  const out: PeerEvent[] = [];
  for (let ev = engine.pollEvent(); ev; ev = engine.pollEvent()) if ('peer' in ev) out.push(ev);
  return out;
}

function only<T extends Message['t']>(outs: Out[], t: T): { to: Endpoint; msg: MessageOf<T>; size: number } {
  assert.equal(outs.length, 1, `one reply expected, got ${JSON.stringify(outs.map((o) => o.msg.t))}`);
  const [out] = outs as [Out];
  assert.equal(out.msg.t, t);
  return { to: out.to, msg: out.msg as MessageOf<T>, size: out.size };
}

/** Register, then echo the token: returns the token. */
function join(engine: DiscoveryServerEngine, who: Identity, name: string, from: Endpoint, now: number, lan: Endpoint[] = []): Uint8Array {
  engine.receive(encode(register(who, name, now, lan)), from, now);
  const reply = only(drain(engine), MsgType.Registered).msg;
  engine.receive(encode({ t: MsgType.Heartbeat, id: who.id, token: reply.token }), from, now);
  const proven = only(drain(engine), MsgType.Registered).msg;
  assert.equal(proven.proven, true);
  return proven.token;
}

function withTwoPeers(): { engine: DiscoveryServerEngine; tokenA: Uint8Array; tokenB: Uint8Array } {
  const engine = newEngine();
  const tokenA = join(engine, alice, 'alice', A, 0, [['10.0.0.2', 40000], A]);
  const tokenB = join(engine, bob, 'bob', B, 0);
  events(engine);
  return { engine, tokenA, tokenB };
}

describe('DiscoveryServerEngine: registration', () => {
  it('lists a client only once its token comes back from the address it registered from', () => {
    const engine = newEngine();
    const req = encode(register(alice, 'alice', 0));
    engine.receive(req, A, 0);
    const reply = only(drain(engine), MsgType.Registered);
    assert.deepEqual(reply.to, A);
    assert.deepEqual(reply.msg.observed, A);
    assert.equal(reply.msg.ttlMs, REGISTRY_ENTRY_TTL_MS);
    assert.equal(reply.msg.token.length, 16);
    assert.equal(reply.msg.proven, undefined);
    assert.ok(reply.size < req.length, `Registered (${reply.size} B) is smaller than Register (${req.length} B)`);
    assert.equal(engine.registry.size, 0, 'not listed before the address is proven');

    engine.receive(encode({ t: MsgType.Heartbeat, id: idA, token: reply.msg.token }), A, 10);
    assert.equal(only(drain(engine), MsgType.Registered).msg.proven, true);
    assert.deepEqual(events(engine), [{ type: 'join', peer: { id: idA, name: 'alice', observed: A } }]);
    assert.equal(engine.registry.size, 1);
  });

  it('refuses forged registrations: another key for the id, a bad signature, a replay, a stale clock', () => {
    const { engine } = withTwoPeers();
    const wrongKey = { ...register(carol, 'mallory', 100), id: idA };
    const good = register(alice, 'mallory', 100);
    const badSig = { ...good, sig: Uint8Array.from(good.sig, (b, i) => (i === 0 ? b ^ 1 : b)) };
    const stale = register(alice, 'mallory', 100 + 61_000);
    engine.receive(encode(wrongKey), STRANGER, 100);
    engine.receive(encode(badSig), STRANGER, 100);
    engine.receive(encode(stale), STRANGER, 100);
    const replayed = register(alice, 'alice', 0, [['10.0.0.2', 40000], A]); // what alice sent at 0
    engine.receive(encode(replayed), STRANGER, 100);
    const drops = engine.stats().drops;
    assert.equal(drops['register-id-mismatch'], 1);
    assert.equal(drops['register-bad-signature'], 1);
    assert.equal(drops['register-stale'], 1);
    assert.equal(drops['register-replayed'], 1);
    const replies = drain(engine);
    assert.ok(replies.every((r) => r.msg.t === MsgType.ServerError && r.msg.code === 'UNAUTHORIZED'));
    assert.equal(engine.registry.get(idA)?.name, 'alice');
    assert.deepEqual(engine.registry.get(idA)?.observed, A);
    assert.deepEqual(events(engine), []);
  });

  it('refuses a heartbeat with a stolen token from another endpoint, and answers UNAUTHORIZED small', () => {
    const { engine, tokenA } = withTwoPeers();
    const hb = encode({ t: MsgType.Heartbeat, id: idA, token: tokenA });
    engine.receive(hb, STRANGER, 100);
    const err = only(drain(engine), MsgType.ServerError);
    assert.equal(err.msg.code, 'UNAUTHORIZED');
    assert.ok(err.size <= hb.length, `error ${err.size} B <= heartbeat ${hb.length} B`);
    assert.deepEqual(engine.registry.get(idA)?.observed, A);
    // A made-up token from alice's own address is refused too.
    engine.receive(encode({ t: MsgType.Heartbeat, id: idA, token: new Uint8Array(16) }), A, 100);
    assert.equal(engine.stats().drops['heartbeat-bad-token'], 2);
  });

  it('follows a NAT rebinding only through a fresh signed registration, proven from the new address', () => {
    const { engine, tokenA } = withTwoPeers();
    const moved: Endpoint = ['203.0.113.10', 40001];
    engine.receive(encode({ t: MsgType.Heartbeat, id: idA, token: tokenA }), moved, 5_000);
    assert.equal(only(drain(engine), MsgType.ServerError).msg.code, 'UNAUTHORIZED');
    join(engine, alice, 'alice', moved, 5_000);
    assert.deepEqual(events(engine), [{ type: 'endpoint', peer: { id: idA, name: 'alice', observed: moved }, previous: A }]);
    assert.equal(engine.nextTimeout(), 5_000, 'the refused heartbeat is summarised at once');
    engine.handleTimeout(5_000);
    assert.equal(engine.nextTimeout(), SERVER_SWEEP_INTERVAL_MS, 'the sweep comes before any expiry');
    engine.handleTimeout(REGISTRY_ENTRY_TTL_MS);
    assert.deepEqual(events(engine).map((e) => [e.type, e.peer.name]), [['leave', 'bob']]);
  });

  it('renames at once from a proven address, and gives a reused address to the id proven there last', () => {
    const { engine } = withTwoPeers();
    engine.receive(encode(register(alice, 'alicia', 100)), A, 100);
    assert.equal(only(drain(engine), MsgType.Registered).msg.proven, true);
    assert.deepEqual(events(engine), [{ type: 'rename', peer: { id: idA, name: 'alicia', observed: A }, previousName: 'alice' }]);
    engine.receive(encode(register(carol, 'carol', 200)), A, 200);
    // Carol would take alice's address: only once her token comes back from it.
    const pending = only(drain(engine), MsgType.Registered).msg;
    assert.equal(pending.proven, undefined);
    assert.deepEqual(events(engine), []);
    assert.equal(engine.registry.byEndpoint(A)?.name, 'alicia');
    engine.receive(encode({ t: MsgType.Heartbeat, id: carol.id, token: pending.token }), A, 200);
    drain(engine);
    assert.deepEqual(events(engine).map((e) => [e.type, e.peer.name]), [
      ['leave', 'alicia'],
      ['join', 'carol'],
    ]);
    assert.equal(engine.registry.byEndpoint(A)?.name, 'carol');
  });

  it('removes on Leave only with the holder’s token from the holder’s endpoint', () => {
    const { engine, tokenA } = withTwoPeers();
    engine.receive(encode({ t: MsgType.Leave, id: idA }), A, 100);
    engine.receive(encode({ t: MsgType.Leave, id: idA, token: tokenA }), B, 100);
    engine.receive(encode({ t: MsgType.Leave, id: idA, token: new Uint8Array(16) }), A, 100);
    assert.equal(engine.registry.size, 2);
    assert.equal(engine.stats().drops['leave-unauthorized'], 3);
    engine.receive(encode({ t: MsgType.Leave, id: idA, token: tokenA }), A, 100);
    assert.equal(engine.registry.size, 1);
    assert.deepEqual(drain(engine), [], 'Leave is not answered');
    assert.deepEqual(events(engine).map((e) => e.type === 'leave' && e.reason), ['left']);
  });

  it('keeps refusing a replayed Register while listed, after a move, and after the entry is gone', () => {
    const auth = new SignedRegistrations();
    const engine = new DiscoveryServerEngine({ wallClock: (now) => now, tokenSecret: new Uint8Array(32).fill(9), authorizer: auth, serverKey });
    const tokenA = join(engine, alice, 'alice', A, 0);
    assert.equal(auth.tracked, 0, 'a listed id keeps its replay record with its entry');
    const first = encode(register(alice, 'alice', 0));
    engine.receive(first, STRANGER, 10); // replayed while listed
    const moved = encode(register(alice, 'alice', 20));
    engine.receive(moved, B, 20); // a fresh one from a new address: pending there, still listed at A
    drain(engine);
    engine.receive(moved, STRANGER, 30); // that one replayed
    assert.equal(engine.stats().drops['register-replayed'], 2);
    engine.receive(encode({ t: MsgType.Leave, id: idA, token: tokenA }), A, 40);
    assert.equal(engine.registry.size, 0);
    assert.equal(auth.tracked, 1, 'the record goes back to the authorizer with the entry');
    engine.receive(moved, STRANGER, 50);
    engine.receive(first, STRANGER, 50);
    assert.equal(engine.stats().drops['register-replayed'], 4);
    drain(engine);
    // A fresh registration lists the id again, and its record moves back into the entry.
    join(engine, alice, 'alice', A, 60);
    assert.equal(auth.tracked, 0);
    engine.receive(encode(register(alice, 'alice', 60)), STRANGER, 70);
    assert.equal(engine.stats().drops['register-replayed'], 5);
    // Expired entries hand theirs back too, while a replay would still be fresh.
    engine.handleTimeout(60 + REGISTRY_ENTRY_TTL_MS);
    assert.equal(engine.registry.size, 0);
    assert.equal(auth.tracked, 1);
  });
});

describe('DiscoveryServerEngine: lists, introductions, relays', () => {
  it('introduces both peers at once, each with the other’s observed endpoint and labelled LAN candidates', () => {
    const { engine, tokenA } = withTwoPeers();
    engine.receive(encode({ t: MsgType.Connect, target: idB, token: tokenA }), A, 100);
    const outs = drain(engine);
    assert.equal(outs.length, 2);
    const toA = outs.find((o) => o.to[0] === A[0] && o.to[1] === A[1]);
    const toB = outs.find((o) => o.to[0] === B[0] && o.to[1] === B[1]);
    // Each is signed by the server for its recipient, with the server's clock (here: `now`).
    for (const [o, recipient] of [[toA, idA], [toB, idB]] as const) {
      const m = o?.msg as MessageOf<typeof MsgType.Introduce>;
      assert.equal(m.ts, 100);
      assert.ok(verifyIntroduce(serverKey.publicKey, { recipient, peer: m.peer, candidates: m.candidates, ts: 100 }, m.sig), 'signed for its recipient');
      assert.ok(!verifyIntroduce(serverKey.publicKey, { recipient: recipient === idA ? idB : idA, peer: m.peer, candidates: m.candidates, ts: 100 }, m.sig), 'for nobody else');
      delete m.ts;
      delete m.sig;
    }
    assert.deepEqual(toA?.msg, { t: MsgType.Introduce, peer: { id: idB, name: 'bob' }, candidates: [{ kind: 'public', addr: B }] });
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

  it('gives an unproven source no peer list, no introduction and no relay, even with a valid registration', () => {
    const { engine } = withTwoPeers();
    engine.receive(encode(register(carol, 'carol', 100)), STRANGER, 100);
    only(drain(engine), MsgType.Registered); // the token went to STRANGER, which never echoes it
    engine.receive(encode({ t: MsgType.ListPeers }), STRANGER, 100);
    engine.receive(encode({ t: MsgType.Connect, target: idA }), STRANGER, 100);
    engine.receive(encode({ t: MsgType.Relay, to: idA, data: new Uint8Array(100) }), STRANGER, 100);
    const outs = drain(engine);
    assert.ok(outs.every((o) => o.msg.t === MsgType.ServerError && o.to === STRANGER), JSON.stringify(outs.map((o) => o.msg)));
    assert.equal(engine.stats().drops['relay-not-registered'], 1);
    assert.equal(engine.registry.size, 2);
  });

  it('lists peers and says "unchanged" for a current version', () => {
    const { engine, tokenA } = withTwoPeers();
    engine.receive(encode({ t: MsgType.ListPeers, token: tokenA }), A, 100);
    const list = only(drain(engine), MsgType.PeerList).msg;
    assert.deepEqual(list.peers.map((p) => p.name).sort(), ['alice', 'bob']);
    assert.equal(list.total, 2);
    engine.receive(encode({ t: MsgType.ListPeers, ver: list.ver, token: tokenA }), A, 200);
    const { mac, ts, ...unchanged } = only(drain(engine), MsgType.PeerList).msg;
    assert.deepEqual(unchanged, { t: MsgType.PeerList, ver: list.ver, peers: [], unchanged: true, total: 2 });
    assert.ok(mac && ts === 200, 'MACed for alice, with the server clock');
    join(engine, carol, 'carol', STRANGER, 300);
    engine.receive(encode({ t: MsgType.ListPeers, ver: list.ver, token: tokenA }), A, 400);
    assert.equal(only(drain(engine), MsgType.PeerList).msg.peers.length, 3);
  });

  it('rate-limits Connect per identity, so introductions cannot be aimed as a flood', () => {
    const { engine, tokenA } = withTwoPeers();
    for (let i = 0; i < 100; i++) engine.receive(encode({ t: MsgType.Connect, target: idB, token: tokenA }), A, 100);
    assert.equal(drain(engine).length, 2 * 20, 'the burst of 20, two Introduces each');
    assert.equal(engine.stats().drops['connect-rate-limited'], 80);
    engine.receive(encode({ t: MsgType.Connect, target: idB, token: tokenA }), A, 1_100);
    assert.equal(drain(engine).length, 2, 'refilled after a second');
  });

  it('relays opaque bytes between registered peers, rate-limited per identity', () => {
    const { engine, tokenB } = withTwoPeers();
    const data = new Uint8Array([1, 2, 3]);
    engine.receive(encode({ t: MsgType.Connect, target: idA, token: tokenB }), B, 900); // bob asked for alice: the relay may carry alice's datagrams to him
    drain(engine);
    engine.receive(encode({ t: MsgType.Relay, to: idB, data }), A, 1_000);
    const fwd = only(drain(engine), MsgType.Relayed);
    assert.deepEqual(fwd.to, B);
    assert.equal(fwd.msg.from, idA);
    for (let i = 0; i < 1_000; i++) engine.receive(encode({ t: MsgType.Relay, to: idB, data }), A, 1_000);
    assert.equal(drain(engine).length, 399, 'the burst of 400, one already used');
    assert.equal(engine.stats().drops['relay-rate-limited'], 601);
    for (let i = 0; i < 300; i++) engine.receive(encode({ t: MsgType.Relay, to: idB, data }), A, 2_000);
    assert.equal(drain(engine).length, 200, 'one second later, 200 more');
    engine.receive(encode({ t: MsgType.Relay, to: idA, data }), B, 2_000);
    assert.deepEqual(only(drain(engine), MsgType.Relayed).to, A, 'bob has his own bucket');
    engine.receive(encode({ t: MsgType.Relay, to: 'c'.repeat(32), data }), B, 2_000);
    assert.equal(only(drain(engine), MsgType.ServerError).msg.code, 'UNKNOWN_PEER');
  });
});

describe('DiscoveryServerEngine: rate limits and bounds', () => {
  it('limits every request per source endpoint: a flooding source does not starve another', () => {
    const { engine, tokenA, tokenB } = withTwoPeers();
    for (let i = 0; i < 1_000; i++) engine.receive(encode({ t: MsgType.ListPeers, token: tokenA }), A, 1_000);
    assert.equal(drain(engine).length, SOURCE_BURST);
    assert.equal(engine.stats().drops['source-rate-limited'], 1_000 - SOURCE_BURST);
    engine.receive(encode({ t: MsgType.ListPeers, token: tokenB }), B, 1_000);
    assert.equal(only(drain(engine), MsgType.PeerList).to, B, 'bob is served');
  });

  it('limits signed registrations and heartbeats per identity, whatever the number of sources', () => {
    const engine = newEngine();
    for (let i = 0; i < 50; i++) engine.receive(encode(register(alice, 'alice', 1 + i)), ['192.0.2.1', 1000 + i], 100);
    assert.equal(drain(engine).length, REGISTER_BURST);
    assert.equal(engine.stats().drops['register-rate-limited'], 50 - REGISTER_BURST);
    const { engine: e2, tokenA } = withTwoPeers();
    for (let i = 0; i < 50; i++) e2.receive(encode({ t: MsgType.Heartbeat, id: idA, token: tokenA }), A, 100);
    assert.equal(drain(e2).length, HEARTBEAT_BURST - 1, 'the burst, less the heartbeat that joined');
    assert.ok((e2.stats().drops['heartbeat-rate-limited'] ?? 0) > 0);
  });

  it('rate-limits error replies server-wide, so they cannot be used as a flood', () => {
    const engine = newEngine();
    const hb = encode({ t: MsgType.Heartbeat, id: idA, token: new Uint8Array(16) });
    for (let i = 0; i < 1_000; i++) engine.receive(hb, [STRANGER[0], 1000 + i], 0);
    assert.equal(drain(engine).length, 100);
    assert.equal(engine.stats().drops['error-reply-rate-limited'], 900);
  });

  it('keeps per-source state bounded, and sweeps idle sources and pending registrations', () => {
    const engine = newEngine();
    const req = encode({ t: MsgType.ListPeers });
    for (let i = 0; i < 60_000; i++) engine.receive(req, [`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 9], 0);
    engine.receive(encode(register(carol, 'carol', 0)), STRANGER, 0);
    const tracked = engine.stats().tracked;
    assert.ok(tracked.sources <= 50_000, `sources ${tracked.sources}`);
    assert.equal(tracked.pending, 1);
    engine.handleTimeout(SERVER_SWEEP_INTERVAL_MS * 7);
    assert.deepEqual(engine.stats().tracked, { sources: 0, identities: 0, pending: 0 });
    assert.equal(engine.nextTimeout(), undefined, 'nothing left to sweep or expire');
  });

  it('drops hostile and misdirected bytes, counted by reason, without throwing or answering', () => {
    const { engine } = withTwoPeers();
    const hostile: [string, Uint8Array][] = [
      ['empty', new Uint8Array(0)],
      ['oversized', new Uint8Array(MAX_DATAGRAM_BYTES + 1)],
      ['not-a-map', cborEncode([1, 2, 3])],
      ['bad-version', cborEncode({ v: PROTOCOL_VERSION + 1, t: MsgType.ListPeers })],
      ['unknown-type', cborEncode({ v: PROTOCOL_VERSION, t: 99 })],
      ['bad-shape', cborEncode({ v: PROTOCOL_VERSION, t: MsgType.Register, id: idA, name: 'x', lan: [] })], // unsigned
      ['bad-shape', cborEncode({ v: PROTOCOL_VERSION, t: MsgType.Heartbeat, id: idA, token: 'x' })],
      ['bad-shape', cborEncode({ v: PROTOCOL_VERSION, t: MsgType.Connect, target: idB, extra: 1 })],
      ['bad-shape', cborEncode({ v: PROTOCOL_VERSION, t: MsgType.Connect, target: new Set([1]) })],
      ['bad-shape', cborEncode({ v: PROTOCOL_VERSION, t: MsgType.Connect, target: /x/ })],
      ['malformed', new Uint8Array([0xbb, 0, 0, 0, 1, 0, 0, 0, 0])],
      ['malformed', new Uint8Array([0x9a, 0x40, 0, 0, 0])],
      ['unexpected-type', encode({ t: MsgType.Registered, observed: A, ttlMs: 1, token: new Uint8Array(16) })],
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
    for (let i = 0; i < 2_000; i++) assert.doesNotThrow(() => engine.receive(randomBytes(1 + (i % 1200)), STRANGER, 0));
    const counted = Object.values(engine.stats().drops).reduce((a, b) => a + b, 0);
    assert.equal(counted, hostile.length + 2_000, 'every random datagram was dropped and counted');
    assert.deepEqual(drain(engine), []);
    assert.equal(engine.registry.size, 2, 'nothing joined or left');
    assert.equal(engine.stats().drops['internal-error'], undefined, 'no datagram reached the catch-all');
  });
});

describe('DiscoveryServerEngine: bound to its key', () => {
  it('signs its answer to a Register with its key, over the client’s registration signature', () => {
    const engine = newEngine();
    const reg = register(alice, 'alice', 0);
    engine.receive(encode(reg), A, 0);
    const reply = only(drain(engine), MsgType.Registered).msg;
    assert.ok(verifyRegistered(serverKey.publicKey, { registerSig: reg.sig, observed: reply.observed, token: reply.token }, reply.ssig));
    assert.ok(!verifyRegistered(Identity.generate().publicKey, { registerSig: reg.sig, observed: reply.observed, token: reply.token }, reply.ssig));
  });

  it('refuses a Register made for another server (a replay) with WRONG_SERVER and its own key; a keyless one learns the key', () => {
    const engine = newEngine();
    const elsewhere = Identity.generate().publicKey;
    engine.receive(encode(register(bob, 'bob', 0, [], elsewhere)), STRANGER, 0);
    const refusal = only(drain(engine), MsgType.ServerError);
    assert.equal(refusal.msg.code, 'WRONG_SERVER');
    assert.deepEqual([...(refusal.msg.key ?? [])], [...serverKey.publicKey]);
    const { srv: _srv, ...keyless } = register(bob, 'bob', 1);
    engine.receive(encode(keyless), B, 1);
    assert.equal(only(drain(engine), MsgType.ServerError).msg.code, 'WRONG_SERVER');
    assert.equal(engine.registry.size, 0);
    assert.equal(engine.stats().tracked.pending, 0, 'nothing is held for a refused registration');
    assert.equal(engine.stats().drops['register-wrong-server'], 1);
    assert.equal(engine.stats().drops['register-no-server-key'], 1);
  });

  it('answers a name that is not valid and normalised with BAD_NAME, and keeps only LAN-range candidates', () => {
    const engine = newEngine();
    for (const name of ['bob\u200b', 'ｂｏｂ', ' bob', 'a\u202eb']) {
      engine.receive(encode(register(bob, name, 0)), B, 0);
      assert.equal(only(drain(engine), MsgType.ServerError).msg.code, 'BAD_NAME', JSON.stringify(name));
    }
    join(engine, carol, 'carol', B, 10, [['10.0.0.7', 1], ['8.8.8.8', 53], ['224.0.0.1', 5], ['127.0.0.1', 9]]);
    assert.deepEqual(engine.registry.get(carol.id)?.lan, [['10.0.0.7', 1], ['127.0.0.1', 9]]);
  });

  it('a Register that would take a listed address (a spoofed source) only earns a token sent to that address', () => {
    const { engine } = withTwoPeers();
    events(engine);
    // Signed by the attacker's own key, "from" bob's address: bob gets the Registered (small), nobody moves.
    engine.receive(encode(register(carol, 'bob', 100)), B, 100);
    const outs = drain(engine);
    assert.equal(outs.length, 1);
    assert.deepEqual(outs[0]!.to, B);
    assert.equal((outs[0]!.msg as MessageOf<typeof MsgType.Registered>).proven, undefined);
    assert.equal(engine.registry.byEndpoint(B)?.id, idB, 'bob keeps his address');
    assert.equal(engine.registry.get(carol.id), undefined);
    assert.deepEqual(events(engine), []);
    // And alice's id registered from a new address does not move her until proven there.
    engine.receive(encode(register(alice, 'alice', 110)), STRANGER, 110);
    drain(engine);
    assert.deepEqual(engine.registry.get(idA)?.observed, A);
  });

  it('answers ListPeers and Connect only with the address token of the entry listed at the source', () => {
    const { engine, tokenA, tokenB } = withTwoPeers();
    engine.receive(encode({ t: MsgType.ListPeers }), A, 100); // spoofed from alice's address: no token
    engine.receive(encode({ t: MsgType.ListPeers, token: tokenB }), A, 100); // bob's token, alice's address
    engine.receive(encode({ t: MsgType.Connect, target: idB }), A, 100);
    assert.deepEqual(drain(engine), [], 'nothing is sent to alice (or bob) for a request without proof');
    assert.equal(engine.stats().drops['request-bad-token'], 3);
    engine.receive(encode({ t: MsgType.ListPeers, token: tokenA }), A, 100);
    assert.equal(only(drain(engine), MsgType.PeerList).to, A);
  });
});
