// The server's caps, on the engine with a fake clock: identities per source IP, new listings
// per IP per minute, introductions per target, relay only between peers who both asked, and
// only acceptable LAN candidates passed on. Registration goes through the engine's own
// protocol (signed Register, token echo), so these tests follow the engine, not the wire.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage, encode } from '../../src/codec.ts';
import { INTRODUCTIONS_PER_TARGET_BURST, MAX_IDS_PER_IP, RELAY_CONSENT_MS } from '../../src/constants.ts';
import { Identity } from '../../src/crypto/identity.ts';
import { MsgType, type Endpoint, type Message } from '../../src/wire.ts';
import { candidatesOf, DiscoveryServerEngine, type ServerEngineOptions } from '../../discovery/core/server-engine.ts';
import { IpCaps, ipKey } from '../../discovery/core/ip-caps.ts';
import { RelayConsent } from '../../discovery/core/relay-consent.ts';
import type { RegistryEntry } from '../../discovery/core/registry.ts';
import { capsFromFlags } from '../../discovery/edge/cli-args.ts';
import { signedRegister, TEST_SERVER_KEY } from '../integration/discovery-traffic.ts';

type Out = { to: Endpoint; msg: Message };

const identities = new Map<number, Identity>();
/** The n-th test identity (deterministic). */
function ident(n: number): Identity {
  let id = identities.get(n);
  if (!id) {
    const seed = new Uint8Array(32);
    new DataView(seed.buffer).setUint32(0, n + 1);
    id = Identity.fromSeed(seed) as Identity;
    identities.set(n, id);
  }
  return id;
}

function engineWith(options: ServerEngineOptions = {}): DiscoveryServerEngine {
  return new DiscoveryServerEngine({ wallClock: (now) => now, tokenSecret: new Uint8Array(32).fill(9), serverKey: TEST_SERVER_KEY, timings: { registryEntryTtlMs: 3_600_000 }, ...options });
}

function drain(engine: DiscoveryServerEngine): Out[] {
  const out: Out[] = [];
  for (let tx = engine.pollTransmit(); tx; tx = engine.pollTransmit()) out.push({ to: tx.to, msg: decodeMessage(tx.bytes) as Message });
  return out;
}

/** Register and echo the token; returns what the server answered to the echo. */
function join(engine: DiscoveryServerEngine, who: Identity, name: string, from: Endpoint, now: number, lan: Endpoint[] = []): Out[] {
  engine.receive(encode(signedRegister(who, name, now, lan)), from, now);
  const registered = drain(engine).find((o) => o.msg.t === MsgType.Registered);
  if (!registered || registered.msg.t !== MsgType.Registered) return [];
  tokens.set(`${from[0]}|${from[1]}`, registered.msg.token);
  engine.receive(encode({ t: MsgType.Heartbeat, id: who.id, token: registered.msg.token }), from, now);
  const outs = drain(engine);
  for (const o of outs) if (o.msg.t === MsgType.Registered) tokens.set(`${from[0]}|${from[1]}`, o.msg.token);
  return outs;
}

/** The address token each joined endpoint holds (ListPeers and Connect must carry it). */
const tokens = new Map<string, Uint8Array>();
const tokenAt = (at: Endpoint): Uint8Array | undefined => tokens.get(`${at[0]}|${at[1]}`);

const listed = (outs: Out[]): boolean => outs.some((o) => o.msg.t === MsgType.Registered && o.msg.proven === true);
const errorCode = (outs: Out[]): string | undefined => outs.map((o) => o.msg).find((m) => m.t === MsgType.ServerError)?.code;

