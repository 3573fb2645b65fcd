// The wire protocol: every datagram is one CBOR map { v: PROTOCOL_VERSION, t: MsgType, ...fields }
// of at most MAX_DATAGRAM_BYTES. Each message is defined once here; its TypeScript type and
// its validator come from the same definition (see schema.ts).

import { DISCOVERY_PUBLIC_KEY_BYTES, DISCOVERY_SIGNATURE_BYTES, DISCOVERY_TOKEN_BYTES, MAX_DATAGRAM_BYTES, MAX_HANDSHAKE_MESSAGE_BYTES, MAX_ID_LENGTH, MAX_LAN_CANDIDATES, MAX_NAME_LENGTH, MAX_SACK_RANGES, PATH_CHALLENGE_BYTES, REGISTER_MIN_BYTES, SEALED_MAC_KEY_BYTES, SERVER_MAC_BYTES } from './constants.ts';
import { isValidName } from './names.ts';
import { arr, bool, bytes, obj, oneOf, opt, str, tuple, uint, type Infer, type Schema } from './schema.ts';

export { MAX_DATAGRAM_BYTES, PROTOCOL_VERSION } from './constants.ts';

export const MsgType = {
  // client <-> discovery server
  Register: 1,
  Registered: 2,
  ListPeers: 3,
  PeerList: 4,
  Connect: 5,
  Introduce: 6,
  ServerError: 7,
  Leave: 8,
  Relay: 9,
  Relayed: 10,
  Heartbeat: 11,
  PathReport: 12,
  // operator's view <-> discovery server
  StatusRequest: 13,
  StatusReply: 14,
  // peer <-> peer
  Punch: 20,
  PunchAck: 21,
  Data: 22,
  Ack: 23,
  Ping: 24,
  Pong: 25,
  Bye: 26,
  Handshake: 27,
  Sealed: 28,
  PathChallenge: 29,
  PathResponse: 30,
} as const;
export type MsgType = (typeof MsgType)[keyof typeof MsgType];

// ---- shared field shapes ----
/** Peer ids: lowercase hex. */
export const peerId = str(1, MAX_ID_LENGTH, /^[0-9a-f]+$/);
/** Display names: normalised (NFKC), no control, invisible or bidi characters (src/names.ts; also re-sanitized before display). */
export const peerName: Schema<string> = { check: (v) => typeof v === 'string' && v.length >= 1 && v.length <= MAX_NAME_LENGTH && isValidName(v) };
/** A name as a client proposes it in Register: any string of bounded size, so the server can answer BAD_NAME instead of dropping it. */
export const proposedName = str(1, 4 * MAX_NAME_LENGTH);
/** An address as [host, port]: IPv4 or IPv6 literal. */
export const endpoint = tuple(str(2, 45, /^[0-9a-fA-F.:]+$/), uint(65535));
export type Endpoint = Infer<typeof endpoint>;
/** Connection ids scope peer-to-peer datagrams to one conversation (like WireGuard's receiver index). */
export const connId = uint(0xffffffff);
export const candidate = obj({ kind: oneOf('public', 'lan'), addr: endpoint });
export type Candidate = Infer<typeof candidate>;
export const peerSummary = obj({ id: peerId, name: peerName });
export type PeerSummary = Infer<typeof peerSummary>;
/**
 * Streams of one conversation (each with its own seqs and acks) are told apart by `sid`;
 * absent means stream 0, chat, so a chat frame is as small as before streams existed.
 */
export const streamId = uint(0xffff);

const MAX_BODY = MAX_DATAGRAM_BYTES - 64;

/** Path claims in one PathReport: a client reports at most this many peers (the most recent). */
export const MAX_PATH_CLAIMS = 16;
/** A failure reason in a path claim: short printable ASCII (the client sanitises; the server refuses anything else). */
export const MAX_PATH_REASON_LENGTH = 64;
/** The nonce of a status request: fresh random bytes, echoed under the server's signature. */
export const STATUS_NONCE_BYTES = 16;
/**
 * A StatusRequest is padded to at least this many bytes, and its reply never exceeds the
 * request (the server trims drop reasons until it fits): a spoofed request cannot make a
 * server send a victim more than the spoofer sent.
 */
export const STATUS_REQUEST_MIN_BYTES = 1000;
/** Drop reasons in one StatusReply (the largest counts; the rest trimmed to fit the request). */
export const MAX_STATUS_DROP_REASONS = 40;
export const pathOutcome = oneOf('direct', 'relay', 'failed');
/** A client's own NAT type claim (client/core/events.ts NatType). */
export const natClaim = oneOf('none', 'cone', 'symmetric', 'unknown');
/** One path claim: to `peer`, how it goes now; `relay` HOST:PORT of the relaying server; `since` wall-clock ms. */
export const pathClaim = obj({
  peer: peerId,
  outcome: pathOutcome,
  relay: opt(str(3, 53, /^(\[[0-9a-fA-F:.]+\]|[0-9.]+):[0-9]{1,5}$/)),
  reason: opt(str(0, MAX_PATH_REASON_LENGTH, /^[\x20-\x7e]*$/)),
  since: opt(uint()),
});
export type PathClaim = Infer<typeof pathClaim>;
/**
 * What a server sends a client it lists carries its wall clock `ts` (ms) and `mac`, keyed
 * with that client's MAC key (src/crypto/server-mac.ts): only that server made it, recently.
 */
