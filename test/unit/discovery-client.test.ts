// The client's side of discovery through its public API, on a fake clock: the register /
// heartbeat schedule with each server, reachability, the merged peer list and the NAT type
// from two servers' reflections. Every datagram it sends is decoded and checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DiscoveryClient, type ServerState } from '../../client/core/discovery-client.ts';
import { decodeMessage } from '../../src/codec.ts';
import { DISCOVERY_TOKEN_BYTES, MAX_PAGES_PER_WALK, MAX_PEERS_PER_SERVER, REGISTER_RETRY_MS } from '../../src/constants.ts';
import { ServerPins } from '../../client/core/server-pins.ts';
import { Identity } from '../../src/crypto/identity.ts';
import { signIntroduce, signRegistered } from '../../src/crypto/signed.ts';
import { endpointKey } from '../../src/address.ts';
import { MsgType, type Endpoint, type Message, type MessageOf } from '../../src/wire.ts';

const S1: Endpoint = ['198.51.100.1', 8000];
const S2: Endpoint = ['198.51.100.2', 8001];
const LOCAL_PORT = 40_000;
const WALL_EPOCH = 1_700_000_000_000;
/** Short, distinct timings, so the schedule below reads in its own numbers. */
const TIMINGS = { heartbeatIntervalMs: 5_000, serverSilentAfterMs: 12_000, peerListPollMs: 3_000 };

const me = Identity.fromSeed(new Uint8Array(32).fill(1)) as Identity;
const token = (b: number): Uint8Array => new Uint8Array(DISCOVERY_TOKEN_BYTES).fill(b);
const peerId = (c: string): string => c.repeat(64);

/** The servers' own keys; the client is given them (host:port#KEY), as if from --servers. */
const serverIdentity = (addr: Endpoint): Identity => Identity.fromSeed(new Uint8Array(32).fill(addr[1] % 256)) as Identity;

/** The one place the constructor is called: its options may grow (timings, wall clock). */
function client(servers: Endpoint[] = [S1, S2], now = 0, keys = true): DiscoveryClient {
  const serverKeys = new Map(keys ? servers.map((a) => [endpointKey(a), serverIdentity(a).publicKey] as const) : []);
  return new DiscoveryClient(servers, me, 'me', now, { wallClock: (t: number) => WALL_EPOCH + t, timings: TIMINGS, serverKeys });
}

/** Everything queued since the last call, decoded: [server, message]. */
function drain(d: DiscoveryClient): [Endpoint, Message][] {
  const out: [Endpoint, Message][] = [];
  for (let o = d.pollTransmit(); o; o = d.pollTransmit()) {
    const msg = decodeMessage(o.bytes);
    assert.ok(msg, 'every datagram the client sends decodes');
    out.push([o.to, msg]);
  }
  return out;
}
const TYPE_NAMES = new Map<number, string>(Object.entries(MsgType).map(([name, t]) => [t as number, name]));
const kinds = (sent: [Endpoint, Message][]): string[] => sent.map(([to, m]) => `${TYPE_NAMES.get(m.t) ?? m.t}->${to[1]}`);

/** A Registered signed by the server at `s` over our last Register there, as a real server answers. */
function registered(s: ServerState, observed: Endpoint, proven: boolean, tok = token(7), by: Identity = serverIdentity(s.addr)): MessageOf<typeof MsgType.Registered> {
  const ssig = signRegistered(by, { registerSig: s.lastRegisterSig ?? new Uint8Array(64), observed, token: tok });
  return { t: MsgType.Registered, observed, ttlMs: 30_000, token: tok, proven, ssig };
}
const peerList = (ver: number, peers: { id: string; name: string }[], next?: string): MessageOf<typeof MsgType.PeerList> =>
  ({ t: MsgType.PeerList, ver, peers, total: peers.length, ...(next ? { next } : {}) });

/** Registers and gets listed at `s` (Registered, heartbeat echo, Registered{proven}) at time `now`. */
function listAt(d: DiscoveryClient, s: ServerState, now: number, observed: Endpoint = ['203.0.113.5', 50_000]): void {
  if (!s.lastRegisterSig) d.handleTimeout(now); // a Register for the server to answer
  d.receive(s, registered(s, observed, false), now);
  d.receive(s, registered(s, observed, true), now);
}

