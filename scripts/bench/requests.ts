// Every discovery request the load generator sends, encoded in one place, with the shapes
// of src/wire.ts: a signed Register (Ed25519, src/crypto/signed.ts), a Heartbeat echoing
// the address token from Registered, and ListPeers. A registration is two round trips:
// Register -> Registered{token}, then Heartbeat{token} -> Registered{proven} (listed). When the wire changes again, only this
// module changes. A Register names the server's key (`srv`): the generator learns it once,
// as a client does on first contact (a Register without `srv` earns WRONG_SERVER{key}).

import { decode, encode, encodedSize } from '../../src/codec.ts';
import { REGISTER_MIN_BYTES } from '../../src/constants.ts';
import { Identity } from '../../src/crypto/identity.ts';
import { signRegistration } from '../../src/crypto/signed.ts';
import { MsgType, type Endpoint, type Message } from '../../src/wire.ts';

/** One simulated client: its key, id and name, and the token its last Registered carried. */
export interface LoadClient {
  readonly identity: Identity;
  readonly id: string;
  readonly name: string;
  token?: Uint8Array;
  /** Cached encoded heartbeat: the same bytes while the token is the same. */
  heartbeat?: Buffer;
}

export function makeClient(index: number): LoadClient {
  const identity = Identity.generate();
  return { identity, id: identity.id, name: `bench${index}` };
}

/** The key of the server under load (learnt from WRONG_SERVER by parseReply, or set). */
let serverKey: Uint8Array | undefined;
export const setServerKey = (key: Uint8Array | undefined): void => void (serverKey = key);
export const knownServerKey = (): Uint8Array | undefined => serverKey;

/** A fresh signed registration (the timestamp makes each one new: the server refuses replays); without the server's key, a request for it. */
export function registerRequest(c: LoadClient, lan: Endpoint[] = []): Buffer {
  const ts = Date.now();
  if (!serverKey) return encode({ t: MsgType.Register, id: c.id, name: c.name, lan, pk: c.identity.publicKey, ts, sig: new Uint8Array(64) });
  const { publicKey, signature } = signRegistration(c.identity, { id: c.id, name: c.name, lan, timestamp: ts, server: serverKey });
  const msg: Message = { t: MsgType.Register, id: c.id, name: c.name, lan, pk: publicKey, ts, sig: signature, srv: serverKey };
  // Padded as a real client pads it: the answer carries the sealed MAC key and must fit the 1x rule.
  const short = REGISTER_MIN_BYTES - encodedSize(msg);
  return encode(short > 0 ? { ...msg, pad: new Uint8Array(short) } : msg);
}

/** A heartbeat needs the token from a Registered; without one the client must register. */
export function heartbeatRequest(c: LoadClient): Buffer | undefined {
  if (!c.token) return undefined;
  c.heartbeat ??= encode({ t: MsgType.Heartbeat, id: c.id, token: c.token });
  return c.heartbeat;
}

/** A list request carries the client's address token (the server answers only a proven source). */
export function listRequest(c: LoadClient, ver?: number, cursor?: string): Buffer {
  return encode({ t: MsgType.ListPeers, ...(ver !== undefined ? { ver } : {}), ...(cursor !== undefined ? { cursor } : {}), ...(c.token ? { token: c.token } : {}) });
}

export type ReplyKind = 'registered' | 'peers' | 'error' | 'other' | 'bad';

/** What came back; a Registered's token is stored on the client, a PeerList's version returned. */
export function parseReply(bytes: Uint8Array, c?: LoadClient): { kind: ReplyKind; ver?: number; code?: string; proven?: boolean } {
  const r = decode(bytes);
  if (!r.ok) return { kind: 'bad' };
  const msg = r.msg;
  if (msg.t === MsgType.Registered) {
    if (c && (!c.token || Buffer.compare(Buffer.from(c.token), Buffer.from(msg.token)) !== 0)) {
      c.token = msg.token;
      c.heartbeat = undefined;
    }
    return { kind: 'registered', proven: msg.proven === true };
  }
  if (msg.t === MsgType.PeerList) return { kind: 'peers', ver: msg.ver };
  if (msg.t === MsgType.ServerError) {
    // The generator trusts whichever server it loads (a new server child has a new key).
    if (msg.code === 'WRONG_SERVER' && msg.key) serverKey = msg.key;
    return { kind: 'error', code: msg.code };
  }
  return { kind: 'other' };
}
