import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { TAG_BYTES, TransportCipher, type Sealed } from '../../src/crypto/transport-cipher.ts';
import { nextGenerationKey, ratchet } from '../../src/crypto/rekey.ts';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array | undefined): string | undefined => (b ? new TextDecoder().decode(b) : undefined);

function pair(options: { rekey?: { afterMessages?: number; afterMs?: number }; now?: number } = {}): { a: TransportCipher; b: TransportCipher } {
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);
  return { a: new TransportCipher({ tx: k1, rx: k2, ...options }), b: new TransportCipher({ tx: k2, rx: k1, ...options }) };
}

describe('transport cipher', () => {
  it('round trips, both directions, with counters in order', () => {
    const { a, b } = pair();
    const s0 = a.seal(text('hi bob'));
    const s1 = a.seal(text('again'));
    assert.deepEqual([s0.counter, s1.counter, s0.generation], [0, 1, 0]);
    assert.equal(s0.ciphertext.length, 6 + TAG_BYTES);
    assert.equal(str(b.open(s0)), 'hi bob');
    assert.equal(str(b.open(s1)), 'again');
    assert.equal(str(a.open(b.seal(text('hi alice')))), 'hi alice');
    assert.equal(str(b.open(a.seal(new Uint8Array(0)))), '');
  });

  it('tampering with any byte, the counter or the associated data fails', () => {
    const { a, b } = pair();
    const ad = Uint8Array.of(0, 0, 0, 42);
    const sealed = a.seal(text('attack at dawn'), undefined, ad);
    for (let i = 0; i < sealed.ciphertext.length; i++) {
      for (const bit of [1, 0x80]) {
        const ct = Uint8Array.from(sealed.ciphertext);
        ct[i]! ^= bit;
        assert.equal(b.open({ ...sealed, ciphertext: ct }, undefined, ad), undefined, `byte ${i}`);
      }
    }
    assert.equal(b.open({ ...sealed, counter: 1 }, undefined, ad), undefined);
    assert.equal(b.open(sealed, undefined, Uint8Array.of(0, 0, 0, 43)), undefined);
    assert.equal(b.open(sealed), undefined, 'AD missing');
    assert.equal(b.drops.counts.get('auth'), sealed.ciphertext.length * 2 + 3);
    assert.equal(str(b.open(sealed, undefined, ad)), 'attack at dawn', 'failed forgeries did not burn the counter');
  });

  it('drops replays, accepts reordering within the window, drops beyond it', () => {
    const { a, b } = pair();
    const sent = Array.from({ length: 9000 }, (_, i) => a.seal(text(`m${i}`)));
    assert.equal(str(b.open(sent[5]!)), 'm5');
    assert.equal(b.open(sent[5]!), undefined);
    assert.equal(str(b.open(sent[3]!)), 'm3');
    assert.equal(str(b.open(sent[4]!)), 'm4');
    assert.equal(b.open(sent[3]!), undefined);
    assert.equal(str(b.open(sent[8999]!)), 'm8999');
    assert.equal(str(b.open(sent[8999 - 8000]!)), `m${8999 - 8000}`);
    assert.equal(b.open(sent[6]!), undefined, 'beyond the 8160-counter window');
    assert.deepEqual(b.drops.toJSON(), { replay: 2, 'too-old': 1 });
  });

  it('drops datagrams sealed under a foreign key', () => {
    const { a } = pair();
    const { b: stranger } = pair();
    assert.equal(stranger.open(a.seal(text('not for you'))), undefined);
    assert.equal(stranger.drops.counts.get('auth'), 1);
  });

  it('drops malformed input without throwing', () => {
    const { b } = pair();
    const junk = [
      { generation: -1, counter: 0, ciphertext: new Uint8Array(20) },
      { generation: 0, counter: 2 ** 53, ciphertext: new Uint8Array(20) },
      { generation: 0, counter: 0, ciphertext: new Uint8Array(15) },
      { generation: 0, counter: 0, ciphertext: new Uint8Array(5000) },
      { generation: 0, counter: 0, ciphertext: 'nope' },
      undefined,
      null,
    ] as unknown as Sealed[];
    for (const s of junk) assert.equal(b.open(s), undefined);
    assert.equal(b.drops.counts.get('malformed'), junk.length);
  });

  it('rekeys after N messages; a reordered datagram of the old generation still opens', () => {
    const { a, b } = pair({ rekey: { afterMessages: 4 } });
    const sent = Array.from({ length: 10 }, (_, i) => a.seal(text(`m${i}`)));
    assert.deepEqual(sent.map((s) => s.generation), [0, 0, 0, 0, 1, 1, 1, 1, 2, 2]);
    assert.deepEqual(sent.map((s) => s.counter), [0, 1, 2, 3, 0, 1, 2, 3, 0, 1]);
    assert.equal(str(b.open(sent[0]!)), 'm0');
    assert.equal(str(b.open(sent[4]!)), 'm4'); // b moves to generation 1
    assert.equal(b.rxGeneration, 1);
    assert.equal(str(b.open(sent[2]!)), 'm2'); // late, from generation 0: still accepted
    assert.equal(b.open(sent[2]!), undefined); // but only once
    assert.equal(str(b.open(sent[8]!)), 'm8'); // generation 2: generation 0 is forgotten
    assert.equal(b.open(sent[1]!), undefined);
    assert.equal(str(b.open(sent[5]!)), 'm5'); // generation 1 is now the previous one
    assert.equal(b.drops.counts.get('bad-generation'), 1);
  });

  it('rekeys after a time; the previous generation expires PREVIOUS_GENERATION_TTL later', () => {
    const { a, b } = pair({ now: 0, rekey: { afterMs: 120_000 } });
    const old1 = a.seal(text('old1'), 1_000);
    const old2 = a.seal(text('old2'), 119_999);
    const fresh = a.seal(text('fresh'), 120_000);
    assert.deepEqual([old1.generation, old2.generation, fresh.generation], [0, 0, 1]);
    assert.equal(str(b.open(fresh, 120_010)), 'fresh');
    assert.equal(str(b.open(old1, 120_020)), 'old1');
    assert.equal(b.open(old2, 120_010 + 15_000), undefined);
    assert.equal(a.seal(text('x'), 239_999).generation, 1);
    assert.equal(a.seal(text('y'), 240_000).generation, 2);
  });

  it('catches up over generations whose datagrams were all lost, but not forged far jumps', () => {
    const { a, b } = pair({ rekey: { afterMessages: 1 } });
    const sent = Array.from({ length: 8 }, (_, i) => a.seal(text(`m${i}`)));
    assert.equal(str(b.open(sent[3]!)), 'm3'); // skipped generations 0..2
    assert.equal(b.open(sent[3 + 5]!), undefined); // 5 ahead > MAX_GENERATION_SKIP
    // a forged datagram claiming the next generation does not move the receiver
    assert.equal(b.open({ generation: 4, counter: 0, ciphertext: new Uint8Array(40) }), undefined);
    assert.equal(b.rxGeneration, 3);
    assert.equal(str(b.open(sent[4]!)), 'm4');
  });

  it('ratchets are one-way and deterministic', () => {
    const k = randomBytes(32);
    assert.deepEqual(ratchet(k, 2), nextGenerationKey(nextGenerationKey(k)));
    assert.notDeepEqual(nextGenerationKey(k), k);
    assert.deepEqual(ratchet(k, 0), new Uint8Array(k));
  });

  it('seal/open of 100-byte payloads is allocation-light (sanity, no timing assertion)', () => {
    const { a, b } = pair();
    const payload = randomBytes(100);
    const n = 20_000;
    globalThis.gc?.();
    const before = process.memoryUsage();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const out = b.open(a.seal(payload));
      if (!out || out.length !== 100) assert.fail(`datagram ${i}`);
    }
    const ms = performance.now() - t0;
    const after = process.memoryUsage();
    // Per datagram: one ciphertext and one plaintext buffer, nothing retained.
    const retainedPerDatagram = (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / n;
    console.log(`# ${n} seal+open of 100 B in ${ms.toFixed(0)} ms (${((n / ms) * 1000).toFixed(0)}/s), ~${retainedPerDatagram.toFixed(0)} B/datagram heap growth`);
    assert.equal(b.drops.total, 0);
  });
});
