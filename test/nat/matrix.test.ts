// The NAT matrix: natter headless clients in lab namespaces behind Linux NATs (docs/MANUAL.md §9).
// Each case builds its own lab, starts three discovery servers on nl-srv, runs alice in
// nl-c1 and bob in nl-c2 (or nl-c1b), and tears everything down, on failure too.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { labUp, labDown, natlab, nsRun, startServers, killAll, kill, type NatType } from './lab.ts';
import { Headless, type Ev } from './headless.ts';

const CONNECT_TIMEOUT_MS = 20_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

afterEach(async () => {
  await killAll();
  labDown();
});

type Pair = { a: Headless; b: Headless; readyA: Ev; readyB: Ev };

/** Lab + servers + alice (nl-c1) and bob (bobNs); waits for both `ready`. */
async function startPair(t1: NatType, t2: NatType, opts: { bobNs?: string; before?: () => void } = {}): Promise<Pair> {
  labUp(t1, t2, opts.bobNs === 'nl-c1b');
  opts.before?.();
  await startServers();
  const a = new Headless('nl-c1', 'alice');
  const b = new Headless(opts.bobNs ?? 'nl-c2', 'bob');
  const [readyA, readyB] = await Promise.all([a.ready(), b.ready()]);
  for (const [h, r] of [[a, readyA], [b, readyB]] as const) {
    console.log(`${h.name}: ready after ${r.at - h.started} ms (process start included), observed ${r.observed}, nat ${r.nat}`);
  }
  return { a, b, readyA, readyB };
}

/** alice connects to bob; resolves with both `connected` events and the time it took. */
async function connect({ a, b }: Pair, match: Record<string, unknown> = {}): Promise<{ ms: number; ca: Ev; cb: Ev }> {
  await a.waitFor((e) => e.event === 'peers' && JSON.stringify(e.peers).includes('"bob"'), 10_000, 'peers with bob');
  const t0 = Date.now();
  a.send({ cmd: 'connect', peer: 'bob' });
  const [ca, cb] = await Promise.all([
    a.waitEvent('connected', CONNECT_TIMEOUT_MS, match),
    b.waitEvent('connected', CONNECT_TIMEOUT_MS, match),
  ]);
  return { ms: Math.max(ca.at, cb.at) - t0, ca, cb };
}

/** Sends `count` numbered messages from one side; the other must get each once, in order. */
async function stream(from: Headless, to: Headless, tag: string, count: number, gapMs: number, timeoutMs: number): Promise<void> {
  const peer = to.name;
  const seen0 = to.events.length;
  const acked0 = from.events.length;
  for (let i = 0; i < count; i++) {
    from.send({ cmd: 'send', peer, text: `${tag}-${i}`, ref: `${tag}-${i}` });
    if (gapMs) await sleep(gapMs);
  }
  const last = `${tag}-${count - 1}`;
  await from.waitFor((e) => e.event === 'delivered' && e.ref === last, timeoutMs, `delivered ${last}`, acked0);
  await to.waitFor((e) => e.event === 'message' && e.text === last, timeoutMs, `message ${last}`, seen0);
  await sleep(500); // late duplicates would show up now
  const got = to.events.slice(seen0).filter((e) => e.event === 'message' && String(e.text).startsWith(`${tag}-`)).map((e) => e.text);
  assert.deepEqual(got, Array.from({ length: count }, (_, i) => `${tag}-${i}`), `${to.name} got ${tag} messages once each, in order`);
  const acked = new Set(from.events.slice(acked0).filter((e) => e.event === 'delivered').map((e) => e.ref));
  assert.equal(acked.size, count, `${from.name} saw every ${tag} message delivered`);
  assert.equal(from.events.slice(acked0).filter((e) => e.event === 'failed').length, 0, 'no failed event');
}

function expectNat(p: Pair, t1: NatType, t2: NatType): void {
  assert.equal(p.readyA.nat, t1, `alice behind ${t1}: ready ${JSON.stringify(p.readyA)}`);
  assert.equal(p.readyB.nat, t2, `bob behind ${t2}: ready ${JSON.stringify(p.readyB)}`);
}

for (const [t1, t2] of [['none', 'none'], ['none', 'cone'], ['cone', 'cone'], ['none', 'symmetric']] as const) {
  test(`${t1}–${t2}: direct`, async (t) => {
    const p = await startPair(t1, t2);
    const c = await connect(p, { via: 'direct' });
    t.diagnostic(`time to connect (direct, both sides): ${c.ms} ms; alice sees ${c.ca.addr}, bob sees ${c.cb.addr}`);
    await stream(p.a, p.b, 'ab', 3, 0, 10_000);
    await stream(p.b, p.a, 'ba', 3, 0, 10_000);
    assert.equal(p.a.all('connected').filter((e) => e.via === 'relay').length, 0, 'never relayed');
    expectNat(p, t1, t2);
  });
}

for (const [t1, t2] of [['cone', 'symmetric'], ['symmetric', 'symmetric']] as const) {
  test(`${t1}–${t2}: relay, then messages flow`, async (t) => {
    const p = await startPair(t1, t2);
    const c = await connect(p);
    t.diagnostic(`time to first connected: ${c.ms} ms via ${c.ca.via} (alice) / ${c.cb.via} (bob)`);
    const relay = await p.a.waitEvent('connected', CONNECT_TIMEOUT_MS, { via: 'relay' });
    t.diagnostic(`time to relay: ${relay.at - c.ca.at + c.ms} ms`);
    await stream(p.a, p.b, 'ab', 5, 0, 15_000);
    await stream(p.b, p.a, 'ba', 5, 0, 15_000);
    expectNat(p, t1, t2);
  });
}

