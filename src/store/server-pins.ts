// The server-pins file (SSH's known_hosts for discovery servers): per local identity, the
// public key each server address proved on first contact, as JSON, written atomically with
// mode 0600 next to the known-peers file. The pins are data in the client core
// (client/core/server-pins.ts); this module only reads and writes them, at the edge.

import { join } from 'node:path';
import { configDir, safeFileName } from './identity-file.ts';
import { parseJsonObject, readOptional, writeJsonAtomically } from './json-file.ts';

const FORMAT = 'natter-server-pins-v1';

/** Address (host:port) -> public key, 64 hex characters. */
export type ServerPinRecords = Record<string, string>;

export type ServerPinsResult = { ok: true; file: ServerPinsFile; pins: ServerPinRecords } | { ok: false; code: 'SERVER_PINS_CORRUPT'; message: string };

/** ~/.config/natter/LOCALNAME.server-pins.json, beside LOCALNAME.known-peers.json. */
export const defaultServerPinsPath = (localName: string, home?: string): string => join(configDir(home), `${safeFileName(localName)}.server-pins.json`);

export class ServerPinsFile {
  saveError: string | undefined;

  constructor(readonly path: string) {}

  /** A missing file holds no pins; a corrupt one is an error (never silently re-pinned). */
  static open(path: string): ServerPinsResult {
    const file = new ServerPinsFile(path);
    const read = readOptional(path);
    if (!read.ok) return { ok: false, code: 'SERVER_PINS_CORRUPT', message: read.message };
    if (read.text === undefined) return { ok: true, file, pins: {} };
    const pins = parse(read.text);
    if (!pins) return { ok: false, code: 'SERVER_PINS_CORRUPT', message: `${path} is not a natter server-pins file; fix or move it` };
    return { ok: true, file, pins };
  }

  save(pins: ServerPinRecords): boolean {
    this.saveError = writeJsonAtomically(this.path, { format: FORMAT, servers: pins });
    return this.saveError === undefined;
  }
}

function parse(text: string): ServerPinRecords | undefined {
  const doc = parseJsonObject(text);
  if (!doc) return undefined;
  const { format, servers } = doc;
  if (format !== FORMAT || typeof servers !== 'object' || servers === null || Array.isArray(servers)) return undefined;
  const out: ServerPinRecords = Object.create(null) as ServerPinRecords;
  for (const [addr, key] of Object.entries(servers)) {
    if (typeof key !== 'string' || !/^[0-9a-f]{64}$/i.test(key)) return undefined;
    out[addr] = key.toLowerCase();
  }
  return out;
}