test('start-up: a signed Register to every server at once, retried every REGISTER_RETRY_MS until one answers', () => {
  const d = client();
  assert.equal(d.nextTimeout(), 0);
  d.handleTimeout(0);
  const first = drain(d);
  assert.deepEqual(kinds(first), ['Register->8000', 'Register->8001']);
  const reg = first[0]![1] as MessageOf<typeof MsgType.Register>;
  assert.equal(reg.id, me.id);
  assert.equal(reg.name, 'me');
  assert.equal(reg.ts, WALL_EPOCH, 'timestamp from the wall clock given as an option');
  assert.equal(d.nextTimeout(), REGISTER_RETRY_MS);
  d.handleTimeout(REGISTER_RETRY_MS);
  const again = drain(d);
  assert.deepEqual(kinds(again), ['Register->8000', 'Register->8001']);
  const stamps = [...first, ...again].map(([, m]) => (m as MessageOf<typeof MsgType.Register>).ts);
  assert.deepEqual([...stamps].sort((a, b) => a - b), stamps, 'timestamps only grow (servers refuse replays)');
  assert.equal(new Set(stamps).size, stamps.length, 'no timestamp is used twice');
});

test('Registered: the token is echoed at once in a Heartbeat; once proven, the list is fetched and heartbeats follow the interval', () => {
  const d = client([S1]);
  const s = d.servers[0]!;
  d.handleTimeout(0);
  drain(d);
  assert.equal(d.receive(s, registered(s, ['203.0.113.5', 50_000], false), 100), true, 'newly reachable');
  const echo = drain(d);
  assert.deepEqual(kinds(echo), ['Heartbeat->8000']);
  assert.deepEqual([...(echo[0]![1] as MessageOf<typeof MsgType.Heartbeat>).token], [...token(7)]);
  assert.equal(d.receive(s, registered(s, ['203.0.113.5', 50_000], true), 150), true, 'newly listed');
  d.handleTimeout(150);
  assert.deepEqual(kinds(drain(d)), ['ListPeers->8000'], 'a server that just listed us is asked for its list now');
  const hb = 150 + TIMINGS.heartbeatIntervalMs;
  assert.equal(d.nextTimeout(), 150 + TIMINGS.peerListPollMs, 'the next poll comes before the next heartbeat');
  d.handleTimeout(150 + TIMINGS.peerListPollMs);
  assert.deepEqual(kinds(drain(d)), ['ListPeers->8000']);
  d.handleTimeout(hb - 1);
  assert.deepEqual(drain(d), []);
  d.handleTimeout(hb);
  const beat = drain(d);
  assert.deepEqual(kinds(beat), ['Heartbeat->8000'], 'a plain heartbeat with the token, no signature');
  assert.equal((beat[0]![1] as MessageOf<typeof MsgType.Heartbeat>).id, me.id);
});

test('a heartbeat left unanswered, or NOT_REGISTERED, brings a fresh signed Register', () => {
  const d = client([S1]);
  const s = d.servers[0]!;
  d.handleTimeout(0);
  listAt(d, s, 0);
  d.handleTimeout(0); // the first list request
  drain(d);
  const hb = TIMINGS.heartbeatIntervalMs;
  d.handleTimeout(hb);
  assert.deepEqual(kinds(drain(d)).filter((k) => !k.startsWith('ListPeers')), ['Heartbeat->8000']);
  d.handleTimeout(hb + REGISTER_RETRY_MS);
  assert.deepEqual(kinds(drain(d)).filter((k) => !k.startsWith('ListPeers')), ['Register->8000'], 'no answer to the heartbeat: register again');

  listAt(d, s, hb + 2_000);
  drain(d);
  const t = hb + 3_000;
  assert.equal(d.receive(s, { t: MsgType.ServerError, code: 'NOT_REGISTERED', message: 'who?' }, t), true, 'we were listed: the list may change');
  d.handleTimeout(Math.max(t, d.nextTimeout() ?? t));
  assert.deepEqual(kinds(drain(d)), ['Register->8000']);
});

