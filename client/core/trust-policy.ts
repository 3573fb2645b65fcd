// Who a peer is, as far as this client can tell: trust on first use of the key a completed
// handshake proved (pins by name, client/core/pinned-keys.ts), keys that failed the check
// waiting for `/trust NAME`, and keys proven in this run (for `/whois`). It decides and
// returns verdicts; the facade turns them into events and closes conversations, and the
// edge saves the pins when their version changes.

import { fingerprint } from '../../src/crypto/identity.ts';
import { NatterError } from '../../src/errors.ts';
import { PinnedKeys } from './pinned-keys.ts';

export type IdentityVerdict =
  | { ok: true }
  /** The name is pinned to another key: possible impersonation. */
  | { ok: false; fingerprint: string; pinnedFingerprint: string };

export interface WhoisAnswer {
  fingerprint: string;
  verified: boolean;
}

export class TrustPolicy {
  /** Keys that failed the TOFU check, by name, so `/trust NAME` can accept them. */
  private readonly mismatched = new Map<string, Uint8Array>();
  /** Keys proven by a completed handshake, by peer id (for /whois). */
  private readonly verifiedKeys = new Map<string, Uint8Array>();

  constructor(readonly pins: PinnedKeys = new PinnedKeys()) {}

  /**
   * Trust on first use, as SSH does: the first key seen under a name is pinned; another key
   * under that name later is refused until the person says `/trust NAME`.
   */
  verify(name: string, peerId: string, publicKey: Uint8Array, wallNow: number): IdentityVerdict {
    if (this.pins.pin(name, publicKey, wallNow) === 'mismatch') {
      const pinned = this.pins.get(name);
      this.mismatched.set(name, publicKey);
      return { ok: false, fingerprint: fingerprint(publicKey), pinnedFingerprint: pinned ? pinned.fingerprint : '' };
    }
    this.verifiedKeys.set(peerId, publicKey);
    return { ok: true };
  }

  /** True if a changed key is waiting under exactly this name (so it needs no resolving). */
  hasMismatch(name: string): boolean {
    return this.mismatched.has(name);
  }

  /** `/trust NAME`: pins the key that failed the check; returns its fingerprint. Throws UNKNOWN_PEER if none waits. */
  trust(name: string, wallNow: number): string {
    const key = this.mismatched.get(name);
    if (!key) throw new NatterError('UNKNOWN_PEER', `no changed key is waiting for "${name}" (nothing to trust)`);
    this.pins.trust(name, key, wallNow);
    this.mismatched.delete(name);
    return fingerprint(key);
  }

  /** The key proven in this run, else the pinned one (unverified), else nothing. */
  whois(name: string, peerId: string): WhoisAnswer {
    const proven = this.verifiedKeys.get(peerId);
    const key = proven ?? this.pins.get(name)?.publicKey;
    return { fingerprint: key ? fingerprint(key) : '', verified: proven !== undefined };
  }
}
