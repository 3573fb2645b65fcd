// The client's public contract: commands in, events out. Headless mode writes these events
// as JSON lines and reads these commands; the blessed UI renders the same events and turns
// keys into the same commands. Every event about a peer carries both its name and its id.
// Failure events carry a stable `code` (src/errors.ts) and a human `message`; `reason` is
// the same text as `message`, kept as an alias for consumers written before codes existed.

import type { ConnectFailedCode, DisconnectedCode, FailedCode } from '../../src/errors.ts';

export type NatType = 'unknown' | 'none' | 'cone' | 'symmetric';
export type PathKind = 'direct' | 'relay';
export type WarningCode = 'MALFORMED_MESSAGE';

export type ClientEvent =
  | { event: 'ready'; id: string; name: string; observed: string; nat: NatType; fingerprint: string }
  | { event: 'peers'; peers: { id: string; name: string }[] }
  | { event: 'connected'; peer: string; peerId: string; via: PathKind; addr: string }
  /** `code` is a DisconnectedCode (QUIT, PEER_LEFT) when a side left before the attempt completed. */
  | { event: 'connect_failed'; peer: string; peerId: string; code: ConnectFailedCode | DisconnectedCode; message: string; reason: string }
  /** `seq`: the sender's count of messages to us, from 1; `sentAt`: the sender's wall clock (ms). */
  | { event: 'message'; from: string; fromId: string; msgId: string; seq: number; text: string; sentAt: number }
  | { event: 'delivered'; to: string; toId: string; ref?: unknown; msgId: string; seq: number }
  /** `seq` is absent for a message refused before it was numbered (MESSAGE_TOO_LONG). */
  | { event: 'failed'; to: string; toId: string; ref?: unknown; msgId: string; seq?: number; code: FailedCode; message: string; reason: string }
  /** `code` is HANDSHAKE_FAILED when a rekey or a changed key ended an open conversation. */
  | { event: 'disconnected'; peer: string; peerId: string; code: DisconnectedCode | ConnectFailedCode; message: string; reason: string }
  /** Something a peer sent was dropped after it arrived (e.g. a chat payload that does not decode). */
  | { event: 'warning'; code: WarningCode; peer: string; peerId: string; message: string }
  | { event: 'error'; code: string; message: string }
  /** A discovery server answered with another key than the one pinned (or given) for its address: not used until `trust-server`. */
  | { event: 'error'; code: 'SERVER_KEY_CHANGED'; message: string; server: string; fingerprint: string; pinnedFingerprint: string }
  /** First contact with a discovery server: it proved this key, now pinned for its address. */
  | { event: 'server_pinned'; server: string; key: string; fingerprint: string }
  /** `trust-server`: the pin of `server` was removed; the key it proves next is pinned. */
  | { event: 'server_trusted'; server: string }
  /** A peer proved a different key than the one pinned under its name: possible impersonation. */
  | { event: 'key_mismatch'; peer: string; peerId: string; fingerprint: string; pinnedFingerprint: string }
  | { event: 'trusted'; peer: string; fingerprint: string }
  | { event: 'stats'; drops: Record<string, number> }
  | { event: 'whois'; peer: string; peerId: string; fingerprint: string; verified: boolean }
  // Not part of the headless contract's required set, but emitted for UIs: status changes.
  | { event: 'status'; servers: number; serversTotal: number; observed: string; nat: NatType; name: string; id: string; fingerprint: string };

export type ClientCommand =
  | { cmd: 'peers' }
  | { cmd: 'connect'; peer: string }
  | { cmd: 'connect'; addr: string }
  | { cmd: 'send'; peer: string; text: string; ref?: unknown }
  | { cmd: 'nick'; name: string }
  | { cmd: 'trust'; peer: string }
  | { cmd: 'trust-server'; addr: string }
  | { cmd: 'whois'; peer: string }
  | { cmd: 'stats' }
  | { cmd: 'quit' };

/** What a UI needs from a running client: the event stream and the command entry. */
export interface ChatClientApi {
  onEvent(listener: (ev: ClientEvent) => void): void;
  command(cmd: ClientCommand): void;
  /** Resolves once peers and servers were told goodbye and the socket is closed. */
  shutdown(): Promise<void>;
}
