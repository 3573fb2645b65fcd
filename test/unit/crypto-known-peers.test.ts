import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PinnedKeys } from '../../client/core/pinned-keys.ts';
import { toHex } from '../../src/crypto/bytes.ts';
import { Identity } from '../../src/crypto/identity.ts';
import { KnownPeersFile, defaultKnownPeersPath } from '../../src/store/known-peers.ts';

describe('known peers: contacts pinned by id', () => {
  let home: string;
  before(() => {
    home = mkdtempSync(join(tmpdir(), 'natter-kp-'));
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  it('pins by id: the first proof is new, later ones known; a name change updates the label only', () => {
    const pins = new PinnedKeys();
    const bob = Identity.generate();
    assert.equal(pins.pin(bob.publicKey, 'bob', 1000), 'new');
    assert.equal(pins.version, 1);
    assert.equal(pins.pin(bob.publicKey, 'bob', 2000), 'known');
    assert.equal(pins.version, 1, 'nothing changed');
    assert.equal(pins.pin(bob.publicKey, 'robert', 3000), 'known');
    assert.equal(pins.version, 2);
    const pin = pins.get(bob.id);
    assert.equal(pin?.name, 'robert');
    assert.equal(pin?.pinnedAt, 1000, 'first proof kept');
    assert.equal(pin?.fingerprint, bob.fingerprint);
  });

  it('two people called bob are two contacts; neither replaces the other', () => {
    const pins = new PinnedKeys();
    const bob1 = Identity.generate();
    const bob2 = Identity.generate();
    assert.equal(pins.pin(bob1.publicKey, 'bob', 1), 'new');
    assert.equal(pins.pin(bob2.publicKey, 'bob', 2), 'new');
    assert.equal(pins.size, 2);
    assert.equal(pins.get(bob1.id)?.name, 'bob');
    assert.equal(pins.get(bob2.id)?.name, 'bob');
  });

  it('verified is a separate state, set only for a pinned key', () => {
    const pins = new PinnedKeys();
    const bob = Identity.generate();
    assert.equal(pins.markVerified(bob.id, 5), false, 'no key known: nothing to verify');
    pins.pin(bob.publicKey, 'bob', 1);
    assert.equal(pins.get(bob.id)?.verifiedAt, undefined);
    assert.equal(pins.markVerified(bob.id, 5), true);
    assert.equal(pins.get(bob.id)?.verifiedAt, 5);
    pins.pin(bob.publicKey, 'bobby', 9);
    assert.equal(pins.get(bob.id)?.verifiedAt, 5, 'a new name does not undo verification');
  });

  it('the file round-trips the pins (v2, by id), mode 0600', () => {
    const path = defaultKnownPeersPath('me', home);
    const opened = KnownPeersFile.open(path);
    assert.ok(opened.ok);
    assert.deepEqual(opened.pins, [], 'a missing file holds no pins');
    const bob = Identity.generate();
    const carol = Identity.generate();
    const pins = new PinnedKeys(opened.pins);
    pins.pin(bob.publicKey, 'bob', 3000);
    pins.pin(carol.publicKey, '__proto__', 4000);
    pins.markVerified(bob.id, 3500);
    assert.ok(opened.file.save(pins.list()));
    assert.equal(opened.file.saveError, undefined);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    assert.equal(doc.format, 'natter-known-peers-v2');
    assert.deepEqual(Object.keys(doc.peers).sort(), [bob.id, carol.id].sort());

    const reopened = KnownPeersFile.open(path);
    assert.ok(reopened.ok);
    const again = new PinnedKeys(reopened.pins);
    assert.equal(again.version, 0, 'loading is not a change');
    assert.equal(again.get(bob.id)?.pinnedAt, 3000);
    assert.equal(again.get(bob.id)?.verifiedAt, 3500);
    assert.equal(again.get(carol.id)?.name, '__proto__');
    assert.equal(again.get(carol.id)?.verifiedAt, undefined);
  });

  it('converts a name-keyed (v1) file on read: every pin kept, by id; never refused or emptied', () => {
    const path = join(home, 'v1.json');
    const bob = Identity.generate();
    const carol = Identity.generate();
    const v1 = { format: 'natter-known-peers-v1', peers: { bob: { publicKey: toHex(bob.publicKey), pinnedAt: 10 }, carol: { publicKey: toHex(carol.publicKey), pinnedAt: 20 }, carol2: { publicKey: toHex(carol.publicKey), pinnedAt: 30 } } };
    writeFileSync(path, JSON.stringify(v1));
    const opened = KnownPeersFile.open(path);
    assert.ok(opened.ok);
    const pins = new PinnedKeys(opened.pins);
    assert.equal(pins.size, 2, 'one key under two names is one contact');
    assert.equal(pins.get(bob.id)?.name, 'bob');
    assert.equal(pins.get(carol.id)?.name, 'carol2', 'the newer name');
    assert.equal(readFileSync(path, 'utf8'), JSON.stringify(v1), 'reading never rewrites');
    assert.ok(opened.file.save(pins.list()));
    const back = KnownPeersFile.open(path);
    assert.ok(back.ok && back.pins.length === 2);
  });

  it('refuses a corrupt file rather than start pinning afresh', () => {
    const path = join(home, 'bad.json');
    const k = toHex(Identity.generate().publicKey);
    const wrongId = `{"format":"natter-known-peers-v2","peers":{"00112233445566778899aabbccddeeff":{"publicKey":"${k}","name":"x","pinnedAt":1}}}`;
    for (const text of ['not json', '{"format":"natter-known-peers-v1","peers":{"x":{"publicKey":"zz","pinnedAt":1}}}', '{"format":"other","peers":{}}', wrongId]) {
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
