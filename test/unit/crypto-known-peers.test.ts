import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Identity } from '../../src/crypto/identity.ts';
import { KnownPeers, defaultKnownPeersPath } from '../../src/store/known-peers.ts';

describe('known peers (trust on first use)', () => {
  let home: string;
  before(() => {
    home = mkdtempSync(join(tmpdir(), 'natter-kp-'));
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  it('new, then match; a different key is a mismatch until trusted', () => {
    const path = defaultKnownPeersPath('me', home);
    const opened = KnownPeers.open(path);
    assert.ok(opened.ok);
    const store = opened.store;
    const bob = Identity.generate();
    const mallory = Identity.generate();

    assert.equal(store.check('bob', bob.publicKey), 'new');
    assert.equal(store.pin('bob', bob.publicKey, 1000), 'new');
    assert.equal(store.check('bob', bob.publicKey), 'match');
    assert.equal(store.pin('bob', mallory.publicKey, 2000), 'mismatch');
    assert.equal(store.check('bob', bob.publicKey), 'match', 'a mismatch never replaces the pin');
    assert.equal(store.get('bob')?.fingerprint, bob.fingerprint);

    store.trust('bob', mallory.publicKey, 3000);
    assert.equal(store.check('bob', mallory.publicKey), 'match');
    assert.equal(store.check('bob', bob.publicKey), 'mismatch');
    assert.equal(store.saveError, undefined);
    assert.equal(statSync(path).mode & 0o777, 0o600);

    const reopened = KnownPeers.open(path);
    assert.ok(reopened.ok);
    assert.equal(reopened.store.check('bob', mallory.publicKey), 'match');
    assert.equal(reopened.store.get('bob')?.pinnedAt, 3000);
    assert.equal(reopened.store.get('bob')?.id, mallory.id);
  });

  it('keeps names like __proto__ as plain entries, also on disk', () => {
    const path = join(home, 'proto.json');
    const store = new KnownPeers(path);
    const k = Identity.generate().publicKey;
    assert.equal(store.pin('__proto__', k, 0), 'new');
    assert.equal(store.check('__proto__', k), 'match');
    assert.equal(store.check('constructor', k), 'new');
    const reopened = KnownPeers.open(path);
    assert.ok(reopened.ok && reopened.store.check('__proto__', k) === 'match');
  });

  it('refuses a corrupt file rather than start pinning afresh', () => {
    const path = join(home, 'bad.json');
    for (const text of ['not json', '{"format":"natter-known-peers-v1","peers":{"x":{"publicKey":"zz","pinnedAt":1}}}', '{"format":"other","peers":{}}']) {
      writeFileSync(path, text);
      const result = KnownPeers.open(path);
      assert.ok(!result.ok && result.code === 'KNOWN_PEERS_CORRUPT');
      assert.equal(readFileSync(path, 'utf8'), text);
    }
  });
});
