// The registry with a fake clock: heartbeats, expiry, leave, roaming, paging and versions.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encode } from '../../src/codec.ts';
import { MAX_DATAGRAM_BYTES } from '../../src/constants.ts';
import { MsgType, type Endpoint } from '../../src/wire.ts';
import type { RegistryEntry, RegistryInput } from '../../discovery/core/registry.ts';
import { MemoryRegistry } from '../../discovery/data/memory-registry.ts';

const TTL = 35_000;
const hex = (n: number, width = 16): string => n.toString(16).padStart(width, '0');
const peer = (n: number, over: Partial<RegistryInput> = {}): RegistryInput => ({
  id: hex(n),
  name: `peer ${n}`,
  lan: [],
  observed: [`10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`, 10_000 + (n % 50_000)] as Endpoint,
  ...over,
});

describe('MemoryRegistry', () => {
  it('keeps an entry alive while it heartbeats, and expires it TTL after the last one', () => {
    const reg = new MemoryRegistry({ ttlMs: TTL });
    assert.equal(reg.upsert(peer(1), 0).isNew, true);
    assert.equal(reg.nextExpiry(), TTL);
    const beat = reg.upsert(peer(1), 10_000);
    assert.equal(beat.isNew, false);
    assert.equal(beat.endpointChanged, false);
    assert.equal(reg.nextExpiry(), 10_000 + TTL);
    assert.deepEqual(reg.expire(TTL), [], 'refreshed at 10 s: still alive at 35 s');
    assert.equal(reg.expire(10_000 + TTL - 1).length, 0);
    const gone = reg.expire(10_000 + TTL);
    assert.deepEqual(gone.map((e) => e.id), [hex(1)]);
    assert.equal(reg.size, 0);
    assert.equal(reg.get(hex(1)), undefined);
    assert.equal(reg.byEndpoint(peer(1).observed), undefined);
    assert.equal(reg.nextExpiry(), undefined);
  });

  it('expires only the entries that are due, oldest first', () => {
    const reg = new MemoryRegistry({ ttlMs: TTL });
    for (let n = 0; n < 10; n++) reg.upsert(peer(n), n * 1_000);
    reg.upsert(peer(0), 9_500); // peer 0 heartbeats late: it moves to the back
    const gone = reg.expire(TTL + 3_000);
    assert.deepEqual(gone.map((e) => e.id), [1, 2, 3].map((n) => hex(n)));
    assert.equal(reg.nextExpiry(), 4_000 + TTL);
    assert.ok(reg.get(hex(0)));
  });

  it('removes at once on leave, and finds entries by observed endpoint', () => {
    const reg = new MemoryRegistry({ ttlMs: TTL });
    reg.upsert(peer(1), 0);
    reg.upsert(peer(2), 0);
    assert.equal(reg.byEndpoint(peer(2).observed)?.id, hex(2));
    assert.equal(reg.remove(hex(2))?.id, hex(2));
    assert.equal(reg.remove(hex(2)), undefined);
    assert.equal(reg.byEndpoint(peer(2).observed), undefined);
    assert.deepEqual(reg.page(undefined).peers.map((p) => p.id), [hex(1)]);
  });

  it('follows a roaming client to its new endpoint', () => {
    const reg = new MemoryRegistry({ ttlMs: TTL });
    reg.upsert(peer(1), 0);
    const ver = reg.version;
    const moved = reg.upsert(peer(1, { observed: ['198.51.100.7', 4242] }), 1_000);
    assert.equal(moved.endpointChanged, true);
    assert.deepEqual(moved.previousObserved, peer(1).observed);
    assert.equal(reg.byEndpoint(peer(1).observed), undefined);
    assert.equal(reg.byEndpoint(['198.51.100.7', 4242])?.id, hex(1));
    assert.equal(reg.version, ver, 'the peer list shows no endpoints: no version bump');
  });

  it('gives an endpoint to the id that registered from it last', () => {
    const reg = new MemoryRegistry({ ttlMs: TTL });
    reg.upsert(peer(1), 0);
    const result = reg.upsert(peer(2, { observed: peer(1).observed }), 1_000);
    assert.equal(result.displaced?.id, hex(1));
    assert.equal(reg.get(hex(1)), undefined);
    assert.equal(reg.byEndpoint(peer(1).observed)?.id, hex(2));
  });

  it('bumps the version on join, leave, rename and expiry, not on heartbeats or LAN changes', () => {
    const reg = new MemoryRegistry({ ttlMs: TTL, initialVersion: 41 });
    assert.equal(reg.version, 41);
    reg.upsert(peer(1), 0);
    assert.equal(reg.version, 42);
    reg.upsert(peer(1), 1_000);
    reg.upsert(peer(1, { lan: [['10.0.0.5', 5000]] }), 2_000);
    assert.equal(reg.version, 42);
    const renamed = reg.upsert(peer(1, { name: 'renamed' }), 3_000);
    assert.equal(renamed.renamed, true);
    assert.equal(renamed.previousName, 'peer 1');
    assert.equal(reg.version, 43);
    reg.upsert(peer(2), 3_000);
    reg.remove(hex(2));
    assert.equal(reg.version, 45);
    reg.expire(3_000 + TTL);
    assert.equal(reg.version, 46);
  });

  it('pages 5,000 peers: every peer exactly once, sorted, every PeerList within 1200 bytes', () => {
    const reg = new MemoryRegistry({ ttlMs: TTL });
    // Mixed lengths: full 64-hex ids with long multi-byte names, and short ones.
    for (let n = 0; n < 5_000; n++) {
      const long = n % 3 === 0;
      reg.upsert(peer(n, { id: long ? hex(n, 64) : hex(n * 7919, 12), name: long ? `ü名前✓${'é'.repeat(27)}` : `p${n}` }), n);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = reg.page(cursor);
      const bytes = encode({ t: MsgType.PeerList, ...page });
      assert.ok(bytes.length <= MAX_DATAGRAM_BYTES, `page ${pages} is ${bytes.length} bytes`);
      assert.equal(page.total, 5_000);
      assert.ok(page.peers.length > 0);
      seen.push(...page.peers.map((p) => p.id));
      cursor = page.next;
      pages++;
    } while (cursor !== undefined);
    assert.equal(seen.length, 5_000);
    assert.equal(new Set(seen).size, 5_000);
    assert.deepEqual(seen, [...seen].sort());
    assert.ok(pages < 400, `${pages} pages`);
  });

  it('continues from a cursor that has since left', () => {
    const reg = new MemoryRegistry({ ttlMs: TTL });
    for (let n = 0; n < 10; n++) reg.upsert(peer(n), 0);
    reg.remove(hex(4));
    assert.deepEqual(reg.page(hex(4)).peers.map((p) => p.id), [5, 6, 7, 8, 9].map((n) => hex(n)));
  });

  it('handles 100,000 entries quickly: join, heartbeat, page, expire', () => {
    const reg = new MemoryRegistry({ ttlMs: TTL });
    const start = performance.now();
    for (let n = 0; n < 100_000; n++) reg.upsert(peer(n, { id: hex((n * 2654435761) % 2 ** 32, 8) + hex(n, 8) }), 0);
    for (let n = 0; n < 100_000; n += 2) reg.upsert(peer(n, { id: hex((n * 2654435761) % 2 ** 32, 8) + hex(n, 8) }), 1_000);
    let pages = 0;
    for (let cursor: string | undefined, first = true; first || cursor !== undefined; first = false, pages++) {
      cursor = reg.page(cursor).next;
    }
    assert.equal(reg.expire(TTL).length, 50_000);
    assert.equal(reg.size, 50_000);
    const elapsed = performance.now() - start;
    assert.ok(elapsed < 10_000, `took ${elapsed.toFixed(0)} ms`);
    assert.ok(pages > 1_000);
  });
  it('expires exactly on time when heartbeats refresh entries in place (lazy expiry queue)', () => {
    const reg = new MemoryRegistry({ ttlMs: TTL });
    for (let n = 0; n < 2_000; n++) reg.upsert(peer(n), n);
    // Every even peer heartbeats at 30 s; the odd ones never do.
    for (let n = 0; n < 2_000; n += 2) reg.upsert(peer(n), 30_000);
    assert.equal(reg.nextExpiry(), 1 + TTL, 'the oldest un-refreshed entry is peer 1');
    const gone = reg.expire(TTL + 2_000);
    assert.deepEqual(gone.map((e) => e.id), Array.from({ length: 1_000 }, (_, i) => hex(2 * i + 1)));
    assert.equal(reg.size, 1_000);
    assert.equal(reg.nextExpiry(), 30_000 + TTL);
    assert.equal(reg.expire(30_000 + TTL).length, 1_000);
    assert.equal(reg.nextExpiry(), undefined);
  });

  it('keeps each entry’s local numbers apart, and a new entry never inherits a removed one’s', () => {
    const reg = new MemoryRegistry({ ttlMs: TTL });
    const [e1, e2, e3] = [1, 2, 3].map((n) => reg.upsert(peer(n), 0).entry) as [RegistryEntry, RegistryEntry, RegistryEntry];
    reg.local.setBucket(e1, 0, 3, 0);
    reg.local.setRegisteredAt(e1, 111);
    reg.local.setToken(e1, new Uint8Array(16).fill(7), 1);
    reg.local.setRegisteredAt(e2, 222);
    assert.ok(Number.isNaN(reg.local.registeredAt(e3)), 'a new entry has no replay record');
    assert.ok(Number.isNaN(reg.local.bucketTokens(e2, 0)), 'nor buckets');
    reg.upsert(peer(2), 1_000);
    reg.upsert(peer(2, { observed: ['198.51.100.7', 4242] }), 2_000);
    assert.equal(reg.local.registeredAt(e2), 222, 'a heartbeat and a move keep them');
    const removed = reg.remove(hex(1)) as RegistryEntry;
    assert.equal(reg.local.registeredAt(removed), 111, 'readable after removal, until the next upsert');
    const e4 = reg.upsert(peer(4), 3_000).entry;
    assert.ok(Number.isNaN(reg.local.registeredAt(e4)), 'the newcomer starts clean');
    assert.ok(Number.isNaN(reg.local.bucketTokens(e4, 0)));
    assert.equal(reg.local.tokenMatches(e4, 1, new Uint8Array(16).fill(7)), false);
    assert.equal(reg.local.registeredAt(e2), 222);
  });

  it('keeps the displaced entry’s local numbers readable after the upsert that displaced it', () => {
    const reg = new MemoryRegistry({ ttlMs: TTL });
    const e1 = reg.upsert(peer(1), 0).entry;
    reg.local.setRegisteredAt(e1, 111);
    const r = reg.upsert(peer(2, { observed: e1.observed }), 10);
    assert.equal(r.displaced?.id, hex(1));
    assert.equal(reg.local.registeredAt(r.displaced as RegistryEntry), 111);
    assert.ok(Number.isNaN(reg.local.registeredAt(r.entry)));
  });

  it('tells since (kept across heartbeats and moves) and lists every entry', () => {
    const reg = new MemoryRegistry({ ttlMs: TTL });
    reg.upsert(peer(1), 100);
    reg.upsert(peer(1, { observed: ['198.51.100.7', 4242] }), 2_000);
    const e = reg.get(hex(1));
    assert.equal(e?.since, 100);
    assert.equal(e?.lastSeen, 2_000);
    reg.upsert(peer(2), 3_000);
    assert.deepEqual([...reg.entries()].map((x) => x.id).sort(), [hex(1), hex(2)]);
  });
});
