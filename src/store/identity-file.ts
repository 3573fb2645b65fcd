// Where an identity lives on disk and how it gets there. Like ~/.ssh/id_ed25519: one
// file per user name, mode 0600 in a 0700 directory, refused when others can read it.
// A file is written under a temporary name and then hard-linked into place, so a crash
// never leaves half a key and two processes starting at once never overwrite each other.

import { chmodSync, linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fromHex, toHex } from '../crypto/bytes.ts';
import { Identity, SEED_BYTES } from '../crypto/identity.ts';
import { parseJsonObject } from './json-file.ts';

export type IdentityErrorCode = 'IDENTITY_UNREADABLE' | 'IDENTITY_CORRUPT' | 'IDENTITY_INSECURE' | 'IDENTITY_UNWRITABLE';

export type IdentityResult =
  | { ok: true; identity: Identity; created: boolean; path: string }
  | { ok: false; code: IdentityErrorCode; message: string; path: string };

const FORMAT = 'natter-identity-v1';

/** ~/.config/natter/NAME.key; names that are not plain file names are hex-encoded. */
export function defaultIdentityPath(name: string, home?: string): string {
  return join(configDir(home), `${safeFileName(name)}.key`);
}

/** The directory for identities and known-peers files: HOME/.config/natter ($XDG_CONFIG_HOME/natter when set and no home is given). */
export function configDir(home?: string): string {
  if (home === undefined && process.env.XDG_CONFIG_HOME) return join(process.env.XDG_CONFIG_HOME, 'natter');
  return join(home ?? homedir(), '.config', 'natter');
}

/** A peer name may hold '/' or '..': never let it choose a path. */
export function safeFileName(name: string): string {
  return /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/.test(name) ? name : `x-${Buffer.from(name, 'utf8').toString('hex').slice(0, 120)}`;
}

export function loadIdentity(path: string): IdentityResult {
  let text: string;
  try {
    const st = statSync(path);
    // SSH refuses a private key others can read; so do we (POSIX modes only).
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      return { ok: false, code: 'IDENTITY_INSECURE', path, message: `${path} is readable by others (mode ${(st.mode & 0o777).toString(8)}); run: chmod 600 ${path}` };
    }
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { ok: false, code: 'IDENTITY_UNREADABLE', path, message: `cannot read identity ${path}: ${(err as Error).message}` };
  }
  const identity = parseIdentity(text);
  if (!identity) return { ok: false, code: 'IDENTITY_CORRUPT', path, message: `${path} is not a natter identity file; move it away to create a new identity` };
  return { ok: true, identity, created: false, path };
}

/** Loads the identity at `path`, creating one on first run. */
export function loadOrCreateIdentity(path: string): IdentityResult {
  const loaded = loadIdentity(path);
  if (loaded.ok || !isMissing(path)) return loaded;
  const identity = Identity.generate();
  const saved = saveIdentity(path, identity);
  if (saved.ok) return { ...saved, created: true };
  // Lost a race with another process creating the same file: use theirs.
  return saved.code === 'IDENTITY_UNWRITABLE' && !isMissing(path) ? loadIdentity(path) : saved;
}

/** Writes a new identity file (0600, directory 0700). Never replaces an existing file. */
export function saveIdentity(path: string, identity: Identity): IdentityResult {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(tmp, serializeIdentity(identity), { mode: 0o600, flag: 'wx' });
    chmodSync(tmp, 0o600); // the umask may have narrowed the mode further; never widened
    linkSync(tmp, path); // fails with EEXIST rather than overwrite
    return { ok: true, identity, created: false, path };
  } catch (err) {
    return { ok: false, code: 'IDENTITY_UNWRITABLE', path, message: `cannot write identity ${path}: ${(err as Error).message}` };
  } finally {
    rmSync(tmp, { force: true });
  }
}

export function serializeIdentity(identity: Identity): string {
  const seed = identity.exportSeed();
  const text = JSON.stringify({ format: FORMAT, type: 'ed25519', seed: toHex(seed), publicKey: toHex(identity.publicKey) }, null, 2) + '\n';
  seed.fill(0);
  return text;
}

/** Parses an identity file; undefined if malformed or if the stored public key disagrees with the seed. */
export function parseIdentity(text: string): Identity | undefined {
  const doc = parseJsonObject(text);
  if (!doc) return undefined;
  const { format, type, seed, publicKey } = doc;
  if (format !== FORMAT || type !== 'ed25519') return undefined;
  const seedBytes = fromHex(seed, SEED_BYTES);
  const identity = seedBytes && Identity.fromSeed(seedBytes);
  seedBytes?.fill(0);
  if (!identity || typeof publicKey !== 'string' || publicKey.toLowerCase() !== toHex(identity.publicKey)) return undefined;
  return identity;
}

/** True when nothing exists at `path` (other errors, such as EACCES, are not "missing"). */
export function isMissing(path: string): boolean {
  try {
    statSync(path);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}
