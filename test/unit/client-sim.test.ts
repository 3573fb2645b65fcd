// The client engine end to end in a simulated network with a fake clock: three discovery
// servers on the "internet", clients behind no NAT, cone or symmetric NATs, loss and
// duplication, mapping flushes. The same engines the processes run, in milliseconds.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decode } from '../../src/codec.ts';
import { MsgType } from '../../src/wire.ts';
import { Recorded, SERVERS, connectPair, world, type Placement } from '../helpers/sim-clients.ts';

function chat(w: ReturnType<typeof connectPair>, count: number, tag: string, until: number) {
  for (let i = 0; i < count; i++) {
    w.a.client.engine.send(w.b.name, `${tag}-a${i}`, `${tag}-a${i}`, w.net.now);
    w.b.client.engine.send(w.a.name, `${tag}-b${i}`, `${tag}-b${i}`, w.net.now);
  }
  w.net.flush();
  w.net.run(w.net.now + until);
  const got = (c: Recorded, prefix: string) => c.of('message').map((m) => m.text).filter((t) => t.startsWith(prefix));
  assert.deepEqual(got(w.b.client, `${tag}-a`), Array.from({ length: count }, (_, i) => `${tag}-a${i}`));
  assert.deepEqual(got(w.a.client, `${tag}-b`), Array.from({ length: count }, (_, i) => `${tag}-b${i}`));
}

const cases: [string, Placement[], 'direct' | 'relay'][] = [
  ['none–none', [{ nat: 'none' }, { nat: 'none' }], 'direct'],
  ['none–cone', [{ nat: 'none' }, { nat: 'cone' }], 'direct'],
  ['cone–cone', [{ nat: 'cone' }, { nat: 'cone' }], 'direct'],
  ['none–symmetric', [{ nat: 'none' }, { nat: 'symmetric' }], 'direct'],
  ['symmetric–none', [{ nat: 'symmetric' }, { nat: 'none' }], 'direct'],
  ['cone–symmetric', [{ nat: 'cone' }, { nat: 'symmetric' }], 'relay'],
  ['symmetric–symmetric', [{ nat: 'symmetric' }, { nat: 'symmetric' }], 'relay'],
];

describe('punching across simulated NATs', () => {
  for (const [label, placements, via] of cases) {
    test(`${label}: ${via}, and chat flows`, () => {
      const w = connectPair(placements);
      const ca = w.a.client.of('connected');
      const cb = w.b.client.of('connected');
      assert.ok(ca.length >= 1 && cb.length >= 1, `connected on both sides: ${JSON.stringify(w.a.client.events.slice(-5))}`);
      assert.equal(ca.at(-1)?.via, via);
      assert.equal(cb.at(-1)?.via, via);
      assert.equal(ca[0]?.peerId, w.b.id);
      chat(w, 20, 'x', 20_000);
    });
  }

  test('a relaying server sees only ciphertext', () => {
    const w = connectPair([{ nat: 'symmetric' }, { nat: 'symmetric' }]);
    assert.equal(w.a.client.of('connected').at(-1)?.via, 'relay');
    chat(w, 10, 'relay-secret-olá', 10_000);
    const relays = w.serverInbox.map((b) => decode(b)).filter((d) => d.ok && d.msg.t === MsgType.Relay);
    assert.ok(relays.length > 20, 'the chat went through the relay');
    const needle = Buffer.from('relay-secret');
    assert.equal(w.serverInbox.filter((b) => Buffer.from(b).includes(needle)).length, 0, 'no plaintext reached a server');
    const inner = relays.map((d) => (d.ok && d.msg.t === MsgType.Relay ? decode(d.msg.data) : undefined));
    assert.ok(inner.every((d) => d?.ok && [MsgType.Punch, MsgType.PunchAck, MsgType.Handshake, MsgType.Sealed].includes(d.msg.t as 20)), 'relayed: probes, handshake and sealed frames only');
  });

  test('NAT types are detected from two server ports', () => {
    const w = world([{ nat: 'none' }, { nat: 'cone' }, { nat: 'symmetric' }]);
    w.net.run(3_000);
    assert.deepEqual(w.clients.map((c) => c.client.of('ready')[0]?.nat), ['none', 'cone', 'symmetric']);
  });

  test('two clients behind one NAT connect over their LAN', () => {
    const w = connectPair([{ nat: 'cone', box: 1 }, { nat: 'cone', box: 1 }]);
    const c = w.a.client.of('connected').at(-1);
    assert.equal(c?.via, 'direct');
    assert.equal(c?.addr, `${w.b.ip}:${w.b.port}`);
    chat(w, 5, 'lan', 5_000);
  });

  test('30% loss and 10% duplication: every message once, in order', () => {
    const w = connectPair([{ nat: 'cone' }, { nat: 'cone' }], 11);
    assert.equal(w.a.client.of('connected').at(-1)?.via, 'direct');
    w.net.loss = 0.3;
    w.net.duplication = 0.1;
    chat(w, 100, 'lossy', 60_000);
    assert.equal(w.a.client.of('failed').length, 0);
  });

  test('a flushed NAT mapping recovers without loss or duplicates', () => {
    const w = connectPair([{ nat: 'cone' }, { nat: 'cone' }]);
    chat(w, 5, 'before', 3_000);
    const before = w.b.client.of('connected').at(-1)?.addr;
    w.net.nat('203.0.113.50')?.flush();
    chat(w, 10, 'during', 30_000);
    const after = w.b.client.of('connected').at(-1)?.addr;
    assert.notEqual(after, before, 'b now talks to a new public port of a');
    assert.equal(w.a.client.of('disconnected').length, 0);
  });

  test('after a mapping flush the path moves within seconds, through a sealed path check', () => {
    const w = connectPair([{ nat: 'cone' }, { nat: 'cone' }]);
    chat(w, 2, 'warm', 2_000);
    const seen = w.b.client.of('connected').length;
    const flushedAt = w.net.now;
    w.net.nat('203.0.113.50')?.flush();
    w.a.client.engine.send(w.b.name, 'after-flush', 'after-flush', w.net.now);
    w.net.flush();
    while (w.b.client.of('connected').length === seen && w.net.now < flushedAt + 30_000) w.net.run(w.net.now + 100);
    const recoveredMs = w.net.now - flushedAt;
    assert.ok(recoveredMs <= 8_000, `b moved to a's new port after ${recoveredMs} ms`);
    w.net.run(w.net.now + 3_000);
    assert.ok(w.a.client.of('delivered').some((d) => d.ref === 'after-flush'));
    assert.equal(w.a.client.of('disconnected').length + w.b.client.of('disconnected').length, 0);
    assert.equal(w.b.client.engine.dropCounts()['path-response-unknown'] ?? 0, 0);
  });

  test('the chat goes on with every server gone', () => {
    const w = connectPair([{ nat: 'cone' }, { nat: 'cone' }]);
    for (const [ip, port] of SERVERS) w.net.remove(ip, port);
    chat(w, 10, 'serverless', 5_000);
    w.net.run(w.net.now + 120_000); // idle for two minutes: keepalives hold it open
    chat(w, 3, 'later', 5_000);
    assert.equal(w.a.client.of('disconnected').length, 0);
  });

  test('an unknown peer attempt fails within about 10 s with a reason', () => {
    const w = world([{ nat: 'none' }]);
    w.net.run(3_000);
    assert.throws(() => w.clients[0]?.client.engine.connectPeer('ghost', w.net.now), /no online peer/);
  });
});
