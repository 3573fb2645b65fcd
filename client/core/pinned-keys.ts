// The contacts this client has met, as data: peer id → the identity key a completed
// handshake proved for it, the name it last went by, and whether the person verified its
// fingerprint out of band. Pins are by id, never by name: the id is the hash of the key, so
// a handshake that proves the key for the id is the whole check, and two people who happen
// to share a name are simply two contacts. Names are labels (the last one seen is kept for
// display and for look-alike checks, src/names.ts).
// Reading and writing the file is the edge's job (src/store/known-peers.ts): this class only
// counts its changes, so the edge knows when to save.

import { fingerprint, peerIdOf } from '../../src/crypto/identity.ts';

/** One pin as it is stored. Times are wall-clock ms. */
export interface PinRecord {
  readonly publicKey: Uint8Array;
  /** The name the peer last went by (a label: not unique, may change). */
  readonly name: string;
  /** When the key was first proven. */
  readonly pinnedAt: number;
  /** When the person said they compared the fingerprint out of band (`/verify`); absent until then. */
  readonly verifiedAt?: number;
}

export interface PinnedKey extends PinRecord {
  readonly id: string;
  readonly fingerprint: string;
}

/** 'new': first proof of this key; 'known': pinned before (its name may have been updated). */
export type PinResult = 'new' | 'known';

export class PinnedKeys {
  readonly #pins = new Map<string, PinnedKey>();
  /** Bumped on every change: the edge saves when it differs from what it saved last. */
  version = 0;

  constructor(records: Iterable<PinRecord> = []) {
    for (const r of records) {
      // One key under two names (an old name-keyed file): one contact, under the newer name.
      const old = this.#pins.get(peerIdOf(r.publicKey));
      this.#set(old && old.pinnedAt > r.pinnedAt ? { ...old, verifiedAt: old.verifiedAt ?? r.verifiedAt } : { ...r, verifiedAt: r.verifiedAt ?? old?.verifiedAt });
    }
    this.version = 0;
  }

  get(id: string): PinnedKey | undefined {
    return this.#pins.get(id);
  }

  get size(): number {
    return this.#pins.size;
  }

  list(): PinnedKey[] {
    return [...this.#pins.values()];
  }

  /**
   * Records that a handshake proved `publicKey` (whose hash is the id) under `name`. A key
   * already pinned only has its last-seen name updated; its pin time and verification stay.
   */
  pin(publicKey: Uint8Array, name: string, wallNow: number): PinResult {
    const known = this.#pins.get(peerIdOf(publicKey));
    if (!known) {
      this.#set({ publicKey, name, pinnedAt: wallNow });
      return 'new';
    }
    if (known.name !== name) this.#set({ ...known, name });
    return 'known';
  }

  /** The person compared `id`'s fingerprint out of band. False if no key is pinned for it. */
  markVerified(id: string, wallNow: number): boolean {
    const known = this.#pins.get(id);
    if (!known) return false;
    if (known.verifiedAt === undefined) this.#set({ ...known, verifiedAt: wallNow });
    return true;
  }

  forget(id: string): boolean {
    const had = this.#pins.delete(id);
    if (had) this.version++;
    return had;
  }

  #set(r: PinRecord): void {
    const pk = Uint8Array.from(r.publicKey);
    const id = peerIdOf(pk);
    const pin: PinnedKey = { id, publicKey: pk, fingerprint: fingerprint(pk), name: r.name, pinnedAt: r.pinnedAt };
    this.#pins.set(id, r.verifiedAt === undefined ? pin : { ...pin, verifiedAt: r.verifiedAt });
    this.version++;
  }
}
