// The secure link of a conversation, alone: the Noise XX handshake between two links (the
// lower id initiates), the handshake retransmission schedule and its timeout, sealing frames
// into one datagram and opening them, and every datagram that must not open (forged,
// replayed, for another conversation, malformed inside) dropped and counted by reason.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SecureLink } from '../../client/core/secure-link.ts';
import { encode } from '../../src/codec.ts';
import { HANDSHAKE_TIMEOUT_MS } from '../../src/constants.ts';
import { isInitiator } from '../../src/crypto/handshake.ts';
import { Identity } from '../../src/crypto/identity.ts';
import { MsgType, type Message, type MessageOf } from '../../src/wire.ts';

const one = Identity.fromSeed(new Uint8Array(32).fill(1)) as Identity;
const two = Identity.fromSeed(new Uint8Array(32).fill(2)) as Identity;
const [low, high] = isInitiator(one.id, two.id) ? [one, two] : [two, one];
const LOW_CID = 0x1111;
const HIGH_CID = 0x2222;

type Sealed = MessageOf<typeof MsgType.Sealed>;
const sealed = (m: Message): Sealed => {
  assert.equal(m.t, MsgType.Sealed);
  return m as Sealed;
};

/** Two links with a completed handshake: `i` initiated, `r` responded. */
function handshake(now = 0): { i: SecureLink; r: SecureLink } {
  const i = new SecureLink(low, LOW_CID);
  const r = new SecureLink(high, HIGH_CID);
  assert.equal(r.begin(low.id, now), undefined, 'the higher id waits');
  const m1 = i.begin(high.id, now);
  assert.ok(m1);
  const s2 = r.receiveHandshake(m1, low.id, now);
  assert.ok(s2?.reply && !s2.done);
  const s3 = i.receiveHandshake(s2.reply, high.id, now);
  assert.ok(s3?.reply && s3.done, 'the initiator is done after the second message (XX)');
  const s4 = r.receiveHandshake(s3.reply, low.id, now);
  assert.ok(s4?.done);
  return { i, r };
}

const ping = (cid: number): Uint8Array => encode({ t: MsgType.Ping, cid });

describe('secure link: handshake', () => {
  it('completes between two links; each proves its identity key to the other', () => {
    const { i, r } = handshake();
    assert.ok(i.secure && r.secure);
    assert.deepEqual(i.remoteIdentityPk, high.publicKey);
    assert.deepEqual(r.remoteIdentityPk, low.publicKey);
    assert.equal(i.nextTimeout(), undefined, 'no timers once secure');
    assert.equal(r.handshaking, false);
  });

  it('resends its last message on a doubling schedule, capped, and times out', () => {
    const i = new SecureLink(low, LOW_CID);
    const m1 = i.begin(high.id, 0);
    const resent: number[] = [];
    for (let now = 0; now < HANDSHAKE_TIMEOUT_MS; now += 50) {
      const again = i.retransmit(now);
      if (again) {
        assert.deepEqual(again, m1);
        resent.push(now);
      }
    }
    assert.deepEqual(resent, [250, 750, 1_750, 3_750, 5_750, 7_750, 9_750]);
    assert.equal(i.timedOut(HANDSHAKE_TIMEOUT_MS - 1), false);
    assert.equal(i.timedOut(HANDSHAKE_TIMEOUT_MS), true);
    assert.equal(i.nextTimeout(), HANDSHAKE_TIMEOUT_MS, 'the next resend would be after the give-up');
  });

  it('drops handshake messages by reason: wrong role, garbage, a key that is not the expected peer', () => {
    const i = new SecureLink(low, LOW_CID);
    i.begin(high.id, 0);
    const other = new SecureLink(low, 0x3333);
    assert.equal(other.receiveHandshake(new Uint8Array(48), high.id, 0), undefined);
    assert.deepEqual(other.cipherDrops(), { 'handshake-role': 1 }, 'the lower id never answers a first message');

    const r = new SecureLink(high, HIGH_CID);
    assert.equal(r.receiveHandshake(Uint8Array.of(9, 9, 9), low.id, 0), undefined);
    assert.equal(r.cipherDrops()['handshake-rejected'], 1);

    // The peer proves a key whose id is not the one we meant to reach.
    const stranger = Identity.fromSeed(new Uint8Array(32).fill(3)) as Identity;
    const i2 = new SecureLink(low, LOW_CID);
    const r2 = new SecureLink(high, HIGH_CID);
    const s2 = r2.receiveHandshake(i2.begin(high.id, 0) as Uint8Array, low.id, 0);
    const s3 = i2.receiveHandshake(s2?.reply as Uint8Array, stranger.id, 0);
    assert.equal(s3, undefined);
    assert.equal(i2.cipherDrops()['handshake-identity-mismatch'], 1);
    assert.equal(i2.secure, false);
  });
});

