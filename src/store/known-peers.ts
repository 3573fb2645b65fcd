// Trust on first use, as SSH's known_hosts: the first identity key seen under a peer name
// is pinned; a different key under that name later is reported as 'mismatch' (the caller
// warns loudly and refuses to treat the peer as the pinned person) until the user runs
// `trust`, which replaces the pin. Names, not ids, are pinned: the id is derived from
// the key, so a substitute key always brings a new id, while the name is what people see.
// A JSON file is fine here: it is read once and written only when a pin changes.

import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bytesEqual, fromHex, toHex } from '../crypto/bytes.ts';
import { configDir, safeFileName } from './identity-file.ts';
import { PUBLIC_KEY_BYTES, fingerprint, peerIdOf } from '../crypto/identity.ts';

export type PeerCheck = 'new' | 'match' | 'mismatch';

export interface KnownPeer {
  readonly name: string;
  readonly publicKey: Uint8Array;
  readonly id: string;
  readonly fingerprint: string;
  /** When the key was pinned or last trusted (ms, the caller's clock). */
  readonly pinnedAt: number;
}

export type KnownPeersResult = { ok: true; store: KnownPeers } | { ok: false; code: 'KNOWN_PEERS_CORRUPT'; message: string };

const FORMAT = 'natter-known-peers-v1';

/** ~/.config/natter/LOCALNAME.known-peers.json: each local identity keeps its own pins. */
export const defaultKnownPeersPath = (localName: string, home?: string): string =>
  join(configDir(home), `${safeFileName(localName)}.known-peers.json`);

export class KnownPeers {
  readonly #peers = new Map<string, KnownPeer>();
  /** The last failure to write the file, if any (pins stay in memory regardless). */
  saveError: string | undefined;

  /** `path` undefined: pins live in memory only (tests, `--no-known-peers`). */
  constructor(readonly path?: string) {}

  /** Opens the file at `path`; a missing file is an empty store, a corrupt one an error (never silently re-pinned). */
  static open(path: string): KnownPeersResult {
    const store = new KnownPeers(path);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, store };
      return { ok: false, code: 'KNOWN_PEERS_CORRUPT', message: `cannot read ${path}: ${(err as Error).message}` };
    }
    if (!store.#load(text)) return { ok: false, code: 'KNOWN_PEERS_CORRUPT', message: `${path} is not a natter known-peers file; fix or move it` };
    return { ok: true, store };
  }

  check(name: string, publicKey: Uint8Array): PeerCheck {
    const known = this.#peers.get(name);
    if (!known) return 'new';
    return bytesEqual(known.publicKey, publicKey) ? 'match' : 'mismatch';
  }

  get(name: string): KnownPeer | undefined {
    return this.#peers.get(name);
  }

  get size(): number {
    return this.#peers.size;
  }

  list(): KnownPeer[] {
    return [...this.#peers.values()];
  }

  /** Pins `publicKey` if `name` is new. Returns what check() said before; a mismatch changes nothing. */
  pin(name: string, publicKey: Uint8Array, now: number): PeerCheck {
    const result = this.check(name, publicKey);
    if (result === 'new') this.#set(name, publicKey, now);
    return result;
  }

  /** The user accepts `publicKey` for `name`, replacing any earlier pin. */
  trust(name: string, publicKey: Uint8Array, now: number): void {
    this.#set(name, publicKey, now);
  }

  forget(name: string): boolean {
    const had = this.#peers.delete(name);
    if (had) this.#save();
    return had;
  }

  #set(name: string, publicKey: Uint8Array, now: number): void {
    const pk = Uint8Array.from(publicKey);
    this.#peers.set(name, { name, publicKey: pk, id: peerIdOf(pk), fingerprint: fingerprint(pk), pinnedAt: now });
    this.#save();
  }

  #save(): void {
    if (this.path === undefined) return;
    const peers: Record<string, { publicKey: string; pinnedAt: number }> = Object.create(null); // a peer may be named __proto__
    for (const p of this.#peers.values()) peers[p.name] = { publicKey: toHex(p.publicKey), pinnedAt: p.pinnedAt };
    const tmp = `${this.path}.tmp-${process.pid}`;
    try {
      mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
      writeFileSync(tmp, JSON.stringify({ format: FORMAT, peers }, null, 2) + '\n', { mode: 0o600 });
      chmodSync(tmp, 0o600);
      renameSync(tmp, this.path); // atomic replace: a crash keeps the old pins
      this.saveError = undefined;
    } catch (err) {
      this.saveError = `cannot write ${this.path}: ${(err as Error).message}`;
    }
  }

  #load(text: string): boolean {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      return false;
    }
    if (typeof doc !== 'object' || doc === null) return false;
    const { format, peers } = doc as Record<string, unknown>;
    if (format !== FORMAT || typeof peers !== 'object' || peers === null || Array.isArray(peers)) return false;
    for (const [name, entry] of Object.entries(peers)) {
      if (typeof entry !== 'object' || entry === null) return false;
      const { publicKey, pinnedAt } = entry as Record<string, unknown>;
      const pk = fromHex(publicKey, PUBLIC_KEY_BYTES);
      if (!pk || typeof pinnedAt !== 'number' || !Number.isFinite(pinnedAt)) return false;
      this.#peers.set(name, { name, publicKey: pk, id: peerIdOf(pk), fingerprint: fingerprint(pk), pinnedAt });
    }
    return true;
  }
}
