// Signed registrations, so a discovery server can require that only the holder of an
// identity key registers (or moves) the peer id derived from it. The signature covers
// canonical CBOR of ["natter-register-v2", id, name, lan, timestamp, publicKey, serverKey]:
// the domain string keeps a registration signature from ever being valid for anything else,
// and the server's public key binds it to one server (a replay to another is refused).
//
// The server answers with a signature of its own (registeredBytes): over the client's
// registration signature (which names the client, the time and the server), the address it
// observed and the token. The client checks it with the key it pinned or was given: only
// the holder of that server key can produce it, so nobody else passes for that server.
//
// What a server should check (verifyRegistration): the id is peerIdOf(publicKey), the
// signature holds, the timestamp is within REGISTRATION_MAX_SKEW_MS of its clock, and it
// is newer than the last one accepted for this id (replays of an old registration from
// another address would otherwise move the peer's entry). A signature cannot bind the
// observed address, which only the server sees: an on-path attacker can still race a
// fresh registration from its own address — the Noise handshake is what stops it
// impersonating the peer afterwards.

import { REGISTRATION_MAX_SKEW_MS } from '../constants.ts';
import { encodeCanonical } from './canonical-cbor.ts';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES, peerIdOf, verify, type Identity } from './identity.ts';
import { isBytes } from './bytes.ts';

export interface RegistrationClaim {
  id: string;
  name: string;
  /** LAN candidates as [host, port], in the order sent. */
  lan: readonly (readonly [string, number])[];
  /** Sender's clock, ms since the epoch. */
  timestamp: number;
  /** The public key of the server this registration is for. */
  server: Uint8Array;
}

export interface RegistrationProof {
  publicKey: Uint8Array;
  signature: Uint8Array;
}

export type RegistrationVerdict = 'ok' | 'malformed' | 'id-mismatch' | 'bad-signature' | 'stale' | 'replayed';

const DOMAIN = 'natter-register-v2';
const REGISTERED_DOMAIN = 'natter-registered-v2';
const INTRODUCE_DOMAIN = 'natter-introduce-v1';

/** The exact bytes signed, or undefined if the claim holds values CBOR here cannot carry. */
export function registrationBytes(claim: RegistrationClaim, publicKey: Uint8Array): Uint8Array | undefined {
  if (typeof claim !== 'object' || claim === null || !Array.isArray(claim.lan)) return undefined;
  if (!isBytes(claim.server, PUBLIC_KEY_BYTES)) return undefined;
  return encodeCanonical([DOMAIN, claim.id, claim.name, claim.lan.map(([host, port]) => [host, port]), claim.timestamp, publicKey, claim.server]);
}

/** What a server signs in its answer to a registration whose signature is `registerSig`. */
export interface RegisteredClaim {
  registerSig: Uint8Array;
  observed: readonly [string, number];
  token: Uint8Array;
  /** The client's MAC key sealed to it (server-mac.ts); signed, so it cannot be stripped or swapped. */
  mk?: Uint8Array | undefined;
}

function registeredBytes(claim: RegisteredClaim): Uint8Array | undefined {
  if (!isBytes(claim.registerSig, SIGNATURE_BYTES) || !(claim.token instanceof Uint8Array)) return undefined;
  return encodeCanonical([REGISTERED_DOMAIN, claim.registerSig, [claim.observed[0], claim.observed[1]], claim.token, claim.mk ?? new Uint8Array(0)]);
}

/** The server's signature over its answer (its key is the identity `server`). */
export const signRegistered = (server: Identity, claim: RegisteredClaim): Uint8Array => signClaim(server, registeredBytes(claim), 'registered');

/** True when `signature` is `serverKey`'s over the claim; never throws. */
export const verifyRegistered = (serverKey: Uint8Array, claim: RegisteredClaim, signature: Uint8Array | undefined): boolean =>
  verifyClaim(serverKey, () => registeredBytes(claim), signature);

/** Signs the bytes of one of our own claims; unencodable bytes are a programming error. */
export function signClaim(server: Identity, bytes: Uint8Array | undefined, what: string): Uint8Array {
  if (!bytes) throw new RangeError(`${what} claim is not encodable`);
  return server.sign(bytes);
}

/** Verifies a claim that came from outside: malformed input is `false`, never a throw. */
export function verifyClaim(serverKey: Uint8Array, bytesOf: () => Uint8Array | undefined, signature: Uint8Array | undefined): boolean {
  if (!signature || !isBytes(serverKey, PUBLIC_KEY_BYTES)) return false;
  let bytes: Uint8Array | undefined;
  try {
    bytes = bytesOf();
  } catch {
    bytes = undefined;
  }
  return bytes !== undefined && verify(serverKey, bytes, signature);
}

export function signRegistration(identity: Identity, claim: RegistrationClaim): RegistrationProof {
  const bytes = registrationBytes(claim, identity.publicKey);
  if (!bytes) throw new RangeError('registration claim is not encodable'); // our own data: a programming error
  return { publicKey: identity.publicKey, signature: identity.sign(bytes) };
}

/**
 * Checks a registration from the network; never throws. `lastTimestamp`: the newest
 * timestamp already accepted for this id, if any.
 */
export function verifyRegistration(
  claim: RegistrationClaim,
  proof: RegistrationProof,
  now: number,
  lastTimestamp?: number,
  maxSkewMs: number = REGISTRATION_MAX_SKEW_MS,
): RegistrationVerdict {
  if (!proof || !isBytes(proof.publicKey, PUBLIC_KEY_BYTES)) return 'malformed';
  let bytes: Uint8Array | undefined;
  try {
    bytes = registrationBytes(claim, proof.publicKey);
  } catch {
    bytes = undefined; // e.g. a lan entry that is not a pair
  }
  if (!bytes || typeof claim.id !== 'string' || typeof claim.timestamp !== 'number') return 'malformed';
  if (peerIdOf(proof.publicKey) !== claim.id) return 'id-mismatch';
  if (!verify(proof.publicKey, bytes, proof.signature)) return 'bad-signature';
  if (Math.abs(now - claim.timestamp) > maxSkewMs) return 'stale';
  if (lastTimestamp !== undefined && claim.timestamp <= lastTimestamp) return 'replayed';
  return 'ok';
}

/** What a server signs in an Introduce: who it is for, whom it introduces, where, and when. */
export interface IntroduceClaim {
  recipient: string;
  peer: { id: string; name: string };
  candidates: readonly { kind: string; addr: readonly [string, number] }[];
  /** The server's wall clock, ms. */
  ts: number;
}

function introduceBytes(c: IntroduceClaim): Uint8Array | undefined {
  if (typeof c.recipient !== 'string' || !Array.isArray(c.candidates) || typeof c.ts !== 'number') return undefined;
  const candidates = c.candidates.map((x) => [x.kind, [x.addr[0], x.addr[1]]]);
  return encodeCanonical([INTRODUCE_DOMAIN, c.recipient, c.peer.id, c.peer.name, candidates, c.ts]);
}

export const signIntroduce = (server: Identity, claim: IntroduceClaim): Uint8Array => signClaim(server, introduceBytes(claim), 'introduce');

/** True when `signature` is `serverKey`'s over the claim; never throws. */
export const verifyIntroduce = (serverKey: Uint8Array, claim: IntroduceClaim, signature: Uint8Array | undefined): boolean =>
  verifyClaim(serverKey, () => introduceBytes(claim), signature);
