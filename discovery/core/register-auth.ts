// Who may register an id: only the holder of the Ed25519 key the id derives from. Checks
// the signature (src/crypto/signed.ts), the clock skew, and replay: a registration's
// timestamp must be newer than the last one accepted for that id, so a captured Register
// cannot be sent again from another address to move (or revive) someone's entry.

import { MAX_REPLAY_GUARD_ENTRIES, REGISTRATION_MAX_SKEW_MS } from '../../src/constants.ts';
import { verifyRegistration, type RegistrationVerdict } from '../../src/crypto/signed.ts';
import type { Endpoint, MessageOf, MsgType } from '../../src/wire.ts';
import { BoundedMap } from '../data/bounded-map.ts';
import type { RegistryEntry } from './registry.ts';

export type RegisterMessage = MessageOf<typeof MsgType.Register>;

/**
 * The seam for registration policy. `wallNow`: the server's wall clock in ms. Returns 'ok'
 * when `from` may register (or refresh, or move) this id.
 *
 * Replay records of listed ids may live with the caller's entry instead of in the authorizer
 * (a listed client then costs no map slot and no second copy of its id). An authorizer that
 * supports this has `adopt` and `release`, and the caller then keeps, for every listed id,
 * the newest timestamp accepted for it:
 * - `authorize(..., kept)`: the id is listed and `kept` is that timestamp (NaN: none). The
 *   authorizer checks against it and records nothing: on 'ok' the caller keeps `msg.ts`.
 * - `adopt(id)`: the id was just listed; returns the timestamp held for it (NaN: none) and forgets it.
 * - `release(id, ts, wallNow)`: the id's entry is gone; the authorizer holds `ts` again.
 */
export interface RegisterAuthorizer {
  authorize(msg: RegisterMessage, from: Endpoint, existing: RegistryEntry | undefined, wallNow: number, kept?: number): RegistrationVerdict;
  adopt?(id: string): number;
  release?(id: string, ts: number, wallNow: number): void;
}

/** The default policy: signed, fresh, never replayed. */
export class SignedRegistrations implements RegisterAuthorizer {
  /**
   * Newest accepted timestamp per id that is not listed (the engine keeps listed ids' with
   * their entries: adopt/release), kept while a replay of it would still be fresh enough to pass.
   */
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

  authorize(msg: RegisterMessage, _from: Endpoint, _existing: RegistryEntry | undefined, wallNow: number, kept?: number): RegistrationVerdict {
    // The cheap checks first: a stale or replayed registration costs no signature verification.
    if (Math.abs(wallNow - msg.ts) > this.maxSkewMs) return 'stale';
    const last = kept === undefined ? this.lastTs.peek(msg.id) : Number.isNaN(kept) ? undefined : kept;
    if (last !== undefined && msg.ts <= last) return 'replayed';
    const verdict = verifyRegistration(
      { id: msg.id, name: msg.name, lan: msg.lan, timestamp: msg.ts, server: msg.srv ?? new Uint8Array(0) },
      { publicKey: msg.pk, signature: msg.sig },
      wallNow,
      last,
      this.maxSkewMs,
    );
    if (verdict === 'ok' && kept === undefined) this.lastTs.set(msg.id, msg.ts);
    return verdict;
  }

  adopt(id: string): number {
    const ts = this.lastTs.peek(id);
    if (ts === undefined) return Number.NaN;
    this.lastTs.delete(id);
    return ts;
  }

  release(id: string, ts: number, wallNow: number): void {
    // A timestamp older than the skew window needs no record: a replay of it is stale anyway.
    if (!(ts >= wallNow - this.maxSkewMs)) return;
    const held = this.lastTs.peek(id);
    if (held === undefined || held < ts) this.lastTs.set(id, ts);
  }

  /**
   * Forgets timestamps older than the skew window: a replay of them is refused as stale
   * anyway. The map is in acceptance (or release) order, nearly in timestamp order, so the
   * sweep reads from the old end and stops at the first fresh one; a released record that
   * lands behind a fresher one goes a little later, and the map's cap bounds it either way.
   */
  sweep(wallNow: number): void {
    this.lastTs.sweepOldest((ts) => ts < wallNow - this.maxSkewMs);
  }
}