describe('caps per source IP', () => {
  it(`lists at most ${MAX_IDS_PER_IP} identities from one IP; the rest are refused, counted and told; other IPs are not affected`, () => {
    const engine = engineWith();
    const results = Array.from({ length: 70 }, (_, i) => join(engine, ident(i), 'bob', ['198.51.100.7', 20_000 + i], 0));
    assert.equal(results.filter(listed).length, MAX_IDS_PER_IP);
    assert.equal(engine.registry.size, MAX_IDS_PER_IP);
    assert.equal(engine.stats().drops['ip-identity-cap'], 6);
    assert.equal(errorCode(results[69] as Out[]), 'TOO_MANY_IDENTITIES');
    assert.ok(listed(join(engine, ident(100), 'alice', ['203.0.113.5', 4000], 0)), 'another IP lists as before');
    // The listed ones keep their entries: a heartbeat (refresh) and a new port on the same IP pass.
    assert.ok(listed(join(engine, ident(0), 'bob', ['198.51.100.7', 20_000], 1_000)), 'a refresh is not a new identity');
    assert.ok(listed(join(engine, ident(1), 'bob', ['198.51.100.7', 30_001], 1_000)), 'a new port on the same IP is not a new identity');
    assert.equal(engine.registry.size, MAX_IDS_PER_IP + 1);
  });

  it('counts an identity back when it leaves or expires, and when it moves to another IP', () => {
    const engine = engineWith({ maxIdsPerIp: 2, timings: { registryEntryTtlMs: 10_000 } });
    const ip = '198.51.100.7';
    assert.ok(listed(join(engine, ident(0), 'a', [ip, 1], 0)));
    assert.ok(listed(join(engine, ident(1), 'b', [ip, 2], 0)));
    assert.ok(!listed(join(engine, ident(2), 'c', [ip, 3], 0)));
    assert.ok(listed(join(engine, ident(1), 'b', ['192.0.2.1', 2], 100)), 'b moved away');
    assert.ok(listed(join(engine, ident(2), 'c', [ip, 3], 200)), 'its place is free');
    assert.ok(listed(join(engine, ident(3), 'd', [ip, 1], 300)), 'd takes a over at the same endpoint (one socket, one client): the count stays');
    assert.ok(!listed(join(engine, ident(4), 'e', [ip, 5], 300)));
    engine.handleTimeout(10_300); // every entry expires
    assert.equal(engine.registry.size, 0);
    assert.ok(listed(join(engine, ident(4), 'e', [ip, 5], 10_400)), 'expired entries free their places');
  });

  it('lists at most 120 new identities per IP a minute, refilled evenly', () => {
    const engine = engineWith({ maxIdsPerIp: 0 }); // only the rate
    const ip = '198.51.100.8';
    let n = 0;
    const attempt = (now: number): boolean => listed(join(engine, ident(n), `p${n}`, [ip, 1000 + n++], now));
    assert.equal(Array.from({ length: 130 }, () => attempt(0)).filter(Boolean).length, 120);
    assert.equal(engine.stats().drops['ip-registration-rate'], 10);
    assert.equal(Array.from({ length: 100 }, () => attempt(30_000)).filter(Boolean).length, 60, 'half a minute: 60 more');
  });

  it('are off with 0 for both (benches and loopback tests that list thousands from one address)', () => {
    const engine = engineWith({ maxIdsPerIp: 0, maxRegistrationsPerIpPerMin: 0 });
    const joined = Array.from({ length: 150 }, (_, i) => join(engine, ident(i), 'x', ['127.0.0.1', 1000 + i], 0));
    assert.equal(joined.filter(listed).length, 150);
  });

  it('keys IPv6 by its /64 and IPv4-mapped addresses by the IPv4 address', () => {
    assert.equal(ipKey('2001:db8:1:2:aaaa::1'), ipKey('2001:db8:1:2::ffff:2'));
    assert.notEqual(ipKey('2001:db8:1:2::1'), ipKey('2001:db8:1:3::1'));
    assert.equal(ipKey('2001:0db8:0001:0002:0:0:0:1'), ipKey('2001:db8:1:2::1'));
    assert.equal(ipKey('::ffff:192.0.2.1'), '192.0.2.1');
    assert.equal(ipKey('192.0.2.1'), '192.0.2.1');
  });

  it('keeps one slot per listing IP, and forgets its rate once the allowance is full again (bounded memory)', () => {
    const caps = new IpCaps();
    for (let i = 0; i < 10; i++) caps.listedAt(`192.0.2.${i + 1}`, 0);
    assert.equal(caps.size, 20, 'a count and a rate each');
    caps.sweep(499);
    assert.equal(caps.size, 20);
    caps.sweep(500);
    assert.equal(caps.size, 10, 'one listing uses 500 ms of the minute: full again');
    for (let i = 0; i < 10; i++) caps.unlisted(`192.0.2.${i + 1}`);
    assert.equal(caps.size, 0);
    assert.equal(new IpCaps({ maxIdsPerIp: 0, maxRegistrationsPerIpPerMin: 0 }).off, true);
  });
});

