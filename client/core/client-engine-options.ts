// What a ClientEngine is made with: its identity and servers, and what tests and the edge
// inject (randomness, clocks, timers, pins, who stores messages).

import type { Identity } from '../../src/crypto/identity.ts';
import type { Timings } from '../../src/timings.ts';
import type { Endpoint } from '../../src/wire.ts';
import type { StoredBy } from './delivery.ts';
import type { PinnedKeys } from './pinned-keys.ts';
import type { ServerPins } from './server-pins.ts';

export interface ClientEngineOptions {
  /** Our long-term key pair: the peer id derives from it; it signs registrations and authenticates Noise handshakes. */
  identity: Identity;
  name: string;
  servers: Endpoint[];
  localPort: number;
  now: number;
  /** Connection ids must be unpredictable to off-path attackers; injectable for tests. */
  randomCid?: () => number;
  /** Randomness for message ids (16 bytes each); injectable for tests. Default: node:crypto. */
  randomBytes?: (n: number) => Uint8Array;
  /** Contacts: peer id → proven key, last name, verified or not; the edge loads and saves them (see pins.version). */
  pins?: PinnedKeys;
  /**
   * Wall-clock ms for a monotonic `now`: registration timestamps and pin times. The edge
   * passes performance.timeOrigin + now; the default, `now` itself, suits simulations whose
   * servers are given the same clock.
   */
  wallClock?: (now: number) => number;
  /** Timer overrides (tests, the NAT lab); defaults from src/timings.ts. */
  timings?: Partial<Timings>;
  /** Server keys given with the addresses (host:port#KEY, by endpointKey), and pinned ones (SSH-style; the edge saves them when serverPins.version moves). */
  serverKeys?: ReadonlyMap<string, Uint8Array>;
  serverPins?: ServerPins;
  /**
   * Who stores received messages: 'edge' (a database: receipts wait for ClientEngine.stored,
   * duplicates are the edge's to drop) or 'event' (default: none; the receipt goes when the
   * message event is handed out, and duplicates are dropped here).
   */
  storedBy?: StoredBy;
  /** A number in [0, 1) for retry jitter; injectable for tests. Default Math.random. */
  random?: () => number;
  /** false: tell the servers nothing about our paths (--no-report; path-reporter.ts says what is told). */
  report?: boolean;
}
