import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PinnedKeys } from '../../client/core/pinned-keys.ts';
import { Identity } from '../../src/crypto/identity.ts';
import { KnownPeersFile, defaultKnownPeersPath } from '../../src/store/known-peers.ts';

describe('known peers (trust on first use)', () => {
  let home: string;
  before(() => {
    home = mkdtempSync(join(tmpdir(), 'natter-kp-'));
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  it('new, then match; a different key is a mismatch until trusted; every change bumps the version', () => {
    const pins = new PinnedKeys();
    const bob = Identity.generate();
    const mallory = Identity.generate();

    assert.equal(pins.check('bob', bob.publicKey), 'new');
    assert.equal(pins.pin('bob', bob.publicKey, 1000), 'new');
    assert.equal(pins.version, 1);
    assert.equal(pins.check('bob', bob.publicKey), 'match');
    assert.equal(pins.pin('bob', mallory.publicKey, 2000), 'mismatch');
    assert.equal(pins.version, 1, 'a mismatch changes nothing');
    assert.equal(pins.check('bob', bob.publicKey), 'match', 'a mismatch never replaces the pin');
    assert.equal(pins.get('bob')?.fingerprint, bob.fingerprint);

    pins.trust('bob', mallory.publicKey, 3000);
    assert.equal(pins.version, 2);
    assert.equal(pins.check('bob', mallory.publicKey), 'match');
    assert.equal(pins.check('bob', bob.publicKey), 'mismatch');
  });

  it('the file round-trips the pins, mode 0600', () => {
    const path = defaultKnownPeersPath('me', home);
    const opened = KnownPeersFile.open(path);
    assert.ok(opened.ok);
    assert.deepEqual(opened.pins, [], 'a missing file holds no pins');
    const mallory = Identity.generate();
    const pins = new PinnedKeys(opened.pins);
    pins.trust('bob', mallory.publicKey, 3000);
    assert.ok(opened.file.save(pins.list()));
    assert.equal(opened.file.saveError, undefined);
    assert.equal(statSync(path).mode & 0o777, 0o600);

    const reopened = KnownPeersFile.open(path);
    assert.ok(reopened.ok);
    const again = new PinnedKeys(reopened.pins);
    assert.equal(again.version, 0, 'loading is not a change');
    assert.equal(again.check('bob', mallory.publicKey), 'match');
    assert.equal(again.get('bob')?.pinnedAt, 3000);
    assert.equal(again.get('bob')?.id, mallory.id);
  });

  it('keeps names like __proto__ as plain entries, also on disk', () => {
    const path = join(home, 'proto.json');
    const pins = new PinnedKeys();
    const k = Identity.generate().publicKey;
    assert.equal(pins.pin('__proto__', k, 0), 'new');
    assert.equal(pins.check('__proto__', k), 'match');
    assert.equal(pins.check('constructor', k), 'new');
    assert.ok(new KnownPeersFile(path).save(pins.list()));
    const reopened = KnownPeersFile.open(path);
    assert.ok(reopened.ok && new PinnedKeys(reopened.pins).check('__proto__', k) === 'match');
  });

  it('refuses a corrupt file rather than start pinning afresh', () => {
    const path = join(home, 'bad.json');
    for (const text of ['not json', '{"format":"natter-known-peers-v1","peers":{"x":{"publicKey":"zz","pinnedAt":1}}}', '{"format":"other","peers":{}}']) {
      writeFileSync(path, text);
      const result = KnownPeersFile.open(path);
      assert.ok(!result.ok && result.code === 'KNOWN_PEERS_CORRUPT');
      assert.equal(readFileSync(path, 'utf8'), text);
    }
  });

  it('an unwritable path is reported, not thrown', () => {
    const file = new KnownPeersFile(join(home, 'bad.json', 'nested', 'x.json'));
    writeFileSync(join(home, 'bad.json'), 'a file, not a directory');
    assert.equal(file.save([]), false);
    assert.match(file.saveError ?? '', /cannot write/);
  });
});