describe('introductions per target', () => {
  it('sends one target at most the burst of introductions whoever asks, then the rate', () => {
    const engine = engineWith();
    join(engine, ident(0), 'alice', ['203.0.113.1', 4000], 0);
    const requesters = Array.from({ length: 40 }, (_, i) => {
      const at: Endpoint = [`198.51.100.${i + 1}`, 5000];
      join(engine, ident(i + 1), `m${i}`, at, 0);
      return at;
    });
    const toAlice = (outs: Out[]): number => outs.filter((o) => o.to[0] === '203.0.113.1' && o.msg.t === MsgType.Introduce).length;
    for (const at of requesters) engine.receive(encode({ t: MsgType.Connect, target: ident(0).id, token: tokenAt(at) }), at, 1_000);
    assert.equal(toAlice(drain(engine)), INTRODUCTIONS_PER_TARGET_BURST);
    assert.equal(engine.stats().drops['connect-target-rate-limited'], 40 - INTRODUCTIONS_PER_TARGET_BURST);
    for (const at of requesters) engine.receive(encode({ t: MsgType.Connect, target: ident(0).id, token: tokenAt(at) }), at, 2_000);
    assert.equal(toAlice(drain(engine)), 10, 'a second later: 10 more');
    // A peer alice herself asked for is introduced to her whatever the flood.
    const friend: Endpoint = ['203.0.113.3', 4000];
    join(engine, ident(98), 'friend', friend, 2_000);
    engine.receive(encode({ t: MsgType.Connect, target: ident(98).id, token: tokenAt(['203.0.113.1', 4000]) }), ['203.0.113.1', 4000], 2_000); // alice asks for her friend
    drain(engine);
    for (const at of requesters) engine.receive(encode({ t: MsgType.Connect, target: ident(0).id, token: tokenAt(at) }), at, 2_000);
    engine.receive(encode({ t: MsgType.Connect, target: ident(0).id, token: tokenAt(friend) }), friend, 2_000);
    assert.equal(drain(engine).filter((o) => o.to[0] === friend[0] && o.msg.t === MsgType.Introduce).length, 1, 'the friend is introduced');
    // Another target has its own allowance.
    join(engine, ident(99), 'carol', ['203.0.113.2', 4000], 2_000);
    engine.receive(encode({ t: MsgType.Connect, target: ident(99).id, token: tokenAt(requesters[0] as Endpoint) }), requesters[0] as Endpoint, 2_000);
    assert.equal(drain(engine).length, 2);
  });
});

