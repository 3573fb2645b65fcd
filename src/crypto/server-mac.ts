// What a discovery server tells a listed client is authenticated by a MAC, not a signature:
// heartbeats are 90% of a server's load and an Ed25519 signature costs ~50 times a keyed hash.
//
// The key is per client and stateless on the server: clientKey = BLAKE2b(master; domain, id,
// registeredAt), where master derives from the server's long-term key seed (so it survives
// restarts with the same key file) and registeredAt is the timestamp of the signed Register
// the entry was listed with (the replay record every entry keeps anyway). The server never
// stores clientKey: it recomputes it (~1 µs) when it sends. It delivers it once, in its signed
// answer to that Register, sealed to the client's identity key (crypto_box_seal to the X25519
// form of the Ed25519 key, the key Noise uses too), so only the holder of the identity reads it.
//
// A MAC covers a domain string, the message type, the server's wall clock `ts` and every
// other field, in canonical CBOR (canonical-cbor.ts): the client rebuilds the same bytes from
// what it decoded. Keyed BLAKE2b (libsodium's generichash) is a PRF and a MAC by design, and
// is what sodium offers at native speed; 16 bytes of it, as Poly1305 and AES-GCM tags.

import { SEALED_MAC_KEY_BYTES, SERVER_MAC_BYTES } from '../constants.ts';
import type { Message } from '../wire.ts';
import { MsgType } from '../wire.ts';
import { encodeCanonicalScratch, type Canonical } from './canonical-cbor.ts';

/** The MAC input of one message, reused (a full PeerList page fits; a larger input gets its own buffer). */
const macInput = Buffer.alloc(2048);
import { bytesEqual, isBytes } from './bytes.ts';
import { noisePublicKeyOf, type Identity } from './identity.ts';
import { sodium } from './native.ts';

export const CLIENT_MAC_KEY_BYTES = 32;
const MASTER_DOMAIN = new TextEncoder().encode('natter-server-mac-master-v1');
const CLIENT_DOMAIN = 'natter-client-mac';
const MESSAGE_DOMAIN = 'natter-server-msg-v1';
const EMPTY = new Uint8Array(0);

/** The server's MAC master key: a function of its long-term key seed only. */
export function macMasterOf(server: Identity): Uint8Array {
  const seed = server.exportSeed();
  const master = new Uint8Array(32);
  sodium.crypto_generichash(master, MASTER_DOMAIN, seed);
  sodium.sodium_memzero(seed);
  return master;
}

/** The MAC key of the client `id` listed with the Register of timestamp `registeredAt` (NaN: none kept, 0). */
export function clientMacKey(master: Uint8Array, id: string, registeredAt: number): Uint8Array {
  const ts = Number.isSafeInteger(registeredAt) && registeredAt >= 0 ? registeredAt : 0;
  // Recomputed for every message to a listed client: one reused input buffer, no CBOR.
  // Layout: domain, then the id's length and bytes, then ts as 8 bytes (unambiguous).
  const idLength = Buffer.byteLength(id, 'utf8');
  const input = idLength <= MAX_KEY_ID_BYTES ? keyInput : Buffer.alloc(CLIENT_DOMAIN_BYTES.length + 1 + idLength + 8);
  input.set(CLIENT_DOMAIN_BYTES, 0);
  let at = CLIENT_DOMAIN_BYTES.length;
  input[at++] = idLength;
  at += input.write(id, at, 'utf8');
  input.writeUInt32BE(Math.floor(ts / 0x1_0000_0000), at);
  input.writeUInt32BE(ts >>> 0, at + 4);
  const key = new Uint8Array(CLIENT_MAC_KEY_BYTES);
  sodium.crypto_generichash(key, input.subarray(0, at + 8), master);
  return key;
}

const CLIENT_DOMAIN_BYTES = Buffer.from(CLIENT_DOMAIN);
/** Ids are at most 64 characters (wire.ts); longer ones get a buffer of their own. */
const MAX_KEY_ID_BYTES = 255;
const keyInput = Buffer.alloc(CLIENT_DOMAIN_BYTES.length + 1 + MAX_KEY_ID_BYTES + 8);