test('reachability: a server is reachable while it was heard within serverSilentAfterMs', () => {
  const d = client();
  const [s1, s2] = d.servers as [ServerState, ServerState];
  assert.equal(d.reachableCount(0), 0);
  d.handleTimeout(0);
  d.receive(s1, registered(s1, ['203.0.113.5', 50_000], false), 1_000);
  assert.equal(d.isReachable(s1, 1_000), true);
  assert.equal(d.isReachable(s2, 1_000), false, 'never heard');
  assert.equal(d.reachableCount(1_000), 1);
  assert.equal(d.isReachable(s1, 1_000 + TIMINGS.serverSilentAfterMs - 1), true);
  assert.equal(d.isReachable(s1, 1_000 + TIMINGS.serverSilentAfterMs), false, 'silent too long');
  assert.equal(d.serverAt(S2), s2);
  assert.equal(d.serverAt(['198.51.100.9', 1]), undefined);
});

test('merged peer list: the union of reachable servers, without ourselves, sorted by name; a silent server drops out', () => {
  const d = client();
  const [s1, s2] = d.servers as [ServerState, ServerState];
  listAt(d, s1, 0);
  listAt(d, s2, 0);
  d.handleTimeout(0); // both ask for their lists
  const carol = { id: peerId('c'), name: 'carol' };
  const bob = { id: peerId('b'), name: 'bob' };
  const self = { id: me.id, name: 'me' };
  assert.equal(d.receive(s1, peerList(1, [carol, self]), 10), true);
  assert.equal(d.receive(s2, peerList(4, [bob, carol]), 10), true);
  assert.deepEqual(d.mergedPeers(10), [bob, carol]);
  assert.equal(d.receive(s1, peerList(1, [carol, self]), 20), false, 'the same list again: no change');
  assert.deepEqual(d.serversKnowing(bob.id, 20), [s2]);
  assert.deepEqual(d.serversKnowing(carol.id, 20), [s1, s2]);
  // s2 goes quiet; s1 keeps answering
  const later = 10 + TIMINGS.serverSilentAfterMs;
  d.handleTimeout(later - 1); // the next poll
  d.receive(s1, peerList(1, [carol]), later);
  assert.deepEqual(d.mergedPeers(later), [carol], 'bob was only at the silent server');
});

test('a paged list is walked with cursors and merged only when the last page arrives', () => {
  const d = client([S1]);
  const s = d.servers[0]!;
  listAt(d, s, 0);
  d.handleTimeout(0);
  drain(d);
  const a = { id: peerId('a'), name: 'ann' };
  const b = { id: peerId('b'), name: 'bob' };
  assert.equal(d.receive(s, peerList(9, [a], a.id), 5), false, 'a first page changes nothing yet');
  const ask = drain(d);
  assert.deepEqual(kinds(ask), ['ListPeers->8000']);
  assert.equal((ask[0]![1] as MessageOf<typeof MsgType.ListPeers>).cursor, a.id);
  assert.equal(d.receive(s, peerList(9, [b]), 6), true);
  assert.deepEqual(d.mergedPeers(6), [a, b]);
});

test('NAT type from the reflections of two servers', () => {
  const cases: { observed: (Endpoint | undefined)[]; lan: Endpoint[]; nat: string }[] = [
    { observed: [undefined, undefined], lan: [], nat: 'unknown' },
    { observed: [['203.0.113.5', 50_000], undefined], lan: [], nat: 'unknown' },
    { observed: [['203.0.113.5', 50_000], ['203.0.113.5', 50_000]], lan: [], nat: 'cone' },
    { observed: [['203.0.113.5', 50_000], ['203.0.113.5', 50_001]], lan: [], nat: 'symmetric' },
    { observed: [['192.0.2.7', LOCAL_PORT], undefined], lan: [['192.0.2.7', LOCAL_PORT]], nat: 'none' },
  ];
  for (const c of cases) {
    const d = client();
    d.setLanCandidates(c.lan);
    d.handleTimeout(0);
    c.observed.forEach((o, i) => {
      if (o) d.receive(d.servers[i]!, registered(d.servers[i]!, o, true), 0);
    });
    assert.equal(d.natType(LOCAL_PORT), c.nat, JSON.stringify(c));
    assert.deepEqual(d.observed(), c.observed.find((o) => o !== undefined));
  }
});

