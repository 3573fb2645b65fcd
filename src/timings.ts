// The protocol timers that tests and the NAT lab shorten (seconds instead of minutes), as one
// typed options object. Engines take `Partial<Timings>` among their options and fill in the
// defaults from constants.ts; nothing in the core reads the environment. The edge reads the
// NATTER_<NAME> variables once (src/net/env-timings.ts) and passes them in.

import {
  DIRECT_UPGRADE_INTERVAL_MS,
  HEARTBEAT_INTERVAL_MS,
  KEEPALIVE_INTERVAL_MS,
  PATH_STALE_AFTER_MS,
  PEER_LIST_POLL_MS,
  PEER_SILENT_TIMEOUT_MS,
  PUNCH_TIMEOUT_MS,
  REGISTRY_ENTRY_TTL_MS,
  RELAY_FALLBACK_AFTER_MS,
  REKEY_AFTER_MS,
  SERVER_SILENT_AFTER_MS,
} from './constants.ts';

export interface Timings {
  heartbeatIntervalMs: number;
  registryEntryTtlMs: number;
  serverSilentAfterMs: number;
  peerListPollMs: number;
  punchTimeoutMs: number;
  relayFallbackAfterMs: number;
  directUpgradeIntervalMs: number;
  keepaliveIntervalMs: number;
  pathStaleAfterMs: number;
  peerSilentTimeoutMs: number;
  rekeyAfterMs: number;
}

export const DEFAULT_TIMINGS: Readonly<Timings> = Object.freeze({
  heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
  registryEntryTtlMs: REGISTRY_ENTRY_TTL_MS,
  serverSilentAfterMs: SERVER_SILENT_AFTER_MS,
  peerListPollMs: PEER_LIST_POLL_MS,
  punchTimeoutMs: PUNCH_TIMEOUT_MS,
  relayFallbackAfterMs: RELAY_FALLBACK_AFTER_MS,
  directUpgradeIntervalMs: DIRECT_UPGRADE_INTERVAL_MS,
  keepaliveIntervalMs: KEEPALIVE_INTERVAL_MS,
  pathStaleAfterMs: PATH_STALE_AFTER_MS,
  peerSilentTimeoutMs: PEER_SILENT_TIMEOUT_MS,
  rekeyAfterMs: REKEY_AFTER_MS,
});

/** The defaults with `overrides` on top (undefined fields keep their default). */
export function withTimings(overrides: Partial<Timings> | undefined): Timings {
  const out: Timings = { ...DEFAULT_TIMINGS };
  if (!overrides) return out;
  for (const key of Object.keys(out) as (keyof Timings)[]) {
    const v = overrides[key];
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** NATTER_HEARTBEAT_INTERVAL_MS for heartbeatIntervalMs, and so on. */
export const timingEnvName = (key: keyof Timings): string => `NATTER_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
