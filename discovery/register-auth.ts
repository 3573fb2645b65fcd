// Who may register an id: only the holder of the Ed25519 key the id derives from. Checks
// the signature (src/crypto/signed.ts), the clock skew, and replay: a registration's
// timestamp must be newer than the last one accepted for that id, so a captured Register
// cannot be sent again from another address to move (or revive) someone's entry.

import { MAX_REPLAY_GUARD_ENTRIES, REGISTRATION_MAX_SKEW_MS } from '../src/constants.ts';
import { verifyRegistration, type RegistrationVerdict } from '../src/crypto/signed.ts';
import type { Endpoint, MessageOf, MsgType } from '../src/wire.ts';
import { BoundedMap } from './bounded-map.ts';
import type { RegistryEntry } from './registry.ts';

export type RegisterMessage = MessageOf<typeof MsgType.Register>;

/**
 * The seam for registration policy. `wallNow`: the server's wall clock in ms. Returns 'ok'
 * when `from` may register (or refresh, or move) this id.
 */
export interface RegisterAuthorizer {
  authorize(msg: RegisterMessage, from: Endpoint, existing: RegistryEntry | undefined, wallNow: number): RegistrationVerdict;
}

/** The default policy: signed, fresh, never replayed. */
export class SignedRegistrations implements RegisterAuthorizer {
  /** Newest accepted timestamp per id, kept while a replay of it would still be fresh enough to pass. */
  private readonly lastTs: BoundedMap<string, number>;

  constructor(
    private readonly maxSkewMs: number = REGISTRATION_MAX_SKEW_MS,
    capacity: number = MAX_REPLAY_GUARD_ENTRIES,
  ) {
    this.lastTs = new BoundedMap(capacity);
  }

  get tracked(): number {
    return this.lastTs.size;
  }

  authorize(msg: RegisterMessage, _from: Endpoint, _existing: RegistryEntry | undefined, wallNow: number): RegistrationVerdict {
    // The cheap checks first: a stale or replayed registration costs no signature verification.
    if (Math.abs(wallNow - msg.ts) > this.maxSkewMs) return 'stale';
    const last = this.lastTs.peek(msg.id);
    if (last !== undefined && msg.ts <= last) return 'replayed';
    const verdict = verifyRegistration(
      { id: msg.id, name: msg.name, lan: msg.lan, timestamp: msg.ts },
      { publicKey: msg.pk, signature: msg.sig },
      wallNow,
      last,
      this.maxSkewMs,
    );
    if (verdict === 'ok') this.lastTs.set(msg.id, msg.ts);
    return verdict;
  }

  /**
   * Forgets timestamps older than the skew window: a replay of them is refused as stale
   * anyway. The map is in acceptance order, and timestamps only grow per id, so the sweep
   * reads from the old end and stops at the first fresh one (nearly always).
   */
  sweep(wallNow: number): void {
    this.lastTs.sweepOldest((ts) => ts < wallNow - this.maxSkewMs);
  }
}
