// What a server tells a listed client is MACed with that client's key (src/crypto/server-mac.ts):
// a real DiscoveryClient against a real DiscoveryServerEngine on a fake clock, then forged
// heartbeat replies, PeerLists, Relayeds and ServerErrors (no mac, a wrong one, a stale ts)
// that must be dropped, counted, and change nothing; and genuine ones that must be taken.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DiscoveryClient, type ServerState } from '../../client/core/discovery-client.ts';
import { DiscoveryServerEngine } from '../../discovery/core/server-engine.ts';
import { decodeMessage, encode } from '../../src/codec.ts';
import { MAX_DATAGRAM_BYTES, MAX_ID_LENGTH, MAX_NAME_LENGTH, REGISTER_MIN_BYTES, SERVER_MAC_OVERHEAD_BYTES } from '../../src/constants.ts';
import { MemoryRegistry } from '../../discovery/data/memory-registry.ts';
import { Identity } from '../../src/crypto/identity.ts';
import { checkServerMac, clientMacKey, macMasterOf, openMacKey, sealMacKey, withServerMac } from '../../src/crypto/server-mac.ts';
import { signRegistration } from '../../src/crypto/signed.ts';
import { endpointKey } from '../../src/address.ts';
import { MsgType, type Endpoint, type Message, type MessageOf } from '../../src/wire.ts';

const WALL = 1_700_000_000_000;
const S: Endpoint = ['198.51.100.1', 8000];
const ALICE_AT: Endpoint = ['203.0.113.5', 50_000];
const BOB_AT: Endpoint = ['203.0.113.6', 50_001];
const serverKey = Identity.fromSeed(new Uint8Array(32).fill(42)) as Identity;
const alice = Identity.fromSeed(new Uint8Array(32).fill(1)) as Identity;
const bob = Identity.fromSeed(new Uint8Array(32).fill(2)) as Identity;
const TIMINGS = { heartbeatIntervalMs: 5_000, serverSilentAfterMs: 12_000, peerListPollMs: 3_000 };

const engine = (): DiscoveryServerEngine => new DiscoveryServerEngine({ wallClock: (t) => WALL + t, serverKey, tokenSecret: new Uint8Array(32).fill(9) });

function clientOf(who: Identity): DiscoveryClient {
  return new DiscoveryClient([S], who, who === alice ? 'alice' : 'bob', 0, {
    wallClock: (t) => WALL + t,
    timings: TIMINGS,
    serverKeys: new Map([[endpointKey(S), serverKey.publicKey]]),
  });
}

/** Runs both sides until quiet: client datagrams to the server from `at`, the server's to whoever is listed. */
function pump(e: DiscoveryServerEngine, clients: [DiscoveryClient, Endpoint][], now: number): void {
  for (let round = 0; round < 10; round++) {
    let moved = false;
    for (const [d, at] of clients) {
      d.handleTimeout(now);
      for (let o = d.pollTransmit(); o; o = d.pollTransmit()) {
        e.receive(o.bytes, at, now);
        moved = true;
      }
    }
    for (let tx = e.pollTransmit(); tx; tx = e.pollTransmit()) {
      const pair = clients.find(([, at]) => endpointKey(at) === endpointKey(tx.to));
      const msg = decodeMessage(tx.bytes);
      if (pair && msg) pair[0].receive(pair[0].servers[0] as ServerState, msg, now);
      moved = true;
    }
    if (!moved) return;
  }
}

/** Alice and bob both listed, alice's walk done; alice's key at the server. */
function listed(): { e: DiscoveryServerEngine; d: DiscoveryClient; b: DiscoveryClient; s: ServerState; key: Uint8Array } {
  const e = engine();
  const d = clientOf(alice);
  const b = clientOf(bob);
  pump(e, [[d, ALICE_AT], [b, BOB_AT]], 0);
  pump(e, [[d, ALICE_AT], [b, BOB_AT]], 3_000); // the next poll sees bob (or alice, whoever came second)
  const s = d.servers[0] as ServerState;
  assert.ok(s.proven && s.macKey, 'listed, with a MAC key');
  assert.deepEqual(d.mergedPeers(3_000).map((p) => p.name), ['bob']);
  return { e, d, b, s, key: s.macKey as Uint8Array };
}

const heartbeatReply = (token: Uint8Array): Message => ({ t: MsgType.Registered, observed: ['192.0.2.66', 666], ttlMs: 1, token, proven: true });
const forgedList: Message = { t: MsgType.PeerList, ver: 99, peers: [{ id: 'ee'.repeat(16), name: 'mallory' }], total: 1 };
const relayed: Message = { t: MsgType.Relayed, from: bob.id, data: new Uint8Array([1, 2, 3]) };
const unauthorized: Message = { t: MsgType.ServerError, code: 'UNAUTHORIZED', message: '' };

