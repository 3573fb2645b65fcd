// Key generations for long conversations. WireGuard bounds what one key protects by
// re-handshaking every REKEY_AFTER_TIME; without a second handshake we get most of that
// by ratcheting each direction's key forward with a one-way function and erasing the old
// one: a key stolen later cannot decrypt earlier generations (forward secrecy within a
// session; a new handshake is still what restores secrecy after a compromise).
//
// Each direction ratchets on its own, at its sender's pace: the sender decides when
// (REKEY_AFTER_MESSAGES or REKEY_AFTER_MS) and carries the generation number in every
// datagram; the receiver derives the same next key when it first sees that number.

import { hkdfSync } from 'node:crypto';
import { REKEY_AFTER_MESSAGES, REKEY_AFTER_MS } from '../constants.ts';

export const KEY_BYTES = 32;
const INFO = new TextEncoder().encode('natter-rekey-v1');
const NO_SALT = new Uint8Array(0);

/** The next generation's key: HKDF-SHA256(key, info "natter-rekey-v1"). One-way. */
export function nextGenerationKey(key: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', key, NO_SALT, INFO, KEY_BYTES));
}

/** The key `steps` generations after `key` (the receiver catching up over lost generations). */
export function ratchet(key: Uint8Array, steps: number): Uint8Array {
  let k = key;
  for (let i = 0; i < steps; i++) {
    const next = nextGenerationKey(k);
    if (k !== key) k.fill(0); // intermediates never outlive this call
    k = next;
  }
  return k === key ? Uint8Array.from(key) : k;
}

export interface RekeyPolicy {
  afterMessages: number;
  afterMs: number;
}

export const DEFAULT_REKEY_POLICY: RekeyPolicy = { afterMessages: REKEY_AFTER_MESSAGES, afterMs: REKEY_AFTER_MS };

/**
 * Should the sender move to the next generation before sealing? `sent`: datagrams sealed
 * in this generation; `startedAt`: when it began (undefined if no clock was ever given).
 */
export function shouldRekey(policy: RekeyPolicy, sent: number, startedAt: number | undefined, now: number | undefined): boolean {
  if (sent >= policy.afterMessages) return true;
  return now !== undefined && startedAt !== undefined && now - startedAt >= policy.afterMs;
}
