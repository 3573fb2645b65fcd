// The control-plane attacks of issue 9 against two real client engines in the simulated
// network, on a fake clock: an attacker host on the "internet" forges Punch, PunchAck,
// Handshake and (as a malicious server) Introduce datagrams, using cids read from the wire
// (here: from the engines, which is what an on-path attacker sees). Each must leave the
// session where it was: same path, same peer cid, same name, chat delivered.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Conversation } from '../../client/core/conversation.ts';
import { decode, encode } from '../../src/codec.ts';
import type { Engine } from '../../src/net/transport.ts';
import { MsgType, type Candidate, type Endpoint, type Message } from '../../src/wire.ts';
import { signIntroduce } from '../../src/crypto/signed.ts';
import type { DiscoveryServerEngine } from '../../discovery/core/server-engine.ts';
import { SERVERS, connectPair } from '../helpers/sim-clients.ts';

const ATTACKER: Endpoint = ['198.51.100.66', 6666];

/** A host that records what it receives and sends what it is told to. */
class AttackerHost implements Engine {
  readonly received: { msg: Message | undefined; bytes: number }[] = [];
  private readonly outbox: { to: Endpoint; bytes: Uint8Array }[] = [];
  send(to: Endpoint, msg: Message): void {
    this.outbox.push({ to, bytes: encode(msg) });
  }
  receive(bytes: Uint8Array): void {
    const d = decode(bytes);
    this.received.push({ msg: d.ok ? d.msg : undefined, bytes: bytes.length });
  }
  handleTimeout(): void {}
  pollTransmit() {
    return this.outbox.shift();
  }
  nextTimeout() {
    return undefined;
  }
  pollEvent() {
    return undefined;
  }
  count(t: number): number {
    return this.received.filter((r) => r.msg?.t === t).length;
  }
}

function setup() {
  const w = connectPair([{ nat: 'none' }, { nat: 'none' }]);
  const attacker = new AttackerHost();
  w.net.add(ATTACKER[0], ATTACKER[1], attacker);
  const convA = w.a.client.engine.conversationWith(w.b.id) as Conversation;
  const convB = w.b.client.engine.conversationWith(w.a.id) as Conversation;
  assert.equal(convA.state, 'connected');
  assert.equal(convB.state, 'connected');
  const addrA = w.a.client.of('connected').at(-1)?.addr;
  const addrB = w.b.client.of('connected').at(-1)?.addr;
  /** The session is where it was, on both sides, and chat still flows both ways. */
  const unchanged = (tag: string) => {
    assert.equal(w.a.client.engine.conversationWith(w.b.id), convA, 'a keeps the same conversation');
    assert.equal(w.b.client.engine.conversationWith(w.a.id), convB, 'b keeps the same conversation');
    assert.equal(convA.remoteCid, convB.localCid);
    assert.equal(convB.remoteCid, convA.localCid);
    assert.equal(convA.peerName, w.b.name);
    assert.equal(convB.peerName, w.a.name);
    assert.deepEqual(convA.path, { kind: 'direct', addr: [w.b.ip, w.b.port] });
    assert.deepEqual(convB.path, { kind: 'direct', addr: [w.a.ip, w.a.port] });
    assert.equal(w.a.client.of('connected').at(-1)?.addr, addrA);
    assert.equal(w.b.client.of('connected').at(-1)?.addr, addrB);
    w.a.client.engine.send(w.b.id, `${tag}-ab`, `${tag}-ab`, w.net.now);
    w.b.client.engine.send(w.a.id, `${tag}-ba`, `${tag}-ba`, w.net.now);
    w.net.flush();
    w.net.run(w.net.now + 3_000);
    assert.ok(w.a.client.of('delivered').some((d) => d.ref === `${tag}-ab`), 'a -> b delivered');
    assert.ok(w.b.client.of('delivered').some((d) => d.ref === `${tag}-ba`), 'b -> a delivered');
    for (const c of [w.a.client, w.b.client]) {
      assert.deepEqual(c.of('disconnected'), []);
      assert.deepEqual(c.of('connect_failed'), [], 'no attempt the victim never made is reported');
      assert.deepEqual(c.of('failed'), []);
    }
  };
  /**
   * An Introduce as a malicious server sends it: signed with that server's own key for its
   * recipient, so the client takes it as authentic (an unsigned one is dropped before any rule
   * of the conversation is reached, which would prove nothing here).
   */
  const fromServer = (server: number, recipient: string, peer: { id: string; name: string }, candidates: Candidate[]): Message => {
    const ts = w.net.now;
    const key = (w.servers[server] as DiscoveryServerEngine).serverKey;
    return { t: MsgType.Introduce, peer, candidates, ts, sig: signIntroduce(key, { recipient, peer, candidates, ts }) };
  };
  return { ...w, attacker, convA, convB, unchanged, fromServer };
}

