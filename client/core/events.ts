// The client's public contract: commands in, events out. Headless mode writes these events
// as JSON lines and reads these commands; the blessed UI renders the same events and turns
// keys into the same commands. Every event about a peer carries both its name and its id.
// Failure events carry a stable `code` (src/errors.ts) and a human `message`; `reason` is
// the same text as `message`, kept as an alias for consumers written before codes existed.

import type { ConnectFailedCode, DisconnectedCode, FailedCode } from '../../src/errors.ts';
import type { ContactEntry, HistoryItem, SearchResult } from '../../src/history.ts';

export type { ContactEntry, HistoryItem, MessageState, SearchResult } from '../../src/history.ts';

export type NatType = 'unknown' | 'none' | 'cone' | 'symmetric';
export type PathKind = 'direct' | 'relay';
/** MALFORMED_MESSAGE names the peer; PINS_NOT_SAVED (the known-peers file could not be written) names none. */
export type WarningCode = 'MALFORMED_MESSAGE' | 'PINS_NOT_SAVED' | 'HISTORY_DAMAGED' | 'HISTORY_NOT_SAVED';

/**
 * One entry of the peer list. `known`: a key is pinned for this id (seen before); `verified`:
 * the person compared its fingerprint out of band (/verify); `lookalike`: the id of an earlier
 * contact whose name this one's looks like (Unicode TS #39 skeleton) — check before trusting.
 */
export interface PeerEntry {
  id: string;
  name: string;
  known?: true;
  verified?: true;
  lookalike?: string;
}

export type ClientEvent =
  | { event: 'ready'; id: string; name: string; observed: string; nat: NatType; fingerprint: string }
  | { event: 'peers'; peers: PeerEntry[] }
  /** `connect` to an address: it resolved (`addr`, IPv4) and the dial starts; errors come before it, never after. */
  | { event: 'connecting'; addr: string; query: string }
  | { event: 'connected'; peer: string; peerId: string; via: PathKind; addr: string }
  /** `code` is a DisconnectedCode (QUIT, PEER_LEFT) when a side left before the attempt completed. */
  | { event: 'connect_failed'; peer: string; peerId: string; code: ConnectFailedCode | DisconnectedCode; message: string; reason: string }
  /** `seq`: the sender's count of messages to us, from 1; `sentAt`: the sender's wall clock (ms). */
  | { event: 'message'; from: string; fromId: string; msgId: string; seq: number; text: string; sentAt: number }
  /** The send is committed to the outbox (on disk): it will be delivered, whenever the peer is reachable. */
  | { event: 'queued'; to: string; toId: string; ref?: unknown; msgId: string; seq: number }
  /** The recipient has the message on disk (its end-to-end receipt arrived). */
  | { event: 'delivered'; to: string; toId: string; ref?: unknown; msgId: string; seq: number }
  /** `seq` is absent for a message refused before it was numbered (MESSAGE_TOO_LONG). */
  | { event: 'failed'; to: string; toId: string; ref?: unknown; msgId: string; seq?: number; code: FailedCode; message: string; reason: string }
  /** `code` is HANDSHAKE_FAILED when a failed rekey ended an open conversation. */
  | { event: 'disconnected'; peer: string; peerId: string; code: DisconnectedCode | ConnectFailedCode; message: string; reason: string }
  /** Something a peer sent was dropped after it arrived (e.g. a chat payload that does not decode). */
  | { event: 'warning'; code: WarningCode; peer?: string; peerId?: string; message: string }
  /** `ref`: the ref of the send that could not be carried out, if it had one. */
  | { event: 'error'; code: string; message: string; ref?: unknown }
  /** A new contact's name looks like an earlier contact's (`like`, `likeId`): the conversation opens; the person decides. */
  | { event: 'lookalike'; peer: string; peerId: string; like: string; likeId: string }
  /** A peer in a conversation with us renamed itself (said inside the encrypted session): `peer` is the new name. */
  | { event: 'renamed'; peer: string; peerId: string; previous: string }
  /** The answer to `verify`: the person compared this fingerprint out of band. */
  | { event: 'verified'; peer: string; peerId: string; fingerprint: string }
  /** A discovery server answered with another key than the one pinned (or given) for its address: not used until `trust-server`. */
  | { event: 'error'; code: 'SERVER_KEY_CHANGED'; message: string; server: string; fingerprint: string; pinnedFingerprint: string }
  /** First contact with a discovery server: it proved this key, now pinned for its address. */
  | { event: 'server_pinned'; server: string; key: string; fingerprint: string }
  /** `trust-server`: the pin of `server` was removed; the key it proves next is pinned. */
  | { event: 'server_trusted'; server: string }
  | { event: 'stats'; drops: Record<string, number> }
  | { event: 'history'; peer: string; peerId: string; messages: HistoryItem[] }
  | { event: 'search'; text: string; results: SearchResult[] }
  | { event: 'contacts'; contacts: ContactEntry[] }
  /** `known`: a key is pinned for the id; `fingerprint` only then. */
  | { event: 'whois'; peer: string; peerId: string; known: boolean; verified: boolean; fingerprint?: string }
  // Not part of the headless contract's required set, but emitted for UIs: status changes.
  | { event: 'status'; servers: number; serversTotal: number; observed: string; nat: NatType; name: string; id: string; fingerprint: string };

export type ClientCommand =
  | { cmd: 'peers' }
  | { cmd: 'connect'; peer: string }
  | { cmd: 'connect'; addr: string }
  | { cmd: 'send'; peer: string; text: string; ref?: unknown }
  | { cmd: 'nick'; name: string }
  | { cmd: 'verify'; peer: string }
  | { cmd: 'trust-server'; addr: string }
  | { cmd: 'whois'; peer: string }
  | { cmd: 'stats' }
  /** Up to `limit` messages before `before` (a msgId; default: the newest), oldest first. */
  | { cmd: 'history'; peer: string; limit?: number; before?: string }
  | { cmd: 'search'; text: string; limit?: number }
  | { cmd: 'contacts' }
  /** Marks a conversation read (unread 0); the UI does it when the conversation is in view. */
  | { cmd: 'read'; peer: string }
  | { cmd: 'quit' };

/** What a UI needs from a running client: the event stream and the command entry. */
export interface ChatClientApi {
  onEvent(listener: (ev: ClientEvent) => void): void;
  command(cmd: ClientCommand): void;
  /** Resolves once peers and servers were told goodbye and the socket is closed. */
  shutdown(): Promise<void>;
}