test('setName re-registers with every server at once', () => {
  const d = client();
  const [s1, s2] = d.servers as [ServerState, ServerState];
  listAt(d, s1, 0);
  listAt(d, s2, 0);
  d.handleTimeout(0);
  drain(d);
  d.setName('newname', 100);
  d.handleTimeout(100);
  const sent = drain(d).filter(([, m]) => m.t === MsgType.Register || m.t === MsgType.Heartbeat);
  assert.equal(sent.length, 2);
});

// ---- server keys (SSH-style pins) ----

const wrongServer = (key: Uint8Array): MessageOf<typeof MsgType.ServerError> => ({ t: MsgType.ServerError, code: 'WRONG_SERVER', message: '', key });

test('first contact: asks for the key, registers for it, pins it only once a Registered signed with it arrives', () => {
  const d = client([S1], 0, false);
  const s = d.servers[0]!;
  d.handleTimeout(0);
  const ask = drain(d)[0]![1] as MessageOf<typeof MsgType.Register>;
  assert.equal(ask.srv, undefined, 'no key known: nothing is signed for it');
  const real = serverIdentity(S1);
  d.receive(s, wrongServer(real.publicKey), 10);
  d.handleTimeout(d.nextTimeout() ?? 10);
  const reg = drain(d)[0]![1] as MessageOf<typeof MsgType.Register>;
  assert.deepEqual([...(reg.srv ?? [])], [...real.publicKey], 'the Register names the key it is for');
  assert.equal(d.pollNotice(), undefined);
  // A Registered signed by anyone else (an off-path forger, another server) is dropped.
  assert.equal(d.receive(s, registered(s, ['203.0.113.5', 50_000], false, token(7), Identity.generate()), 20), false);
  assert.equal(d.accepts(s), false);
  assert.equal(d.drops.counts.get('registered-bad-signature'), 1);
  d.receive(s, registered(s, ['203.0.113.5', 50_000], false), 30);
  assert.equal(d.accepts(s), true);
  const notice = d.pollNotice();
  assert.equal(notice?.kind, 'server-pinned');
  assert.deepEqual([...(d.serverPins.get(S1) ?? [])], [...real.publicKey]);
  assert.equal(d.serverPins.version, 1);
});

test('a pinned server that answers with another key is a loud notice and is not used until trusted again', () => {
  const d = client([S1]);
  const s = d.servers[0]!;
  listAt(d, s, 0);
  d.handleTimeout(0);
  drain(d);
  assert.equal(d.isReachable(s, 10), true);
  const other = Identity.generate();
  d.receive(s, wrongServer(other.publicKey), 100);
  const n = d.pollNotice();
  assert.ok(n?.kind === 'server-key-changed');
  assert.deepEqual([...n.offered], [...other.publicKey]);
  assert.equal(d.isReachable(s, 100), false, 'not used');
  d.receive(s, wrongServer(other.publicKey), 110);
  assert.equal(d.pollNotice(), undefined, 'one notice per key');
  // Nothing it says is believed: a PeerList, a Registered signed with the new key.
  assert.equal(d.receive(s, peerList(1, [{ id: peerId('e'), name: 'eve' }]), 120), false);
  d.handleTimeout(d.nextTimeout() ?? 200);
  const reg = drain(d).find(([, m]) => m.t === MsgType.Register)?.[1] as MessageOf<typeof MsgType.Register> | undefined;
  assert.deepEqual([...(reg?.srv ?? [])], [...serverIdentity(S1).publicKey], 'still asks for the configured key');
  d.receive(s, registered(s, ['203.0.113.5', 50_000], false, token(7), other), 300);
  assert.equal(d.accepts(s), false);
  // A key given with the address cannot be overridden by trust-server; a pinned one can.
  assert.equal(d.trustServer(S1, 400), false);
});

