// Every discovery request the load generator sends, encoded in one place. The wire shapes
// come from src/wire.ts through src/codec.ts; when registrations become signed and
// heartbeats carry a token, only this module changes.
//
// Today (wire.ts without MsgType.Heartbeat) a heartbeat is a full Register repeated from
// the same socket, as client/discovery-client.ts sends it.

import { randomBytes } from 'node:crypto';
import { decode, encode } from '../../src/codec.ts';
import { MsgType, type Endpoint } from '../../src/wire.ts';

/** One simulated client: its id and name (and, later, its key). */
export interface LoadClient {
  readonly id: string;
  readonly name: string;
  /** Cached encoded heartbeat: the same bytes every time while the protocol has no token. */
  heartbeat?: Buffer;
}

/** Peer ids are 32 lowercase hex characters (SHA-256 prefix of the key); random ones look the same to the server. */
export function makeClient(index: number): LoadClient {
  return { id: randomBytes(16).toString('hex'), name: `bench${index}` };
}

export function registerRequest(c: LoadClient, lan: Endpoint[] = []): Buffer {
  return encode({ t: MsgType.Register, id: c.id, name: c.name, lan });
}

export function heartbeatRequest(c: LoadClient): Buffer {
  c.heartbeat ??= registerRequest(c);
  return c.heartbeat;
}

export function listRequest(ver?: number, cursor?: string): Buffer {
  return encode({ t: MsgType.ListPeers, ...(ver !== undefined ? { ver } : {}), ...(cursor !== undefined ? { cursor } : {}) });
}

export type ReplyKind = 'registered' | 'peers' | 'error' | 'other' | 'bad';

/** What came back, and the registry version a peer list carried (for the next list request). */
export function parseReply(bytes: Uint8Array): { kind: ReplyKind; ver?: number } {
  const r = decode(bytes);
  if (!r.ok) return { kind: 'bad' };
  if (r.msg.t === MsgType.Registered) return { kind: 'registered' };
  if (r.msg.t === MsgType.PeerList) return { kind: 'peers', ver: r.msg.ver };
  if (r.msg.t === MsgType.ServerError) return { kind: 'error' };
  return { kind: 'other' };
}