test('the MAC key is a function of the server key seed, the id and the Register timestamp', () => {
  const again = Identity.fromSeed(serverKey.exportSeed()) as Identity;
  const k1 = clientMacKey(macMasterOf(serverKey), alice.id, WALL);
  assert.deepEqual(clientMacKey(macMasterOf(again), alice.id, WALL), k1, 'a restart with the same key file derives the same key');
  assert.notDeepEqual(clientMacKey(macMasterOf(serverKey), alice.id, WALL + 1), k1, 'a new registration, a new key');
  assert.notDeepEqual(clientMacKey(macMasterOf(Identity.generate()), alice.id, WALL), k1, 'another server, another key');
  const sealed = sealMacKey(k1, alice.publicKey) as Uint8Array;
  assert.deepEqual(openMacKey(sealed, alice), k1);
  assert.equal(openMacKey(sealed, bob), undefined, 'only the identity it is sealed to opens it');
});

test('two engines with the same server key deliver the same key for the same Register', () => {
  const proof = signRegistration(alice, { id: alice.id, name: 'alice', lan: [], timestamp: WALL, server: serverKey.publicKey });
  const reg: Message = { t: MsgType.Register, id: alice.id, name: 'alice', lan: [], pk: alice.publicKey, ts: WALL, sig: proof.signature, srv: serverKey.publicKey, pad: new Uint8Array(REGISTER_MIN_BYTES - 200) };
  const keys = [engine(), engine()].map((e) => {
    e.receive(encode(reg), ALICE_AT, 0);
    const tx = e.pollTransmit();
    const msg = tx && (decodeMessage(tx.bytes) as MessageOf<typeof MsgType.Registered>);
    assert.ok(msg && msg.mk && tx.bytes.length <= encode(reg).length, 'the key comes with the first answer, within the 1x rule');
    return openMacKey(msg.mk, alice);
  });
  assert.ok(keys[0]);
  assert.deepEqual(keys[0], keys[1]);
  assert.deepEqual(keys[0], clientMacKey(macMasterOf(serverKey), alice.id, WALL));
});

test('a heartbeat reply without a mac, with a wrong one or a stale ts is dropped and changes nothing; a genuine one is taken', () => {
  const { d, s, key } = listed();
  const now = 4_000;
  const before = { token: s.token, observed: s.observed, next: s.nextRegisterAt, heard: s.lastHeard };
  const bad = withServerMac(key, heartbeatReply(new Uint8Array(16).fill(3)), WALL + now) as MessageOf<typeof MsgType.Registered>;
  const flipped = { ...bad, mac: (bad.mac as Uint8Array).map((b, i) => (i === 0 ? b ^ 1 : b)) };
  d.receive(s, heartbeatReply(new Uint8Array(16).fill(3)), now);
  d.receive(s, flipped, now);
  d.receive(s, withServerMac(key, heartbeatReply(new Uint8Array(16).fill(3)), WALL + now - 61_000), now);
  d.receive(s, withServerMac(new Uint8Array(32), heartbeatReply(new Uint8Array(16).fill(3)), WALL + now), now);
  assert.deepEqual({ token: s.token, observed: s.observed, next: s.nextRegisterAt, heard: s.lastHeard }, before);
  assert.equal(d.drops.counts.get('server-mac-missing'), 1);
  assert.equal(d.drops.counts.get('server-mac-bad'), 2);
  assert.equal(d.drops.counts.get('server-mac-stale'), 1);
  d.receive(s, bad, now);
  assert.deepEqual(s.observed, ['192.0.2.66', 666], 'a correctly MACed reply is believed');
});

test('a forged PeerList changes no peer list; a forged Relayed is not believed; a MACed one is', () => {
  const { d, s, key } = listed();
  const now = 4_000;
  d.receive(s, forgedList, now);
  d.receive(s, withServerMac(new Uint8Array(32).fill(5), forgedList, WALL + now), now);
  assert.deepEqual(d.mergedPeers(now).map((p) => p.name), ['bob']);
  assert.equal(d.believes(s, relayed, now), false);
  assert.equal(d.believes(s, withServerMac(key, relayed, WALL + now - 120_000), now), false);
  assert.equal(d.believes(s, withServerMac(key, relayed, WALL + now), now), true);
  assert.equal(d.drops.counts.get('server-mac-missing'), 2);
  assert.equal(d.drops.counts.get('server-mac-bad'), 1);
  assert.equal(d.drops.counts.get('server-mac-stale'), 1);
});

