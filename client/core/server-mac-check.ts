// The client's rule for what a server it is listed with sends (src/crypto/server-mac.ts):
// with the MAC key from the server's last signed Registered, a heartbeat reply, PeerList,
// Relayed or ServerError counts only with a valid `mac` and a `ts` within the registration
// skew of our wall clock. An error without one is a hint (errorHint), nothing more.

import { REGISTER_RETRY_MS, REGISTRATION_MAX_SKEW_MS } from '../../src/constants.ts';
import { checkServerMac, type ServerMacVerdict } from '../../src/crypto/server-mac.ts';
import type { Message } from '../../src/wire.ts';

/** What the check needs of a server's state (discovery-client.ts ServerState). */
export interface MacState {
  /** Our MAC key at this server; undefined: it gave none (nothing to check). */
  macKey: Uint8Array | undefined;
  heartbeatSentAt: number | undefined;
  lastRegisterAt: number | undefined;
  nextRegisterAt: number;
}

/** 'ok' when `msg` carries a valid, recent MAC with our key at `s` (or `s` gave us no key). */
export function macVerdict(s: MacState, msg: Message, wallNow: number): ServerMacVerdict {
  if (!s.macKey) return 'ok';
  return checkServerMac(s.macKey, msg, wallNow, REGISTRATION_MAX_SKEW_MS);
}

/**
 * An error without a MAC: the server does not list us here (a restart, a NAT rebinding),
 * or anyone sent it. While a heartbeat waits for its answer, register sooner (what an
 * unanswered heartbeat leads to anyway); our token, listing and peers stay as they are.
 */
export function errorHint(s: MacState, code: string, now: number): void {
  if ((code !== 'NOT_REGISTERED' && code !== 'UNAUTHORIZED') || s.heartbeatSentAt === undefined) return;
  s.nextRegisterAt = Math.min(s.nextRegisterAt, Math.max(now, (s.lastRegisterAt ?? -Infinity) + REGISTER_RETRY_MS));
}