describe('secure link: sealed frames', () => {
  it('seals several frames into one datagram and opens them, both ways', () => {
    const { i, r } = handshake();
    const frames = [ping(HIGH_CID), encode({ t: MsgType.Data, cid: HIGH_CID, seq: 0, more: false, body: Uint8Array.of(1, 2) })];
    const msg = sealed(i.seal(frames, HIGH_CID, 1));
    assert.equal(msg.cid, HIGH_CID);
    const opened = r.open(msg, 1);
    assert.deepEqual(opened?.map((f) => f.t), [MsgType.Ping, MsgType.Data]);
    assert.deepEqual(r.open(sealed(r.seal([ping(LOW_CID)], LOW_CID, 2)), 2), undefined, 'our own datagram is not for us');
    assert.deepEqual(i.open(sealed(r.seal([ping(LOW_CID)], LOW_CID, 2)), 2), [{ t: MsgType.Ping, cid: LOW_CID }]);
  });

  it('drops forged, replayed and foreign datagrams, each under its reason', () => {
    const { i, r } = handshake();
    const good = sealed(i.seal([ping(HIGH_CID)], HIGH_CID, 1));
    assert.ok(r.open(good, 1));
    assert.equal(r.open(good, 1), undefined, 'replayed');
    const forged = { ...good, n: good.n + 1, ct: Uint8Array.from(good.ct, (b, k) => (k === 0 ? b ^ 1 : b)) };
    assert.equal(r.open(forged, 1), undefined, 'forged');
    const elsewhere = sealed(i.seal([ping(HIGH_CID)], 0x9999, 1)); // sealed for another conversation's cid
    assert.equal(r.open({ ...elsewhere, cid: HIGH_CID }, 1), undefined, 'foreign');
    const wrongInner = sealed(i.seal([ping(0x9999)], HIGH_CID, 1)); // authentic, but a frame for another cid inside
    assert.equal(r.open(wrongInner, 1), undefined);
    const notAFrame = sealed(i.seal([encode({ t: MsgType.Handshake, cid: HIGH_CID, scid: LOW_CID, data: new Uint8Array(4) })], HIGH_CID, 1));
    assert.equal(r.open(notAFrame, 1), undefined);
    const garbage = sealed(i.seal([Uint8Array.of(0xff, 0xff)], HIGH_CID, 1));
    assert.equal(r.open(garbage, 1), undefined);
    const empty = sealed(i.seal([], HIGH_CID, 1));
    assert.equal(r.open(empty, 1), undefined);
    assert.deepEqual(r.cipherDrops(), { replay: 1, auth: 2, 'sealed-wrong-cid': 1, 'sealed-not-a-frame': 2, 'sealed-empty': 1 });
  });

  it('drops a sealed datagram that arrives before the handshake', () => {
    const { i } = handshake();
    const early = new SecureLink(high, HIGH_CID);
    assert.equal(early.open(sealed(i.seal([ping(HIGH_CID)], HIGH_CID, 0)), 0), undefined);
    assert.deepEqual(early.cipherDrops(), { 'sealed-before-handshake': 1 });
  });
});
