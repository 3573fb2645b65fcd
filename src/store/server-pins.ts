// The server-pins file (SSH's known_hosts for discovery servers): per local identity, the
// public key each server address proved on first contact, as JSON, written atomically with
// mode 0600 next to the known-peers file. The pins are data in the client core
// (client/core/server-pins.ts); this module only reads and writes them, at the edge.

import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { configDir, safeFileName } from './identity-file.ts';

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
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, file, pins: {} };
      return { ok: false, code: 'SERVER_PINS_CORRUPT', message: `cannot read ${path}: ${(err as Error).message}` };
    }
    const pins = parse(text);
    if (!pins) return { ok: false, code: 'SERVER_PINS_CORRUPT', message: `${path} is not a natter server-pins file; fix or move it` };
    return { ok: true, file, pins };
  }

  save(pins: ServerPinRecords): boolean {
    const tmp = `${this.path}.tmp-${process.pid}`;
    try {
      mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
      writeFileSync(tmp, JSON.stringify({ format: FORMAT, servers: pins }, null, 2) + '\n', { mode: 0o600 });
      chmodSync(tmp, 0o600);
      renameSync(tmp, this.path); // atomic replace: a crash keeps the old pins
      this.saveError = undefined;
      return true;
    } catch (err) {
      this.saveError = `cannot write ${this.path}: ${(err as Error).message}`;
      return false;
    }
  }
}

function parse(text: string): ServerPinRecords | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null) return undefined;
  const { format, servers } = doc as Record<string, unknown>;
  if (format !== FORMAT || typeof servers !== 'object' || servers === null || Array.isArray(servers)) return undefined;
  const out: ServerPinRecords = Object.create(null) as ServerPinRecords;
  for (const [addr, key] of Object.entries(servers)) {
    if (typeof key !== 'string' || !/^[0-9a-f]{64}$/i.test(key)) return undefined;
    out[addr] = key.toLowerCase();
  }
  return out;
}
