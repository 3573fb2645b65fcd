// Who a peer is, as far as this client can tell. Keys are identities and names are labels:
// a completed handshake proves the key whose hash is the peer id, and that key is pinned
// under the id (pinned-keys.ts) — there is no other check to make, and no "key changed" for a
// name. What a name can still do is look like a contact's name (TS #39 skeletons,
// src/names.ts): such a peer is flagged, never refused; the person decides. "Known" (key
// pinned, seen before) and "verified" (the person compared the fingerprint out of band and
// said so with /verify) are different states. This file decides and returns answers; the
// facade turns them into events, and the edge saves the pins when their version changes.

import { peerIdOf } from '../../src/crypto/identity.ts';
import { NatterError } from '../../src/errors.ts';
import { nameSkeleton } from '../../src/names.ts';
import { PinnedKeys, type PinnedKey } from './pinned-keys.ts';

export interface WhoisAnswer {
  known: boolean;
  verified: boolean;
  /** Only when a key is known: a fingerprint is never shown for a key nobody proved. */
  fingerprint?: string;
}

/** What a handshake's proven key means: a new contact or a known one, and the contact its name looks like. */
export interface ProvenKey {
  isNew: boolean;
  lookalike?: PinnedKey;
}

/** What the peer list says about one listed peer beyond its id and name. */
export interface ContactMarks {
  known?: true;
  verified?: true;
  /** The id of an earlier contact whose name this peer's name looks like. */
  lookalike?: string;
}

/** Skeletons cached per name; cleared when it grows past this (names come from the network). */
const SKELETON_CACHE_MAX = 16_384;

export class TrustPolicy {
  private readonly skeletons = new Map<string, string>();
  /** Contacts by the skeleton of their name, rebuilt when the pins change. */
  private bySkeleton = new Map<string, PinnedKey[]>();
  private indexedVersion = -1;

  constructor(readonly pins: PinnedKeys = new PinnedKeys()) {}

  /** A handshake proved `publicKey` for a peer calling itself `name`: pin it (by its id). */
  proven(publicKey: Uint8Array, name: string, wallNow: number): ProvenKey {
    const isNew = this.pins.pin(publicKey, name, wallNow) === 'new';
    if (!isNew) return { isNew };
    const lookalike = this.lookalikeOf(peerIdOf(publicKey), name);
    return lookalike ? { isNew, lookalike } : { isNew };
  }

  /**
   * The contact whose name looks like `name` (and is not the same name: two honest "bob"s are
   * two contacts, told apart by id) among those pinned before `id` was; a verified one first.
   */
  lookalikeOf(id: string, name: string): PinnedKey | undefined {
    const self = this.pins.get(id);
    const candidates = this.index().get(this.skeleton(name)) ?? [];
    let best: PinnedKey | undefined;
    for (const c of candidates) {
      if (c.id === id || c.name === name) continue;
      if (self && c.pinnedAt > self.pinnedAt) continue; // the newer of two look-alike contacts is the one flagged
      if (!best || rank(c) < rank(best)) best = c;
    }
    return best;
  }

  /** Known/verified/look-alike marks for one entry of the peer list. */
  marks(id: string, name: string): ContactMarks {
    if (this.pins.size === 0) return {}; // no contacts: nothing to be, or to look like (the common start)
    const pin = this.pins.get(id);
    const like = this.lookalikeOf(id, name);
    return {
      ...(pin ? { known: true as const } : {}),
      ...(pin?.verifiedAt !== undefined ? { verified: true as const } : {}),
      ...(like ? { lookalike: like.id } : {}),
    };
  }

  /** `/verify`: the person compared the fingerprint of `id` out of band. Throws UNKNOWN_PEER if no key is known for it yet. */
  verify(id: string, label: string, wallNow: number): PinnedKey {
    if (!this.pins.markVerified(id, wallNow)) {
      throw new NatterError('UNKNOWN_PEER', `no key is known for "${label}" yet: connect first, then compare fingerprints (/whois) and /verify`);
    }
    return this.pins.get(id) as PinnedKey;
  }

  whois(id: string): WhoisAnswer {
    const pin = this.pins.get(id);
    if (!pin) return { known: false, verified: false };
    return { known: true, verified: pin.verifiedAt !== undefined, fingerprint: pin.fingerprint };
  }

  private index(): Map<string, PinnedKey[]> {
    if (this.indexedVersion === this.pins.version) return this.bySkeleton;
    this.bySkeleton = new Map();
    for (const p of this.pins.list()) {
      const s = this.skeleton(p.name);
      const list = this.bySkeleton.get(s);
      if (list) list.push(p);
      else this.bySkeleton.set(s, [p]);
    }
    this.indexedVersion = this.pins.version;
    return this.bySkeleton;
  }

  private skeleton(name: string): string {
    let s = this.skeletons.get(name);
    if (s === undefined) {
      if (this.skeletons.size >= SKELETON_CACHE_MAX) this.skeletons.clear();
      s = nameSkeleton(name);
      this.skeletons.set(name, s);
    }
    return s;
  }
}

/** Verified contacts before merely known ones, then the oldest pin. */
const rank = (p: PinnedKey): number => (p.verifiedAt === undefined ? 1e15 : 0) + p.pinnedAt;