test('two clients behind one NAT: direct over the LAN', async (t) => {
  const p = await startPair('cone', 'cone', { bobNs: 'nl-c1b' });
  const c = await connect(p, { via: 'direct' });
  t.diagnostic(`time to connect: ${c.ms} ms; alice sees ${c.ca.addr}, bob sees ${c.cb.addr}`);
  assert.match(String(c.ca.addr), /^10\.1\.0\.3:/);
  assert.match(String(c.cb.addr), /^10\.1\.0\.2:/);
  await stream(p.a, p.b, 'ab', 3, 0, 10_000);
});

test('cone–cone, 20% loss and 10% duplication on the public side: 100 messages each way', async (t) => {
  const p = await startPair('cone', 'cone', { before: () => natlab('impair', 'nl-nat1', '20', '10') });
  const c = await connect(p, { via: 'direct' });
  t.diagnostic(`time to connect under loss: ${c.ms} ms`);
  const t0 = Date.now();
  await Promise.all([stream(p.a, p.b, 'ab', 100, 10, 60_000), stream(p.b, p.a, 'ba', 100, 10, 60_000)]);
  t.diagnostic(`200 messages delivered in ${Date.now() - t0} ms`);
  const counters = nsRun('nl-nat1', ['nft', 'list', 'table', 'ip', 'natlab']).split('\n')
    .filter((l) => /numgen/.test(l)).map((l) => l.trim().replace(/numgen random mod 100 /, ''));
  t.diagnostic(`router nl-nat1 impairment counters:\n  ${counters.join('\n  ')}`);
});

test('idle 3x the NAT UDP timeout (5 s), then chat: no re-punch', async (t) => {
  const p = await startPair('cone', 'cone', {
    before: () => { natlab('udp-timeout', 'nl-nat1', '5'); natlab('udp-timeout', 'nl-nat2', '5'); },
  });
  const c = await connect(p, { via: 'direct' });
  t.diagnostic(`time to connect: ${c.ms} ms`);
  await stream(p.a, p.b, 'hello', 1, 0, 10_000);
  await sleep(1000);
  const before = { a: p.a.events.length, b: p.b.events.length };
  const lastPath = (h: Headless): string => { const e = h.all('connected').pop(); return `${e?.via} ${e?.addr}`; };
  const pathsBefore = [lastPath(p.a), lastPath(p.b)];
  await sleep(15_000);
  const t0 = Date.now();
  await stream(p.a, p.b, 'ab', 1, 0, 5_000);
  await stream(p.b, p.a, 'ba', 1, 0, 5_000);
  t.diagnostic(`after 15 s idle: delivered both ways in ${Date.now() - t0} ms (includes 2 x 500 ms duplicate watch)`);
  const newConnected = [...p.a.events.slice(before.a), ...p.b.events.slice(before.b)].filter((e) => e.event === 'connected');
  t.diagnostic(`connected events after the idle period: ${JSON.stringify(newConnected)}`);
  assert.deepEqual([lastPath(p.a), lastPath(p.b)], pathsBefore, 'same path as before the idle period');
  assert.equal(p.a.all('disconnected').length + p.b.all('disconnected').length, 0, 'no disconnected event');
  await t.test('no new connected event (headless contract: only when the path changes)', () => {
    assert.deepEqual(newConnected, [], 'a connected event for an unchanged path');
  });
});

test('NAT mapping flushed mid-conversation (public port changes): recovers, nothing lost or duplicated', async (t) => {
  const p = await startPair('cone', 'cone');
  const c = await connect(p, { via: 'direct' });
  t.diagnostic(`time to connect: ${c.ms} ms; bob sees alice at ${c.cb.addr}`);
  let flushLog = '';
  const flushed = (async () => {
    await sleep(1500);
    flushLog = natlab('flush', 'nl-nat1').trim();
    t.diagnostic(flushLog);
    return Date.now();
  })();
  // 40 messages each way over 4 s; the flush lands after 1.5 s.
  await Promise.all([stream(p.a, p.b, 'ab', 40, 100, 45_000), stream(p.b, p.a, 'ba', 40, 100, 45_000)]);
  const flushAt = await flushed;
  const newAddr = /now (203\.0\.113\.11:\d+)/.exec(flushLog)?.[1];
  const after = p.b.events.filter((e) => e.event === 'connected' && e.at > flushAt);
  t.diagnostic(`bob's connected events after the flush (via, addr, ms after flush): ${JSON.stringify(after.map((e) => [e.via, e.addr, e.at - flushAt]))}`);
  const moved = after.find((e) => e.addr === newAddr);
  assert.ok(moved, `bob learns alice's new public address ${newAddr}`);
  t.diagnostic(`bob follows alice to ${newAddr} ${moved.at - flushAt} ms after the flush (via ${moved.via})`);
});

test('two of three servers killed, then two new clients join: they see each other and connect', async (t) => {
  labUp('cone', 'cone');
  const servers = await startServers();
  await kill(servers.get(8000)!);
  await kill(servers.get(8001)!);
  const a = new Headless('nl-c1', 'alice');
  const b = new Headless('nl-c2', 'bob');
  const [readyA, readyB] = await Promise.all([a.ready(20_000), b.ready(20_000)]);
  t.diagnostic(`ready after ${readyA.at - a.started} / ${readyB.at - b.started} ms with servers 8000, 8001 dead`);
  const c = await connect({ a, b, readyA, readyB });
  t.diagnostic(`time to connect with one server: ${c.ms} ms via ${c.ca.via}`);
  await stream(a, b, 'ab', 3, 0, 10_000);
  assert.match(String(readyA.observed), new RegExp(`^203\\.0\\.113\\.11:`));
});
