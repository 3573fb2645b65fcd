// The discovery server's event stream and snapshot, with a fake clock: each event type is
// emitted when its story happens, drop summaries come at most once a second, and a snapshot
// holds what a live view needs (no log lines parsed).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage, encode } from '../../src/codec.ts';
import { Identity } from '../../src/crypto/identity.ts';
import { signRegistration } from '../../src/crypto/signed.ts';
import { MsgType, type Endpoint, type Message } from '../../src/wire.ts';
import { DiscoveryServerEngine, type ServerEvent } from '../../discovery/core/server-engine.ts';
import { DROP_SUMMARY_INTERVAL_MS } from '../../discovery/core/drop-summary.ts';
import { RELAY_IDLE_STOP_MS } from '../../discovery/core/relay.ts';
import { describe as describeEvent } from '../../discovery/edge/log-view.ts';

const A: Endpoint = ['203.0.113.10', 40000];
const B: Endpoint = ['198.51.100.20', 50000];
const STRANGER: Endpoint = ['192.0.2.99', 1234];
const TTL = 5_000;
const alice = Identity.fromSeed(new Uint8Array(32).fill(1)) as Identity;
const bob = Identity.fromSeed(new Uint8Array(32).fill(2)) as Identity;

const newEngine = () => new DiscoveryServerEngine({ tokenSecret: new Uint8Array(32).fill(9), timings: { registryEntryTtlMs: TTL } });

function replies(engine: DiscoveryServerEngine): Message[] {
  const out: Message[] = [];
  for (let tx = engine.pollTransmit(); tx; tx = engine.pollTransmit()) out.push(decodeMessage(tx.bytes) as Message);
  return out;
}

function events(engine: DiscoveryServerEngine): ServerEvent[] {
  const out: ServerEvent[] = [];
  for (let ev = engine.pollEvent(); ev; ev = engine.pollEvent()) out.push(ev);
  return out;
}

/** A signed Register and the token echoed from the same address: returns the token. */
function join(engine: DiscoveryServerEngine, who: Identity, name: string, from: Endpoint, now: number, lan: Endpoint[] = []): Uint8Array {
  const server = engine.serverKey.publicKey;
  const proof = signRegistration(who, { id: who.id, name, lan, timestamp: now, server });
  engine.receive(encode({ t: MsgType.Register, id: who.id, name, lan, pk: proof.publicKey, ts: now, sig: proof.signature, srv: server }), from, now);
  const first = replies(engine).find((m) => m.t === MsgType.Registered);
  assert.ok(first && first.t === MsgType.Registered);
  engine.receive(encode({ t: MsgType.Heartbeat, id: who.id, token: first.token }), from, now);
  const proven = replies(engine).find((m) => m.t === MsgType.Registered);
  assert.ok(proven && proven.t === MsgType.Registered && proven.proven);
  return proven.token;
}

const peer = (who: Identity, name: string, observed: Endpoint) => ({ id: who.id, name, observed });

