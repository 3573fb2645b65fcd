// The client's public contract: commands in, events out. Headless mode writes these events
// as JSON lines and reads these commands; the blessed UI renders the same events and turns
// keys into the same commands. Every event about a peer carries both its name and its id.

export type NatType = 'unknown' | 'none' | 'cone' | 'symmetric';
export type PathKind = 'direct' | 'relay';

export type ClientEvent =
  | { event: 'ready'; id: string; name: string; observed: string; nat: NatType; fingerprint: string }
  | { event: 'peers'; peers: { id: string; name: string }[] }
  | { event: 'connected'; peer: string; peerId: string; via: PathKind; addr: string }
  | { event: 'connect_failed'; peer: string; peerId: string; reason: string }
  | { event: 'message'; from: string; fromId: string; msgId: string; text: string; sentAt?: number }
  | { event: 'delivered'; to: string; toId: string; ref?: unknown; msgId?: string }
  | { event: 'failed'; to: string; toId: string; ref?: unknown; reason: string; msgId?: string }
  | { event: 'disconnected'; peer: string; peerId: string; reason: string }
  | { event: 'error'; code: string; message: string }
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
