// The operator's status watch with a fake clock, against a real server engine: up on a
// signed answer to our nonce; a forged answer (another key), a replayed one and one to a
// nonce we never sent are refused and counted; a silent server is down 3.2 s after its last
// answer (within 5 s), and up again when it answers; without a key the first one is pinned.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage, encode } from '../../src/codec.ts';
import { Identity } from '../../src/crypto/identity.ts';
import { MsgType, type Endpoint, type Message } from '../../src/wire.ts';
import { DiscoveryServerEngine } from '../../discovery/core/server-engine.ts';
import { signClaim } from '../../src/crypto/signed.ts';
import { statusBytes, type StatusReply } from '../../discovery/core/status.ts';
import { STATUS_DOWN_AFTER_MS, StatusWatch, type StatusChange } from '../../discovery/core/status-watch.ts';

const SERVER: Endpoint = ['203.0.113.10', 8000];
const VIEW: Endpoint = ['192.0.2.1', 9999];

function setup(withKey = true) {
  let counter = 0;
  const watch = new StatusWatch({ random: (n) => new Uint8Array(n).fill(++counter), wallClock: (now) => 1_700_000_000_000 + now });
  const server = new DiscoveryServerEngine();
  watch.watch(SERVER, withKey ? server.serverKey.publicKey : undefined, 0);
  /** Runs the watch's timer at `now` and lets the server answer (if `answering`); returns the changes. */
  const step = (now: number, answering = true): StatusChange[] => {
    watch.handleTimeout(now);
    for (let tx = watch.pollTransmit(); tx; tx = watch.pollTransmit()) {
      assert.deepEqual(tx.to, SERVER);
      if (answering) server.receive(tx.bytes, VIEW, now);
    }
    for (let tx = server.pollTransmit(); tx; tx = server.pollTransmit()) watch.receive(tx.bytes, SERVER, now);
    const out: StatusChange[] = [];
    for (let c = watch.pollEvent(); c; c = watch.pollEvent()) out.push(c);
    return out;
  };
  return { watch, server, step };
}

/** A reply as a forger would make it: signed with its own key over the given fields. */
function forged(key: Identity, nonce: Uint8Array, clients = 99): Uint8Array {
  const body = { nonce, pk: key.publicKey, uptimeMs: 1, clients, requests: 1, introductions: 0, relayedSessions: 0, relayedBytes: 0, mailboxDepth: 0, drops: [] as [string, number][] };
  return encode({ t: MsgType.StatusReply, ...body, sig: signClaim(key, statusBytes(body), 'status') });
}

describe('status watch', () => {
  it('up on a signed answer; down 3.2 s after the last one; up again', () => {
    const { watch, step } = setup();
    const first = step(0);
    assert.equal(first.length, 1);
    assert.equal(first[0]?.addr, '203.0.113.10:8000');
    assert.equal(first[0]?.status.up, true);
    assert.equal(first[0]?.status.reply?.clients, 0);
    assert.equal(first[0]?.status.lastSeen, 1_700_000_000_000);
    assert.equal(step(1_000)[0]?.status.up, true);
    // The server stops answering at 2 s.
    let downAt: number | undefined;
    for (let t = 2_000; t <= 10_000 && downAt === undefined; t = Math.min(watch.nextTimeout() ?? Infinity, t + 1_000)) {
      const changes = step(t, false);
      if (changes.some((c) => !c.status.up)) downAt = t;
    }
    assert.equal(downAt, 1_000 + STATUS_DOWN_AFTER_MS);
    assert.ok((downAt ?? Infinity) - 1_000 < 5_000);
    assert.equal(watch.statusOf(SERVER)?.up, false);
    assert.equal(watch.statusOf(SERVER)?.reply?.clients, 0, 'the last figures stay readable while down');
    assert.equal(step(6_000).at(-1)?.status.up, true);
  });

  it('a forged, replayed or unasked reply never makes a server look up', () => {
    const { watch, step } = setup();
    watch.handleTimeout(0);
    const request = decodeMessage((watch.pollTransmit() as { bytes: Uint8Array }).bytes) as Message;
    assert.ok(request.t === MsgType.StatusRequest);
    const forger = Identity.generate();
    watch.receive(forged(forger, request.nonce), SERVER, 10); // signed, but not by the server's key
    watch.receive(forged(forger, new Uint8Array(16).fill(200)), SERVER, 20); // never asked
    assert.equal(watch.pollEvent(), undefined);
    assert.equal(watch.drops.counts.get('status-wrong-key'), 1);
    assert.equal(watch.drops.counts.get('status-unknown-nonce'), 1);
    // The server's own answer still counts.
    assert.equal(step(1_000).at(-1)?.status.up, true);
  });

  it('a replayed answer is refused: its nonce is spent', () => {
    const { watch, server } = setup();
    watch.handleTimeout(0);
    const tx = watch.pollTransmit() as { bytes: Uint8Array };
    server.receive(tx.bytes, VIEW, 0);
    const reply = server.pollTransmit() as { bytes: Uint8Array };
    watch.receive(reply.bytes, SERVER, 1);
    assert.equal(watch.pollEvent()?.status.up, true);
    watch.receive(reply.bytes, SERVER, 2);
    assert.equal(watch.pollEvent(), undefined);
    assert.equal(watch.drops.counts.get('status-unknown-nonce'), 1);
  });

  it('a changed figure breaks the signature', () => {
    const { watch, server } = setup();
    watch.handleTimeout(0);
    server.receive((watch.pollTransmit() as { bytes: Uint8Array }).bytes, VIEW, 0);
    const reply = decodeMessage((server.pollTransmit() as { bytes: Uint8Array }).bytes) as StatusReply;
    watch.receive(encode({ ...reply, clients: reply.clients + 1 }), SERVER, 1);
    assert.equal(watch.pollEvent(), undefined);
    assert.equal(watch.drops.counts.get('status-bad-signature'), 1);
  });

  it('without a key: the first key that answers is trusted for the run', () => {
    const { watch, step } = setup(false);
    assert.equal(step(0)[0]?.status.up, true);
    watch.handleTimeout(1_000);
    const request = decodeMessage((watch.pollTransmit() as { bytes: Uint8Array }).bytes) as Message;
    assert.ok(request.t === MsgType.StatusRequest);
    watch.receive(forged(Identity.generate(), request.nonce), SERVER, 1_001);
    assert.equal(watch.drops.counts.get('status-wrong-key'), 1);
  });

  it('a server that never answers is down after the same silence', () => {
    const { watch, step } = setup();
    step(0, false);
    assert.equal(watch.nextTimeout(), 1_000);
    step(1_000, false);
    step(2_000, false);
    step(3_000, false);
    assert.deepEqual(step(STATUS_DOWN_AFTER_MS, false).map((c) => c.status.up), [false]);
  });
});