test('trustServer forgets a pin; the key the server proves next is pinned', () => {
  const pins = new ServerPins();
  pins.pin(S1, '198.51.100.1:8000', Identity.generate().publicKey);
  const d = new DiscoveryClient([S1], me, 'me', 0, { wallClock: (t: number) => WALL_EPOCH + t, timings: TIMINGS, serverPins: pins });
  const s = d.servers[0]!;
  d.handleTimeout(0);
  drain(d);
  d.receive(s, wrongServer(serverIdentity(S1).publicKey), 10);
  assert.equal(d.pollNotice()?.kind, 'server-key-changed');
  assert.equal(d.trustServer(S1, 20), true);
  d.handleTimeout(d.nextTimeout() ?? 20);
  assert.equal((drain(d)[0]![1] as MessageOf<typeof MsgType.Register>).srv, undefined, 'asks for the key again');
  d.receive(s, wrongServer(serverIdentity(S1).publicKey), 30);
  d.handleTimeout(d.nextTimeout() ?? 30);
  drain(d);
  d.receive(s, registered(s, ['203.0.113.5', 50_000], false), 40);
  assert.equal(d.pollNotice()?.kind, 'server-pinned');
  assert.deepEqual([...(pins.get(S1) ?? [])], [...serverIdentity(S1).publicKey]);
});

test('a server cannot make the client hold an endless peer list: entries and pages per walk are capped, unasked pages dropped', () => {
  const d = client([S1]);
  const s = d.servers[0]!;
  listAt(d, s, 0);
  d.handleTimeout(0);
  drain(d);
  let n = 0;
  const page = (): { id: string; name: string }[] => Array.from({ length: 64 }, () => ({ id: (n++).toString(16).padStart(32, '0'), name: `p${n}` }));
  let asked = 1;
  for (let i = 0; i < 1_000; i++) {
    d.receive(s, peerList(1, page(), 'f'.repeat(32)), 10);
    const sent = drain(d).filter(([, m]) => m.t === MsgType.ListPeers).length;
    if (sent === 0) break;
    asked += sent;
  }
  assert.ok(asked <= MAX_PAGES_PER_WALK, `${asked} pages asked in one walk`);
  assert.ok(s.peers.size <= MAX_PEERS_PER_SERVER, `${s.peers.size} entries kept`);
  // Pages nobody asked for are dropped.
  for (let i = 0; i < 100; i++) d.receive(s, peerList(2, page(), 'f'.repeat(32)), 20);
  assert.ok(s.peers.size <= MAX_PEERS_PER_SERVER);
  assert.ok((d.drops.counts.get('peer-list-unasked') ?? 0) >= 100);
  assert.deepEqual(drain(d), [], 'no page asked before the next poll');
});

test('an Introduce is believed only signed by the server’s key, for us, and recent; Relayed only from a verified server', () => {
  const d = client([S1, S2]);
  const [s1, s2] = d.servers as [ServerState, ServerState];
  listAt(d, s1, 0);
  const peer = { id: peerId('b'), name: 'bob' };
  const candidates = [{ kind: 'public' as const, addr: ['198.51.100.7', 4000] as Endpoint }];
  const introduce = (by: Identity, recipient: string, ts: number): MessageOf<typeof MsgType.Introduce> => ({
    t: MsgType.Introduce,
    peer,
    candidates,
    ts,
    sig: signIntroduce(by, { recipient, peer, candidates, ts }),
  });
  const now = 1_000;
  const wall = WALL_EPOCH + now;
  assert.equal(d.believes(s1, introduce(serverIdentity(S1), me.id, wall), now), true);
  assert.equal(d.believes(s1, introduce(serverIdentity(S1), peerId('c'), wall), now), false, 'for someone else');
  assert.equal(d.believes(s1, introduce(Identity.generate(), me.id, wall), now), false, 'another key');
  assert.equal(d.believes(s1, introduce(serverIdentity(S1), me.id, wall - 120_000), now), false, 'stale');
  assert.equal(d.believes(s1, { t: MsgType.Introduce, peer, candidates }, now), false, 'unsigned');
  assert.equal(d.believes(s2, introduce(serverIdentity(S2), me.id, wall), now), false, 'a server that has not proved its key yet');
  assert.equal(d.believes(s2, { t: MsgType.Relayed, from: peer.id, data: new Uint8Array(3) }, now), false);
  assert.equal(d.believes(s1, { t: MsgType.Relayed, from: peer.id, data: new Uint8Array(3) }, now), true);
  assert.equal(d.drops.counts.get('introduce-not-signed'), 5);
});
