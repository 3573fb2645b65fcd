// Path reports at the server, with a fake clock: believed only from the registered client at
// the address it proved (with its token), one path_report event per changed claim, the latest
// set in snapshot(), forgotten with the entry; bad input dropped and counted by reason, never answered.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage, encode } from '../../src/codec.ts';
import { Identity } from '../../src/crypto/identity.ts';
import { signRegistration } from '../../src/crypto/signed.ts';
import { MAX_PATH_CLAIMS, MsgType, type Endpoint, type Message, type PathClaim } from '../../src/wire.ts';
import { DiscoveryServerEngine, type ServerEvent } from '../../discovery/core/server-engine.ts';
import { PATH_REPORT_BURST } from '../../discovery/core/path-reports.ts';

const A: Endpoint = ['203.0.113.10', 40000];
const B: Endpoint = ['198.51.100.20', 50000];
const SPOOFER: Endpoint = ['192.0.2.99', 1234];
const alice = Identity.fromSeed(new Uint8Array(32).fill(1)) as Identity;
const bob = Identity.fromSeed(new Uint8Array(32).fill(2)) as Identity;
const carol = Identity.fromSeed(new Uint8Array(32).fill(3)) as Identity;

const newEngine = () => new DiscoveryServerEngine({ tokenSecret: new Uint8Array(32).fill(9), timings: { registryEntryTtlMs: 60_000 } });

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

function join(engine: DiscoveryServerEngine, who: Identity, name: string, from: Endpoint, now: number): Uint8Array {
  const server = engine.serverKey.publicKey;
  const proof = signRegistration(who, { id: who.id, name, lan: [], timestamp: now, server });
  engine.receive(encode({ t: MsgType.Register, id: who.id, name, lan: [], pk: proof.publicKey, ts: now, sig: proof.signature, srv: server }), from, now);
  const first = replies(engine).find((m) => m.t === MsgType.Registered);
  assert.ok(first && first.t === MsgType.Registered);
  engine.receive(encode({ t: MsgType.Heartbeat, id: who.id, token: first.token }), from, now);
  const proven = replies(engine).find((m) => m.t === MsgType.Registered);
  assert.ok(proven && proven.t === MsgType.Registered && proven.proven);
  return proven.token;
}

const report = (who: Identity, token: Uint8Array, paths: PathClaim[], nat?: 'cone' | 'symmetric') => encode({ t: MsgType.PathReport, id: who.id, token, paths, ...(nat ? { nat } : {}) });
const reports = (engine: DiscoveryServerEngine) => events(engine).filter((e) => e.type === 'path_report');
const drops = (engine: DiscoveryServerEngine) => engine.stats().drops;

