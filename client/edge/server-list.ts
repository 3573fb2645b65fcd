// The --servers / NATTER_SERVERS syntax: host:port[#KEY],... where KEY is the server's public
// key (64 hex characters, as `npm run discovery:all` prints it). A server given with its key
// is checked against it from the first datagram on; without one, its key is pinned on first
// contact (client/core/server-pins.ts).

import { endpointKey, parseEndpoint } from '../../src/address.ts';
import { NatterError } from '../../src/errors.ts';
import { resolveEndpoint } from '../../src/net/resolve.ts';
import type { Endpoint } from '../../src/wire.ts';
import { fromHexOrUndefined } from '../core/server-pins.ts';

export interface ServerList {
  servers: Endpoint[];
  /** Keys given with addresses, by endpointKey. */
  keys: Map<string, Uint8Array>;
}

/** The list with host names resolved (A records; see src/net/resolve.ts). Throws NatterError BAD_ADDRESS. */
export async function resolveServerList(text: string): Promise<ServerList> {
  const parts = text.split(',').map((s) => s.trim()).filter(Boolean);
  const resolved = await Promise.all(
    parts.map(async (part) => {
      const hash = part.lastIndexOf('#');
      const [host, port] = await resolveEndpoint(hash < 0 ? part : part.slice(0, hash));
      return `${host}:${port}${hash < 0 ? '' : part.slice(hash)}`;
    }),
  );
  return parseServerList(resolved.join(','));
}

export function parseServerList(text: string): ServerList {
  const parts = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) throw new NatterError('BAD_ADDRESS', 'the server list is empty');
  const servers: Endpoint[] = [];
  const keys = new Map<string, Uint8Array>();
  for (const part of parts) {
    const hash = part.lastIndexOf('#');
    const addr = parseEndpoint(hash < 0 ? part : part.slice(0, hash));
    servers.push(addr);
    if (hash < 0) continue;
    const key = fromHexOrUndefined(part.slice(hash + 1));
    if (!key) throw new NatterError('BAD_ADDRESS', `"${part}": the key after # must be 64 hex characters (the server prints it at start-up)`);
    keys.set(endpointKey(addr), key);
  }
  return { servers, keys };
}

/** Parses an address as written in the pins file; undefined if it is not one. */
export function parsePinnedAddress(text: string): Endpoint | undefined {
  try {
    return parseEndpoint(text);
  } catch {
    return undefined;
  }
}