test('a ServerError without a mac is only a hint; a MACed one makes the client register again', () => {
  const { d, s, key } = listed();
  d.receive(s, unauthorized, 4_000);
  assert.ok(s.token && s.proven, 'no heartbeat outstanding: nothing changes');
  const next = s.nextRegisterAt;
  assert.equal(next, 5_000);
  d.handleTimeout(5_000); // a heartbeat goes out
  d.receive(s, unauthorized, 5_010);
  assert.ok(s.token && s.proven, 'still listed as far as we know: token and peers stay');
  assert.deepEqual(d.mergedPeers(5_010).map((p) => p.name), ['bob']);
  assert.equal(d.drops.counts.get('server-mac-missing'), 2);
  d.receive(s, withServerMac(key, unauthorized, WALL + 5_020), 5_020);
  assert.equal(s.token, undefined, 'a genuine UNAUTHORIZED: register afresh');
});

test('the server MACs heartbeat replies, PeerLists and errors to listed clients, with its clock', () => {
  const { e: e2, s, key } = listed();
  e2.receive(encode({ t: MsgType.Heartbeat, id: alice.id, token: s.token as Uint8Array }), ALICE_AT, 4_000);
  const hb = decodeMessage((e2.pollTransmit() as { bytes: Uint8Array }).bytes);
  assert.ok(hb && hb.t === MsgType.Registered && hb.proven);
  assert.equal(checkServerMac(key, hb, WALL + 4_000, 60_000), 'ok', 'a heartbeat reply is MACed with her key');
  e2.receive(encode({ t: MsgType.ListPeers, token: s.token as Uint8Array }), ALICE_AT, 4_000);
  const list = decodeMessage((e2.pollTransmit() as { bytes: Uint8Array }).bytes);
  assert.ok(list && list.t === MsgType.PeerList);
  assert.equal(checkServerMac(key, list, WALL + 4_000, 60_000), 'ok', 'so is a PeerList');
  e2.receive(encode({ t: MsgType.ListPeers, token: new Uint8Array(16) }), ALICE_AT, 4_000); // bad token: silently refused
  assert.equal(e2.pollTransmit(), undefined);
  e2.receive(encode({ t: MsgType.Heartbeat, id: alice.id, token: new Uint8Array(16) }), ALICE_AT, 4_000);
  const tx = e2.pollTransmit();
  const err = tx && decodeMessage(tx.bytes);
  assert.ok(err && err.t === MsgType.ServerError);
  assert.equal(checkServerMac(key, err, WALL + 4_000, 60_000), 'ok', 'an error to a listed client is MACed');
});

test('a full PeerList page of the longest ids and names, with ts and mac, still fits a datagram', () => {
  const reg = new MemoryRegistry({ ttlMs: 60_000 });
  // Names of the longest UTF-8 (3 bytes a character) the schema takes.
  for (let n = 0; n < 200; n++) reg.upsert({ id: n.toString(16).padStart(MAX_ID_LENGTH, '0'), name: '語'.repeat(MAX_NAME_LENGTH - 3) + String(n).padStart(3, '0'), lan: [], observed: ['203.0.113.1', 1000 + n] }, 0);
  const page = reg.page(undefined, MAX_DATAGRAM_BYTES - SERVER_MAC_OVERHEAD_BYTES);
  assert.ok(page.peers.length > 0 && page.next !== undefined);
  const msg = withServerMac(new Uint8Array(32), { t: MsgType.PeerList, ...page, total: 2 ** 40 }, Number.MAX_SAFE_INTEGER);
  assert.ok(encode(msg).length <= MAX_DATAGRAM_BYTES);
});

test('a Relayed to a listed client is MACed with its key', () => {
  const { e, s, key } = listed();
  // Alice asks for bob (the relay then may carry bob's datagrams to her), then bob relays to her.
  e.receive(encode({ t: MsgType.Connect, target: bob.id, token: s.token as Uint8Array }), ALICE_AT, 4_000);
  while (e.pollTransmit());
  e.receive(encode({ t: MsgType.Relay, to: alice.id, data: new Uint8Array([1, 2, 3]) }), BOB_AT, 4_100);
  const tx = e.pollTransmit();
  const msg = tx && decodeMessage(tx.bytes);
  assert.ok(msg && msg.t === MsgType.Relayed && tx.to[1] === ALICE_AT[1], JSON.stringify(e.stats().drops));
  assert.equal(checkServerMac(key, msg, WALL + 4_100, 60_000), 'ok');
});