describe('path reports (server)', () => {
  it('a registered client’s report: one event per changed claim, the set in snapshot(), never a reply', () => {
    const engine = newEngine();
    const token = join(engine, alice, 'alice', A, 0);
    join(engine, bob, 'bob', B, 0);
    events(engine);
    engine.receive(report(alice, token, [{ peer: bob.id, outcome: 'direct', since: 5 }], 'cone'), A, 100);
    assert.deepEqual(replies(engine), [], 'a report is never answered');
    assert.deepEqual(reports(engine), [{ type: 'path_report', from: { id: alice.id, name: 'alice', observed: A }, peerId: bob.id, outcome: 'direct', nat: 'cone' }]);
    // The same set again (a heartbeat's report): nothing changed, nothing told.
    engine.receive(report(alice, token, [{ peer: bob.id, outcome: 'direct', since: 5 }], 'cone'), A, 200);
    assert.deepEqual(reports(engine), []);
    // The path moves to a relay, and an attempt to carol fails: two changed claims, two events.
    engine.receive(
      report(alice, token, [
        { peer: bob.id, outcome: 'relay', relay: '127.0.0.1:8001' },
        { peer: carol.id, outcome: 'failed', reason: 'punch timed out' },
      ], 'cone'),
      A,
      300,
    );
    const told = reports(engine);
    assert.equal(told.length, 2);
    assert.deepEqual(told.map((e) => e.type === 'path_report' && [e.peerId, e.outcome, e.relayServer, e.reason]), [
      [bob.id, 'relay', '127.0.0.1:8001', undefined],
      [carol.id, 'failed', undefined, 'punch timed out'],
    ]);
    const entry = engine.snapshot().entries.find((e) => e.id === alice.id);
    assert.deepEqual(entry?.report, {
      nat: 'cone',
      paths: [
        { peerId: bob.id, outcome: 'relay', relayServer: '127.0.0.1:8001' },
        { peerId: carol.id, outcome: 'failed', reason: 'punch timed out' },
      ],
      at: 300,
    });
    assert.equal(engine.snapshot().entries.find((e) => e.id === bob.id)?.report, undefined, 'bob sent none');
  });

  it('is believed only from the registered client, at its address, with its token', () => {
    const engine = newEngine();
    const token = join(engine, alice, 'alice', A, 0);
    const tokenB = join(engine, bob, 'bob', B, 0);
    events(engine);
    const claim: PathClaim[] = [{ peer: bob.id, outcome: 'direct' }];
    engine.receive(report(alice, token, claim), SPOOFER, 10); // alice's token from another address
    engine.receive(report(alice, tokenB, claim), A, 20); // bob's token
    engine.receive(report(alice, new Uint8Array(16), claim), A, 30); // a guessed token
    engine.receive(report(carol, token, claim), A, 40); // another id at alice's address
    assert.deepEqual(reports(engine), []);
    assert.deepEqual(replies(engine), []);
    assert.equal(drops(engine)['report-not-listed'], 2);
    assert.equal(drops(engine)['report-bad-token'], 2);
    assert.equal(engine.snapshot().entries.find((e) => e.id === alice.id)?.report, undefined);
  });

  it('bad sets are dropped whole and counted by reason; oversized ones never decode', () => {
    const engine = newEngine();
    const token = join(engine, alice, 'alice', A, 0);
    events(engine);
    engine.receive(report(alice, token, [{ peer: alice.id, outcome: 'direct' }]), A, 10);
    engine.receive(report(alice, token, [{ peer: bob.id, outcome: 'direct' }, { peer: bob.id, outcome: 'failed' }]), A, 20);
    engine.receive(report(alice, token, [{ peer: bob.id, outcome: 'direct', relay: '1.2.3.4:5' }]), A, 30);
    engine.receive(report(alice, token, [{ peer: bob.id, outcome: 'relay' }]), A, 40);
    engine.receive(report(alice, token, [{ peer: bob.id, outcome: 'direct', reason: 'x' }]), A, 50);
    const many = Array.from({ length: MAX_PATH_CLAIMS + 1 }, (_, i): PathClaim => ({ peer: i.toString(16).padStart(4, '0'), outcome: 'direct' }));
    engine.receive(report(alice, token, many), A, 60);
    // A reason with a control character, and a relay that is not HOST:PORT: the schema refuses them.
    engine.receive(rawReport(alice.id, token, { peer: bob.id, outcome: 'failed', reason: 'a\u001b[2Jb' }), A, 70);
    engine.receive(rawReport(alice.id, token, { peer: bob.id, outcome: 'relay', relay: 'evil.example:1' }), A, 80);
    const d = drops(engine);
    assert.equal(d['report-self-claim'], 1);
    assert.equal(d['report-duplicate-peer'], 1);
    assert.equal(d['report-bad-claim'], 3);
    assert.equal(d['bad-shape'], 3);
    assert.deepEqual(reports(engine), []);
  });

  it('is rate-limited per client like heartbeats', () => {
    const engine = newEngine();
    const token = join(engine, alice, 'alice', A, 0);
    join(engine, bob, 'bob', B, 0);
    events(engine);
    for (let i = 0; i < PATH_REPORT_BURST + 5; i++) {
      engine.receive(report(alice, token, [{ peer: bob.id, outcome: i % 2 ? 'direct' : 'failed' }]), A, 1000);
    }
    assert.equal(reports(engine).length, PATH_REPORT_BURST);
    assert.equal(drops(engine)['report-rate-limited'], 5);
  });

  it('is forgotten with the entry: a client that left and came back has no claims until it reports', () => {
    const engine = newEngine();
    const token = join(engine, alice, 'alice', A, 0);
    join(engine, bob, 'bob', B, 0);
    engine.receive(report(alice, token, [{ peer: bob.id, outcome: 'direct' }]), A, 10);
    engine.receive(encode({ t: MsgType.Leave, id: alice.id, token }), A, 20);
    events(engine);
    join(engine, alice, 'alice', A, 30);
    assert.equal(engine.snapshot().entries.find((e) => e.id === alice.id)?.report, undefined);
  });
});

/** A report encoded without the schema's help (the encoder does not validate). */
function rawReport(id: string, token: Uint8Array, claim: Record<string, unknown>): Uint8Array {
  return encode({ t: MsgType.PathReport, id, token, paths: [claim as unknown as PathClaim] });
}
