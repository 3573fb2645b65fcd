// Trust on first use, as SSH's known_hosts, as data: the first identity key seen under a
// peer name is pinned; a different key under that name later is a 'mismatch' (the caller
// warns loudly and refuses to treat the peer as the pinned person) until the person runs
// `trust`, which replaces the pin. Names, not ids, are pinned: the id is derived from the
// key, so a substitute key always brings a new id, while the name is what people see.
// Reading and writing the file is the edge's job (src/store/known-peers.ts): this class
// only counts its changes, so the edge knows when to save.

import { bytesEqual } from '../../src/crypto/bytes.ts';
import { fingerprint, peerIdOf } from '../../src/crypto/identity.ts';

export type PeerCheck = 'new' | 'match' | 'mismatch';

/** One pin as it is stored: the key a name proved, and when (wall-clock ms). */
export interface PinRecord {
  readonly name: string;
  readonly publicKey: Uint8Array;
  readonly pinnedAt: number;
}

export interface PinnedKey extends PinRecord {
  readonly id: string;
  readonly fingerprint: string;
}

export class PinnedKeys {
  readonly #pins = new Map<string, PinnedKey>();
  /** Bumped on every change: the edge saves when it differs from what it saved last. */
  version = 0;

  constructor(records: Iterable<PinRecord> = []) {
    for (const r of records) this.#set(r.name, r.publicKey, r.pinnedAt);
    this.version = 0;
  }

  check(name: string, publicKey: Uint8Array): PeerCheck {
    const known = this.#pins.get(name);
    if (!known) return 'new';
    return bytesEqual(known.publicKey, publicKey) ? 'match' : 'mismatch';
  }

  get(name: string): PinnedKey | undefined {
    return this.#pins.get(name);
  }

  get size(): number {
    return this.#pins.size;
  }

  list(): PinnedKey[] {
    return [...this.#pins.values()];
  }

  /** Pins `publicKey` if `name` is new. Returns what check() said before; a mismatch changes nothing. */
  pin(name: string, publicKey: Uint8Array, wallNow: number): PeerCheck {
    const result = this.check(name, publicKey);
    if (result === 'new') this.#set(name, publicKey, wallNow);
    return result;
  }

  /** The person accepts `publicKey` for `name`, replacing any earlier pin. */
  trust(name: string, publicKey: Uint8Array, wallNow: number): void {
    this.#set(name, publicKey, wallNow);
  }

  forget(name: string): boolean {
    const had = this.#pins.delete(name);
    if (had) this.version++;
    return had;
  }

  #set(name: string, publicKey: Uint8Array, pinnedAt: number): void {
    const pk = Uint8Array.from(publicKey);
    this.#pins.set(name, { name, publicKey: pk, id: peerIdOf(pk), fingerprint: fingerprint(pk), pinnedAt });
    this.version++;
  }
}