const serverMac = { ts: opt(uint()), mac: opt(bytes(SERVER_MAC_BYTES)) };

export const messageSchemas = {
  /**
   * Signed by the identity key (src/crypto/signed.ts): `pk` is the Ed25519 public key whose
   * peerIdOf is `id`, `ts` the sender's wall clock in ms (replay bound), `sig` the signature.
   * `srv` is the public key of the server the registration is for (signed too): another
   * server refuses it (WRONG_SERVER, with its own key), so a registration never replays
   * elsewhere. Absent: the client does not know the key yet and asks for it. A signed Register
   * is padded (`pad`, ignored) to REGISTER_MIN_BYTES: larger than the signed Registered with
   * its sealed MAC key that it earns (1x rule).
   */
  [MsgType.Register]: obj({
    id: peerId,
    name: proposedName,
    lan: arr(endpoint, MAX_LAN_CANDIDATES),
    pk: bytes(DISCOVERY_PUBLIC_KEY_BYTES),
    ts: uint(),
    sig: bytes(DISCOVERY_SIGNATURE_BYTES),
    srv: opt(bytes(DISCOVERY_PUBLIC_KEY_BYTES)),
    pad: opt(bytes(REGISTER_MIN_BYTES)),
  }),
  /**
   * `token`: the server's MAC over (id, observed endpoint), echoed in Heartbeat and Leave to
   * prove the address; `proven` is set when the server lists us (the token came back).
   * The answer to a Register carries `ssig`: the server's signature (src/crypto/signed.ts)
   * over the Register's own signature, `observed`, `token` and `mk`, made with the key `srv` named.
   * `mk`: the client's MAC key for this server, sealed to its identity key. Heartbeat replies carry `ts` and `mac`.
   */
  [MsgType.Registered]: obj({ observed: endpoint, ttlMs: uint(), token: bytes(DISCOVERY_TOKEN_BYTES), proven: opt(bool), ssig: opt(bytes(DISCOVERY_SIGNATURE_BYTES)), mk: opt(bytes(SEALED_MAC_KEY_BYTES)), ...serverMac }),
  /**
   * `ver`: the registry version the client already has; `cursor`: last id of the previous page.
   * `token`: the address token; a PeerList is larger than its request, so a source must prove it receives there.
   */
  [MsgType.ListPeers]: obj({ ver: opt(uint()), cursor: opt(peerId), token: opt(bytes(DISCOVERY_TOKEN_BYTES)) }),
  /** `next` is present when more pages follow; `unchanged` answers a `ver` that is current. */
  [MsgType.PeerList]: obj({ ver: uint(), peers: arr(peerSummary, 64), next: opt(peerId), unchanged: opt(bool), total: uint(), ...serverMac }),
  /** `token` as in ListPeers: two Introduces answer one Connect. */
  [MsgType.Connect]: obj({ target: peerId, token: opt(bytes(DISCOVERY_TOKEN_BYTES)) }),
  /**
   * `sig`: the server's signature (src/crypto/signed.ts) over the recipient's id, `peer`,
   * `candidates` and `ts` (the server's wall clock, ms): an Introduce aims the recipient's
   * probes, so only the server it registered with may send one, to it, recently.
   */
  [MsgType.Introduce]: obj({ peer: peerSummary, candidates: arr(candidate, MAX_LAN_CANDIDATES + 1), ts: opt(uint()), sig: opt(bytes(DISCOVERY_SIGNATURE_BYTES)) }),
  /** `key`: with WRONG_SERVER, the public key of the server that answers (unsigned: a hint, never a pin). */
  [MsgType.ServerError]: obj({ code: str(1, 32), message: str(0, 200), target: opt(peerId), key: opt(bytes(DISCOVERY_PUBLIC_KEY_BYTES)), ...serverMac }),
  /** `token` as in Heartbeat; a Leave without a valid one from the holder's endpoint is ignored. */
  [MsgType.Leave]: obj({ id: peerId, token: opt(bytes(DISCOVERY_TOKEN_BYTES)) }),
  [MsgType.Relay]: obj({ to: peerId, data: bytes(MAX_BODY) }),
  [MsgType.Relayed]: obj({ from: peerId, data: bytes(MAX_BODY), ...serverMac }),
  /** Keeps a registration alive without a signature: the token from Registered, from the same endpoint. */
  [MsgType.Heartbeat]: obj({ id: peerId, token: bytes(DISCOVERY_TOKEN_BYTES) }),
  /**
   * A listed client's claims about its own paths (discovery/core/path-reports.ts): its NAT
   * type and up to MAX_PATH_CLAIMS paths, the whole current set each time (a restarted
   * server relearns it from the next one). Believed only with the address token of the entry
   * listed at the source, as a Heartbeat; never answered.
   */
  [MsgType.PathReport]: obj({ id: peerId, token: bytes(DISCOVERY_TOKEN_BYTES), nat: opt(natClaim), paths: arr(pathClaim, MAX_PATH_CLAIMS) }),
  /** From an operator's view (discovery/edge/status-probe.ts): `pad` brings it to STATUS_REQUEST_MIN_BYTES. */
  [MsgType.StatusRequest]: obj({ nonce: bytes(STATUS_NONCE_BYTES), pad: opt(bytes(MAX_DATAGRAM_BYTES)) }),
  /**
   * The answer (discovery/core/status.ts), signed by the server key over the nonce and every
   * field but `sig`; `pk` is that key (the view checks it against the one it was given, or
   * trusts the first for the run). `drops`: [reason, count], the largest first.
   */
  [MsgType.StatusReply]: obj({
    nonce: bytes(STATUS_NONCE_BYTES),
    pk: bytes(DISCOVERY_PUBLIC_KEY_BYTES),
    uptimeMs: uint(),
    clients: uint(),
    requests: uint(),
    introductions: uint(),
    relayedSessions: uint(),
    relayedBytes: uint(),
    mailboxDepth: uint(),
    drops: arr(tuple(str(1, 64), uint()), MAX_STATUS_DROP_REASONS),
    sig: bytes(DISCOVERY_SIGNATURE_BYTES),
  }),

  /** `to` is absent when dialing an address whose peer is not known yet (/connect host:port). */
  [MsgType.Punch]: obj({ from: peerId, to: opt(peerId), name: peerName, cid: connId }),
  /** `echo` is the cid of the Punch being answered: the prober knows the ack is for its current attempt. */
  [MsgType.PunchAck]: obj({ from: peerId, to: peerId, name: peerName, cid: connId, echo: connId }),
  /** `cid` is the receiver's connection id; `more` marks a fragment that a later one continues; `sid` the stream (absent: chat). */
  [MsgType.Data]: obj({ cid: connId, sid: opt(streamId), seq: uint(), more: bool, body: bytes(MAX_BODY) }),
  /** `cum`: every seq of stream `sid` (absent: chat) below it was received; `sack`: further received [start, end) ranges. */
  [MsgType.Ack]: obj({ cid: connId, sid: opt(streamId), cum: uint(), sack: arr(tuple(uint(), uint()), MAX_SACK_RANGES) }),
  [MsgType.Ping]: obj({ cid: connId }),
  [MsgType.Pong]: obj({ cid: connId }),
  [MsgType.Bye]: obj({ cid: connId }),
  /** A Noise handshake message: `cid` is the receiver's connection id, `scid` the sender's. */
  [MsgType.Handshake]: obj({ cid: connId, scid: connId, data: bytes(MAX_HANDSHAKE_MESSAGE_BYTES) }),
  /** Encrypted frames (Data, Ack, Ping, Pong, Bye, PathChallenge, PathResponse): key generation `g`, explicit counter `n` (the AEAD nonce). */
  [MsgType.Sealed]: obj({ cid: connId, g: uint(0xffffffff), n: uint(), ct: bytes(MAX_BODY) }),
  /** Sealed only: fresh random `data` sent to an address the peer may have moved to (QUIC's PATH_CHALLENGE). */
  [MsgType.PathChallenge]: obj({ cid: connId, data: bytes(PATH_CHALLENGE_BYTES) }),
  /** Sealed only: the `data` of a PathChallenge, echoed: the peer receives at the address it was sent to. */
  [MsgType.PathResponse]: obj({ cid: connId, data: bytes(PATH_CHALLENGE_BYTES) }),
} satisfies Record<MsgType, Schema<unknown>>;

type Schemas = typeof messageSchemas;
/** A message of type T, without the envelope. */
export type Body<T extends MsgType> = Infer<Schemas[T]>;
/** A message with its type tag: the tagged union every decoder returns. */
export type Message = { [T in MsgType]: { t: T } & Body<T> }[MsgType];
export type MessageOf<T extends MsgType> = Extract<Message, { t: T }>;

const knownTypes = new Set<number>(Object.values(MsgType));
export const isMsgType = (t: unknown): t is MsgType => typeof t === 'number' && knownTypes.has(t);

export const endpointToString = ([host, port]: Endpoint): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);
