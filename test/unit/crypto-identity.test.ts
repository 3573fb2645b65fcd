import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultIdentityPath, loadIdentity, loadOrCreateIdentity, parseIdentity, safeFileName, serializeIdentity } from '../../src/store/identity-file.ts';
import { Identity, fingerprint, noisePublicKeyOf, peerIdMatches, peerIdOf, verify } from '../../src/crypto/identity.ts';

describe('identity keys', () => {
  it('derives a stable peer id: first 32 hex of SHA-256(public key)', () => {
    const seed = new Uint8Array(32).fill(7);
    const a = Identity.fromSeed(seed);
    const b = Identity.fromSeed(seed);
    assert.ok(a && b);
    assert.equal(a.id, b.id);
    assert.match(a.id, /^[0-9a-f]{32}$/);
    assert.equal(a.id, peerIdOf(a.publicKey));
    assert.ok(peerIdMatches(a.id, a.publicKey));
    assert.notEqual(Identity.generate().id, Identity.generate().id);
  });

  it('gives a short fingerprint that starts the peer id', () => {
    const id = Identity.generate();
    assert.match(id.fingerprint, /^[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}$/);
    assert.equal(id.fingerprint.replaceAll('-', ''), id.id.slice(0, 16));
    assert.equal(fingerprint(id.publicKey, 8).length, 8 * 5 - 1);
  });

  it('signs and verifies; any change or junk is false, never a throw', () => {
    const id = Identity.generate();
    const msg = new TextEncoder().encode('hello');
    const sig = id.sign(msg);
    assert.ok(verify(id.publicKey, msg, sig));
    assert.equal(verify(id.publicKey, new TextEncoder().encode('hellO'), sig), false);
    assert.equal(verify(Identity.generate().publicKey, msg, sig), false);
    assert.equal(verify(id.publicKey, msg, sig.subarray(1)), false);
    assert.equal(verify(new Uint8Array(3), msg, sig), false);
    assert.equal(verify(new Uint8Array(32), msg, sig), false);
  });

  it('maps the Ed25519 key to the X25519 Noise static key the secret side derives', () => {
    const id = Identity.generate();
    assert.deepEqual(noisePublicKeyOf(id.publicKey), id.noiseKeyPair().publicKey);
    assert.equal(noisePublicKeyOf(new Uint8Array(32)), undefined); // small order: refused
    assert.equal(noisePublicKeyOf(new Uint8Array(5)), undefined);
  });
});

describe('identity file', () => {
  let home: string;
  let savedHome: string | undefined;
  let savedXdg: string | undefined;
  before(() => {
    home = mkdtempSync(join(tmpdir(), 'natter-id-'));
    savedHome = process.env.HOME;
    savedXdg = process.env.XDG_CONFIG_HOME;
    process.env.HOME = home;
    delete process.env.XDG_CONFIG_HOME;
  });
  after(() => {
    process.env.HOME = savedHome;
    if (savedXdg !== undefined) process.env.XDG_CONFIG_HOME = savedXdg;
    rmSync(home, { recursive: true, force: true });
  });

  it('creates on first run (0600 in a 0700 directory), then loads the same key', () => {
    const path = defaultIdentityPath('alice');
    assert.equal(path, join(home, '.config', 'natter', 'alice.key'));
    const first = loadOrCreateIdentity(path);
    assert.ok(first.ok && first.created);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(dirname(path)).mode & 0o777, 0o700);
    const second = loadOrCreateIdentity(path);
    assert.ok(second.ok && !second.created);
    assert.equal(second.identity.id, first.identity.id);
    assert.deepEqual(second.identity.publicKey, first.identity.publicKey);
  });

  it('refuses a key file others can read, as ssh does', () => {
    const path = defaultIdentityPath('bob');
    assert.ok(loadOrCreateIdentity(path).ok);
    chmodSync(path, 0o644);
    const result = loadIdentity(path);
    assert.ok(!result.ok && result.code === 'IDENTITY_INSECURE');
    assert.match(result.message, /chmod 600/);
  });

  it('reports a corrupt file instead of replacing it', () => {
    const path = join(home, 'broken.key');
    writeFileSync(path, '{"format":"natter-identity-v1"', { mode: 0o600 });
    const result = loadOrCreateIdentity(path);
    assert.ok(!result.ok && result.code === 'IDENTITY_CORRUPT');
    assert.equal(readFileSync(path, 'utf8'), '{"format":"natter-identity-v1"');
  });

  it('rejects a file whose public key disagrees with its seed', () => {
    const text = serializeIdentity(Identity.generate());
    assert.ok(parseIdentity(text));
    const other = Identity.generate();
    const doc = JSON.parse(text) as Record<string, string>;
    doc.publicKey = Buffer.from(other.publicKey).toString('hex');
    assert.equal(parseIdentity(JSON.stringify(doc)), undefined);
    assert.equal(parseIdentity('null'), undefined);
    assert.equal(parseIdentity('[]'), undefined);
  });

  it('never lets a name choose a path', () => {
    assert.equal(safeFileName('alice'), 'alice');
    for (const name of ['../x', '..', '.hidden', 'a/b', 'ø']) assert.match(safeFileName(name), /^x-[0-9a-f]+$/);
  });
});