describe('a session changes only on authenticated evidence (simulated)', () => {
  test('a forged Punch under another cid neither closes nor replaces the session', () => {
    const s = setup();
    for (let i = 0; i < 5; i++) s.attacker.send([s.a.ip, s.a.port], { t: MsgType.Punch, from: s.b.id, to: s.a.id, name: 'mallory', cid: 0xdead0000 + i });
    s.net.flush();
    s.net.run(s.net.now + 15_000); // past the punch timeout: the pending replacements die silently
    s.unchanged('punch');
    assert.ok(s.attacker.count(MsgType.Sealed) === 0, 'no sealed traffic went to the attacker');
  });

  test('a forged Punch with the session cid renames nothing and moves nothing', () => {
    const s = setup();
    s.attacker.send([s.a.ip, s.a.port], { t: MsgType.Punch, from: s.b.id, to: s.a.id, name: 'mallory', cid: s.convB.localCid });
    s.net.flush();
    s.net.run(s.net.now + 5_000);
    s.unchanged('punch-cid');
    // One PunchAck, and a path check within 3x of the 1 datagram it sent: nothing more.
    const bytesIn = s.attacker.received.reduce((n, r) => n + r.bytes, 0);
    assert.ok(s.attacker.count(MsgType.PunchAck) <= 1);
    assert.ok(bytesIn <= 3 * encode({ t: MsgType.Punch, from: s.b.id, to: s.a.id, name: 'mallory', cid: s.convB.localCid }).length, `attacker got ${bytesIn} bytes`);
  });

  test('two forged PunchAcks do not move either peer to the attacker', () => {
    const s = setup();
    for (let i = 0; i < 3; i++) {
      s.attacker.send([s.a.ip, s.a.port], { t: MsgType.PunchAck, from: s.b.id, to: s.a.id, name: 'bob?', cid: s.convB.localCid, echo: s.convA.localCid });
      s.attacker.send([s.b.ip, s.b.port], { t: MsgType.PunchAck, from: s.a.id, to: s.b.id, name: 'alice?', cid: s.convA.localCid, echo: s.convB.localCid });
    }
    s.net.flush();
    s.net.run(s.net.now + 5_000);
    s.unchanged('punchack');
    // What the attacker got: sealed path challenges it cannot answer, at most a few per victim.
    assert.equal(s.attacker.count(MsgType.PunchAck) + s.attacker.count(MsgType.Punch), 0);
    assert.ok(s.attacker.count(MsgType.Sealed) <= 6, `challenges: ${s.attacker.count(MsgType.Sealed)}`);
  });

  test('a junk Handshake does not overwrite the peer cid', () => {
    const s = setup();
    for (const data of [new Uint8Array(32).fill(7), new Uint8Array(48).fill(8), new Uint8Array(96).fill(9)]) {
      s.attacker.send([s.a.ip, s.a.port], { t: MsgType.Handshake, cid: s.convA.localCid, scid: 0x0bad, data });
    }
    s.net.flush();
    s.net.run(s.net.now + 100);
    assert.equal(s.convA.remoteCid, s.convB.localCid, 'the peer cid is the one the handshake proved');
    s.net.run(s.net.now + 2_000);
    s.unchanged('handshake');
    assert.equal(s.attacker.received.length, 0, 'nothing answered to the attacker');
  });

  test('an Introduce from a malicious server only gets its candidates probed, never adopted', () => {
    const s = setup();
    const intro = s.fromServer(0, s.a.id, { id: s.b.id, name: 'bob-renamed' }, [{ kind: 'public', addr: ATTACKER }]);
    // Accepted as authentic: it comes from a server's address (a malicious server).
    s.a.client.engine.receive(encode(intro), SERVERS[0] as Endpoint, s.net.now);
    s.net.flush();
    // The attacker answers every probe as well as it can: a PunchAck with the cids it saw.
    for (let t = 0; t < 20; t++) {
      s.net.run(s.net.now + 250);
      const punches = s.attacker.count(MsgType.Punch);
      for (let i = 0; i < punches; i++) s.attacker.send([s.a.ip, s.a.port], { t: MsgType.PunchAck, from: s.b.id, to: s.a.id, name: 'bob-renamed', cid: s.convB.localCid, echo: s.convA.localCid });
      s.attacker.received.length = 0;
    }
    s.unchanged('introduce');
  });

  test('LAN candidates must be LAN addresses; 2,000 introductions probe a sink a bounded number of times', () => {
    const s = setup();
    const before = s.a.client.engine.dropCounts()['candidate-refused'] ?? 0;
    const bad: Endpoint[] = [['198.51.100.66', 6666], ['224.0.0.251', 5353], ['255.255.255.255', 9], ['0.0.0.0', 7]];
    const lan = s.fromServer(0, s.a.id, { id: 'ab'.repeat(32), name: 'carol' }, bad.map((addr) => ({ kind: 'lan' as const, addr })));
    s.a.client.engine.receive(encode(lan), SERVERS[0] as Endpoint, s.net.now);
    assert.equal((s.a.client.engine.dropCounts()['candidate-refused'] ?? 0) - before, bad.length);
    s.net.flush();
    s.net.run(s.net.now + 1_000);
    assert.equal(s.attacker.received.length, 0, 'no LAN probe left for a public address');
    // 2,000 identities, each introduced with the sink as its public candidate.
    const t0 = s.net.now;
    for (let i = 0; i < 2_000; i++) {
      const id = i.toString(16).padStart(64, 'c');
      const m = s.fromServer(i % 3, s.a.id, { id, name: `p${i}` }, [{ kind: 'public', addr: ATTACKER }]);
      s.a.client.engine.receive(encode(m), SERVERS[i % 3] as Endpoint, s.net.now);
      if (i % 100 === 99) {
        s.net.flush();
        s.net.run(s.net.now + 100);
      }
    }
    s.net.flush();
    s.net.run(t0 + 15_000);
    const seconds = (s.net.now - t0) / 1000;
    assert.ok(s.attacker.received.length <= 24 + seconds + 2, `sink got ${s.attacker.received.length} probes in ${seconds} s`);
    s.unchanged('reflect');
  });
});