/** `key` sealed to the identity whose Ed25519 public key is `clientPk`; undefined for a key that is no point. */
export function sealMacKey(key: Uint8Array, clientPk: Uint8Array): Uint8Array | undefined {
  const x25519 = noisePublicKeyOf(clientPk);
  if (!x25519) return undefined;
  const out = new Uint8Array(SEALED_MAC_KEY_BYTES);
  sodium.crypto_box_seal(out, key, x25519);
  return out;
}

/** Opens a sealed MAC key with our identity; undefined when it is not for us (never throws). */
export function openMacKey(sealed: Uint8Array, identity: Identity): Uint8Array | undefined {
  if (!isBytes(sealed, SEALED_MAC_KEY_BYTES)) return undefined;
  const { publicKey, secretKey } = identity.noiseKeyPair();
  const key = new Uint8Array(CLIENT_MAC_KEY_BYTES);
  let ok = false;
  try {
    ok = sodium.crypto_box_seal_open(key, sealed, publicKey, secretKey);
  } catch {
    ok = false;
  }
  sodium.sodium_memzero(secretKey);
  return ok ? key : undefined;
}

/** The types a server MACs for a listed client. */
export const isMaccable = (msg: Message): boolean =>
  msg.t === MsgType.Registered || msg.t === MsgType.PeerList || msg.t === MsgType.Relayed || msg.t === MsgType.ServerError;

/** Every field but `mac`, in a fixed order (absent optional fields as empty values). */
function fields(msg: Message): Canonical | undefined {
  switch (msg.t) {
    case MsgType.Registered:
      return [msg.observed[0], msg.observed[1], msg.ttlMs, msg.token, msg.proven ? 1 : 0, msg.ssig ?? EMPTY, msg.mk ?? EMPTY];
    case MsgType.PeerList:
      return [msg.ver, msg.peers.map((p) => [p.id, p.name]), msg.next ?? '', msg.unchanged ? 1 : 0, msg.total];
    case MsgType.Relayed:
      return [msg.from, msg.data];
    case MsgType.ServerError:
      return [msg.code, msg.message, msg.target ?? '', msg.key ?? EMPTY];
    default:
      return undefined;
  }
}

function tag(key: Uint8Array, msg: Message, ts: number): Uint8Array | undefined {
  const f = fields(msg);
  const bytes = f === undefined ? undefined : encodeCanonicalScratch([MESSAGE_DOMAIN, msg.t, ts, f], macInput);
  if (!bytes || !isBytes(key, CLIENT_MAC_KEY_BYTES)) return undefined;
  const out = new Uint8Array(SERVER_MAC_BYTES);
  sodium.crypto_generichash(out, bytes, key);
  return out;
}

/** `msg` with the server's clock `ts` and its MAC under `key` (unchanged if its type is not MACed). */
export function withServerMac(key: Uint8Array, msg: Message, ts: number): Message {
  const t = Math.floor(ts);
  const mac = tag(key, msg, t);
  if (!mac) return msg;
  // In place: every caller builds the message for this one recipient (no copy per reply).
  const m = msg as Message & { ts?: number; mac?: Uint8Array };
  m.ts = t;
  m.mac = mac;
  return msg;
}

export type ServerMacVerdict = 'ok' | 'server-mac-missing' | 'server-mac-bad' | 'server-mac-stale';

/** Checks a MAC'd message against `key` and our wall clock; never throws. */
export function checkServerMac(key: Uint8Array, msg: Message, wallNow: number, maxSkewMs: number): ServerMacVerdict {
  const m = msg as Message & { mac?: Uint8Array; ts?: number };
  if (m.mac === undefined || m.ts === undefined) return 'server-mac-missing';
  let expected: Uint8Array | undefined;
  try {
    expected = tag(key, msg, m.ts);
  } catch {
    expected = undefined;
  }
  if (!expected || !bytesEqual(expected, m.mac)) return 'server-mac-bad';
  return Math.abs(wallNow - m.ts) <= maxSkewMs ? 'ok' : 'server-mac-stale';
}