describe('server events', () => {
  it('join, rename, endpoint, introduction, leave and expiry, in the order they happen', () => {
    const engine = newEngine();
    const tokenA = join(engine, alice, 'alice', A, 0, [['10.0.0.2', 40000]]);
    join(engine, bob, 'bob', B, 0);
    assert.deepEqual(events(engine), [
      { type: 'join', peer: peer(alice, 'alice', A) },
      { type: 'join', peer: peer(bob, 'bob', B) },
    ]);
    join(engine, alice, 'alicia', A, 100);
    assert.deepEqual(events(engine), [{ type: 'rename', peer: peer(alice, 'alicia', A), previousName: 'alice' }]);
    const moved: Endpoint = ['203.0.113.10', 40001];
    const tokenAt = join(engine, alice, 'alicia', moved, 200);
    assert.deepEqual(events(engine), [{ type: 'endpoint', peer: peer(alice, 'alicia', moved), previous: A }]);
    engine.receive(encode({ t: MsgType.Connect, target: bob.id, token: tokenAt }), moved, 300);
    assert.equal(replies(engine).length, 2);
    assert.deepEqual(events(engine), [{ type: 'introduction', from: peer(alice, 'alicia', moved), to: peer(bob, 'bob', B) }]);
    const tokenMoved = join(engine, alice, 'alicia', moved, 400);
    events(engine);
    engine.receive(encode({ t: MsgType.Leave, id: alice.id, token: tokenMoved }), moved, 500);
    assert.deepEqual(events(engine), [{ type: 'leave', peer: peer(alice, 'alicia', moved), reason: 'left' }]);
    assert.ok(tokenA.length > 0);
    engine.handleTimeout(TTL);
    assert.deepEqual(
      events(engine).filter((e) => e.type !== 'drops'),
      [{ type: 'leave', peer: peer(bob, 'bob', B), reason: 'expired' }],
    );
  });

  it('relay_start on the first relayed datagram of a pair, relay_stop once it is idle', () => {
    const engine = new DiscoveryServerEngine({ tokenSecret: new Uint8Array(32).fill(9), timings: { registryEntryTtlMs: 3_600_000 } });
    join(engine, alice, 'alice', A, 0);
    const tokenB = join(engine, bob, 'bob', B, 0);
    engine.receive(encode({ t: MsgType.Connect, target: alice.id, token: tokenB }), B, 900); // bob asked for alice (relay consent)
    replies(engine);
    events(engine);
    const data = new Uint8Array([1, 2, 3]);
    engine.receive(encode({ t: MsgType.Relay, to: bob.id, data }), A, 1_000);
    engine.receive(encode({ t: MsgType.Relay, to: alice.id, data }), B, 1_010);
    engine.receive(encode({ t: MsgType.Relay, to: bob.id, data }), A, 11_000);
    assert.equal(replies(engine).length, 3);
    assert.deepEqual(events(engine), [{ type: 'relay_start', from: peer(alice, 'alice', A), to: peer(bob, 'bob', B) }], 'one start for the pair, whichever way');
    assert.deepEqual(engine.snapshot().relays, [{ a: { id: alice.id, name: 'alice' }, b: { id: bob.id, name: 'bob' }, since: 1_000, lastAt: 11_000, datagrams: 3, bytes: 9 }]);
    engine.handleTimeout(1_000 + RELAY_IDLE_STOP_MS);
    assert.deepEqual(events(engine), [], 'still active: the last datagram was at 11 s');
    engine.handleTimeout(11_000 + RELAY_IDLE_STOP_MS - 1);
    assert.deepEqual(events(engine), []);
    assert.ok((engine.nextTimeout() ?? Infinity) <= 11_000 + RELAY_IDLE_STOP_MS, 'a timer is armed for the stop');
    engine.handleTimeout(11_000 + RELAY_IDLE_STOP_MS);
    const [stop, ...rest] = events(engine);
    assert.deepEqual(rest, []);
    assert.equal(stop?.type, 'relay_stop');
    assert.equal(stop.type === 'relay_stop' && stop.pair.datagrams, 3);
    assert.deepEqual(engine.snapshot().relays, []);
    engine.receive(encode({ t: MsgType.Relay, to: bob.id, data }), A, 50_000);
    assert.deepEqual(events(engine).map((e) => e.type), ['relay_start'], 'relaying again after idling is a new start');
  });

  it('summarises drops by reason, at most once a second however many arrive', () => {
    const engine = newEngine();
    const garbage = new Uint8Array([0xff, 0, 1]);
    const summaries: ServerEvent[] = [];
    // 10 s of a flood: 100 datagrams every 10 ms, the driver handling every due timeout.
    for (let now = 0; now < 10_000; now += 10) {
      for (let i = 0; i < 100; i++) engine.receive(i % 2 ? garbage : encode({ t: MsgType.ListPeers }), [STRANGER[0], 1000 + i], now);
      replies(engine);
      const due = engine.nextTimeout();
      if (due !== undefined && due <= now) engine.handleTimeout(now);
      summaries.push(...events(engine));
    }
    engine.handleTimeout(20_000);
    summaries.push(...events(engine));
    const drops = summaries.filter((e) => e.type === 'drops');
    assert.equal(drops.length, summaries.length, 'nothing but drop summaries');
    assert.ok(drops.length >= 10 && drops.length <= 11, `${drops.length} summaries for 10 s`);
    const total = drops.reduce((n, e) => n + (e.type === 'drops' ? e.total : 0), 0);
    const counted = Object.values(engine.stats().drops).reduce((a, b) => a + b, 0);
    assert.equal(total, counted, 'every drop is in exactly one summary');
    const first = drops[0];
    assert.ok(first?.type === 'drops' && first.counts.malformed !== undefined, JSON.stringify(first));
    const times: number[] = [];
    // The summaries' spacing: replay with the engine's clock recorded.
    const e2 = newEngine();
    for (let now = 0; now < 3_000; now += 10) {
      e2.receive(garbage, STRANGER, now);
      const due = e2.nextTimeout();
      if (due !== undefined && due <= now) e2.handleTimeout(now);
      if (events(e2).some((e) => e.type === 'drops')) times.push(now);
    }
    assert.deepEqual(times, [0, DROP_SUMMARY_INTERVAL_MS, 2 * DROP_SUMMARY_INTERVAL_MS]);
    assert.match(describeEvent(first), /^drops +\d+ in .*malformed=/);
  });

  it('snapshots every entry with endpoint, LAN candidates, NAT guess, since and lastSeen, plus counters', () => {
    const engine = newEngine();
    join(engine, alice, 'alice', A, 100, [A, ['10.0.0.2', 40000]]); // a public address is no LAN candidate: dropped
    const tokenB = join(engine, bob, 'bob', B, 200, [['192.168.1.5', 50000]]);
    engine.receive(encode({ t: MsgType.ListPeers, token: tokenB }), B, 300);
    engine.receive(new Uint8Array([1]), STRANGER, 300);
    const snap = engine.snapshot();
    assert.deepEqual(
      snap.entries.sort((x, y) => x.name.localeCompare(y.name)),
      [
        { id: alice.id, name: 'alice', observed: A, lan: [['10.0.0.2', 40000]], nat: 'unknown', since: 100, lastSeen: 100 },
        { id: bob.id, name: 'bob', observed: B, lan: [['192.168.1.5', 50000]], nat: 'unknown', since: 200, lastSeen: 200 },
      ],
    );
    assert.equal(snap.stats.online, 2);
    assert.equal(snap.stats.datagramsIn, 6);
    assert.equal(Object.values(snap.stats.drops).reduce((a, b) => a + b, 0), 1);
    assert.deepEqual(snap.relays, []);
    snap.entries[0]!.observed[1] = 1;
    assert.deepEqual(engine.snapshot().entries.find((e) => e.name === 'alice')?.observed, A, 'a snapshot is a copy');
  });

  it('every event type has a log line', () => {
    const ref = { id: 'a'.repeat(32), name: 'alice', observed: A };
    const all: ServerEvent[] = [
      { type: 'join', peer: ref },
      { type: 'leave', peer: ref, reason: 'expired' },
      { type: 'endpoint', peer: ref, previous: B },
      { type: 'rename', peer: ref, previousName: 'al' },
      { type: 'introduction', from: ref, to: { ...ref, name: 'bob' } },
      { type: 'relay_start', from: ref, to: { ...ref, name: 'bob' } },
      { type: 'relay_stop', pair: { a: ref, b: { ...ref, name: 'bob' }, since: 0, lastAt: 5_000, datagrams: 7, bytes: 700 } },
      { type: 'drops', counts: { malformed: 3, 'source-rate-limited': 9 }, total: 12, sinceMs: 1_000 },
    ];
    const lines = all.map(describeEvent);
    assert.deepEqual(lines.map((l) => l.split(/\s+/)[0]), ['join', 'expire', 'moved', 'rename', 'intro', 'relay+', 'relay-', 'drops']);
    assert.match(lines[7] as string, /source-rate-limited=9 malformed=3/);
    assert.match(lines[6] as string, /7 datagrams, 700 bytes in 5\.0 s/);
  });
});