describe('relay consent', () => {
  const A: Endpoint = ['203.0.113.1', 4000];
  const B: Endpoint = ['198.51.100.2', 5000];
  const M: Endpoint = ['192.0.2.66', 6000];
  const data = new Uint8Array([1, 2, 3]);
  const relay = (engine: DiscoveryServerEngine, from: Endpoint, to: number, now: number): Out[] => {
    engine.receive(encode({ t: MsgType.Relay, to: ident(to).id, data }), from, now);
    return drain(engine).filter((o) => o.msg.t === MsgType.Relayed);
  };
  const three = (options: ServerEngineOptions = {}): DiscoveryServerEngine => {
    const engine = engineWith(options);
    join(engine, ident(0), 'alice', A, 0);
    join(engine, ident(1), 'bob', B, 0);
    join(engine, ident(2), 'mallory', M, 0);
    return engine;
  };

  it('relays nothing to a peer who never asked for the sender', () => {
    const engine = three();
    for (let i = 0; i < 300; i++) assert.deepEqual(relay(engine, M, 0, 1_000 + i), []);
    assert.equal(engine.stats().drops['relay-not-consented'], 300);
    assert.equal(engine.stats().relayed, 0);
  });

  it('relays between two peers who both asked (a Connect on one side, relay attempts on the other), and stops a minute after one stops asking', () => {
    const engine = three();
    engine.receive(encode({ t: MsgType.Connect, target: ident(1).id, token: tokenAt(A) }), A, 1_000); // alice asks for bob
    drain(engine);
    assert.deepEqual(relay(engine, A, 1, 1_100), [], 'bob has not asked for alice yet');
    assert.equal(relay(engine, B, 0, 1_200).length, 1, 'bob relays to alice: alice asked');
    assert.equal(relay(engine, A, 1, 1_300).length, 1, "now alice's datagrams reach bob: he asked with his relay attempt");
    assert.deepEqual(relay(engine, M, 0, 1_400), [], 'mallory still gets nothing through to alice');
    // Each relay refreshes its sender's asking: a quiet minute on bob's side ends alice's consent to him.
    assert.equal(relay(engine, B, 0, 1_300 + RELAY_CONSENT_MS).length, 1, "alice's last ask was at 1.3 s");
    assert.deepEqual(relay(engine, B, 0, 1_301 + RELAY_CONSENT_MS + 1), [], 'alice has not asked for bob for over a minute');
  });

  it('caps what one target receives from all consenting senders together', () => {
    const engine = three({ relayTargetRatePerS: 5, relayTargetBurst: 10 });
    for (const from of [B, M]) {
      engine.receive(encode({ t: MsgType.Connect, target: ident(0).id, token: tokenAt(from) }), from, 500);
      engine.receive(encode({ t: MsgType.Connect, target: from === B ? ident(1).id : ident(2).id, token: tokenAt(A) }), A, 500);
    }
    drain(engine);
    let got = 0;
    for (let i = 0; i < 20; i++) got += relay(engine, B, 0, 1_000).length + relay(engine, M, 0, 1_000).length;
    assert.equal(got, 10, 'the burst, shared');
    assert.equal(engine.stats().drops['relay-target-rate-limited'], 30);
  });
});

describe('RelayConsent', () => {
  it('keeps unanswered relay attempts apart: a flood of them cannot push out established pairs', () => {
    const consent = new RelayConsent(60_000, 8);
    consent.ask('alice', 'bob', 0); // a Connect
    consent.askUnanswered('bob', 'alice', 0); // bob's relay before... still asking
    for (let i = 0; i < 1_000; i++) consent.askUnanswered('mallory', `victim${i}`, 1);
    assert.ok(consent.hasAsked('alice', 'bob', 2), 'the Connect is still on record');
    assert.ok(!consent.hasAsked('bob', 'alice', 2), 'an unanswered attempt may be pushed out by others');
    assert.ok(consent.hasAsked('mallory', 'victim999', 2));
    assert.ok(consent.size <= 8 + 2);
    consent.sweep(60_002);
    assert.equal(consent.size, 0, 'everything older than the window goes');
  });
});

describe('LAN candidates passed on', () => {
  it('are only IP literals in private, link-local, CGNAT or loopback ranges', () => {
    const entry: RegistryEntry = {
      id: 'x',
      name: 'x',
      observed: ['203.0.113.9', 4000],
      lan: [
        ['10.0.0.2', 4000],
        ['bad.cafe', 4000],
        ['8.8.8.8', 53],
        ['224.0.0.1', 5000],
        ['255.255.255.255', 5000],
        ['100.64.1.2', 4000],
        ['fe80::1', 4000],
        ['203.0.113.9', 4000],
      ],
      since: 0,
      lastSeen: 0,
    };
    assert.deepEqual(candidatesOf(entry), [
      { kind: 'public', addr: ['203.0.113.9', 4000] },
      { kind: 'lan', addr: ['10.0.0.2', 4000] },
      { kind: 'lan', addr: ['100.64.1.2', 4000] },
      { kind: 'lan', addr: ['fe80::1', 4000] },
    ]);
  });
});

describe('cap flags', () => {
  it('--max-ids-per-ip and --max-registrations-per-ip-per-min take whole numbers (0: no cap) and nothing else', () => {
    assert.deepEqual(capsFromFlags({}), {});
    assert.deepEqual(capsFromFlags({ 'max-ids-per-ip': '1000', 'max-registrations-per-ip-per-min': '0' }), { maxIdsPerIp: 1000, maxRegistrationsPerIpPerMin: 0 });
    for (const bad of ['-1', '1.5', 'x', '', '1e3']) assert.throws(() => capsFromFlags({ 'max-ids-per-ip': bad }), /BAD_FLAG|bad --max-ids-per-ip/);
  });
});
