// The known-peers file (SSH's known_hosts for natter): the contacts of one local identity —
// peer id → identity key, last name seen, verified or not — as JSON, written atomically with
// mode 0600. The pins themselves are data in the client core (client/core/pinned-keys.ts);
// this module only reads and writes them, at the edge. A JSON file is fine here: it is read
// once and written only when a pin changes.
// Version 1 files pinned keys by *name*; they are converted on read (the id is the hash of
// the key), never refused or emptied, and written back as version 2 at the next change.

import { join } from 'node:path';
import { fromHex, toHex } from '../crypto/bytes.ts';
import { PUBLIC_KEY_BYTES, peerIdOf } from '../crypto/identity.ts';
import { configDir, safeFileName } from './identity-file.ts';
import { parseJsonObject, readOptional, writeJsonAtomically } from './json-file.ts';

/** One pin as stored (the same shape as the core's PinRecord). */
export interface StoredPin {
  readonly publicKey: Uint8Array;
  /** The name the peer last went by. */
  readonly name: string;
  /** When the key was first proven (wall-clock ms). */
  readonly pinnedAt: number;
  /** When the person verified the fingerprint out of band; absent if never. */
  readonly verifiedAt?: number;
}

export type KnownPeersResult =
  | { ok: true; file: KnownPeersFile; pins: StoredPin[] }
  | { ok: false; code: 'KNOWN_PEERS_CORRUPT'; message: string };

const FORMAT = 'natter-known-peers-v2';
/** Pins by name (before issue 9): read and converted, never written. */
const FORMAT_V1 = 'natter-known-peers-v1';

/** ~/.config/natter/LOCALNAME.known-peers.json: each local identity keeps its own pins. */
export const defaultKnownPeersPath = (localName: string, home?: string): string =>
  join(configDir(home), `${safeFileName(localName)}.known-peers.json`);

export class KnownPeersFile {
  /** The last failure to write the file, if any (pins stay in memory regardless; the edge warns). */
  saveError: string | undefined;

  constructor(readonly path: string) {}

  /** Reads the file at `path`; a missing file holds no pins, a corrupt one is an error (never silently re-pinned). */
  static open(path: string): KnownPeersResult {
    const file = new KnownPeersFile(path);
    const read = readOptional(path);
    if (!read.ok) return { ok: false, code: 'KNOWN_PEERS_CORRUPT', message: read.message };
    if (read.text === undefined) return { ok: true, file, pins: [] };
    const pins = parsePins(read.text);
    if (!pins) return { ok: false, code: 'KNOWN_PEERS_CORRUPT', message: `${path} is not a natter known-peers file; fix or move it` };
    return { ok: true, file, pins };
  }

  /** Replaces the file with `pins`; returns false (and sets saveError) if it could not. */
  save(pins: Iterable<StoredPin>): boolean {
    type Entry = { publicKey: string; name: string; pinnedAt: number; verifiedAt?: number };
    const doc: Record<string, Entry> = Object.create(null); // keys are hex ids, but never trust that to stay so
    for (const p of pins) {
      const entry: Entry = { publicKey: toHex(p.publicKey), name: p.name, pinnedAt: p.pinnedAt };
      if (p.verifiedAt !== undefined) entry.verifiedAt = p.verifiedAt;
      doc[peerIdOf(p.publicKey)] = entry;
    }
    this.saveError = writeJsonAtomically(this.path, { format: FORMAT, peers: doc });
    return this.saveError === undefined;
  }
}

function parsePins(text: string): StoredPin[] | undefined {
  const doc = parseJsonObject(text);
  if (!doc) return undefined;
  const { format, peers } = doc;
  if ((format !== FORMAT && format !== FORMAT_V1) || typeof peers !== 'object' || peers === null || Array.isArray(peers)) return undefined;
  const out: StoredPin[] = [];
  for (const [key, entry] of Object.entries(peers)) {
    if (typeof entry !== 'object' || entry === null) return undefined;
    const { publicKey, pinnedAt, name, verifiedAt } = entry as Record<string, unknown>;
    const pk = fromHex(publicKey, PUBLIC_KEY_BYTES);
    if (!pk || typeof pinnedAt !== 'number' || !Number.isFinite(pinnedAt)) return undefined;
    if (format === FORMAT_V1) {
      out.push({ publicKey: pk, name: key, pinnedAt }); // v1: keyed by name
      continue;
    }
    // v2: keyed by id, which must be the hash of the key (a hand-edited mismatch is corrupt, not a contact).
    if (key !== peerIdOf(pk) || typeof name !== 'string') return undefined;
    if (verifiedAt !== undefined && (typeof verifiedAt !== 'number' || !Number.isFinite(verifiedAt))) return undefined;
    out.push(verifiedAt === undefined ? { publicKey: pk, name, pinnedAt } : { publicKey: pk, name, pinnedAt, verifiedAt });
  }
  return out;
}
