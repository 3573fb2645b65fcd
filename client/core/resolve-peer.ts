// Names are not unique: wherever a name is ambiguous, the id decides. A person may type a
// full id, a unique id prefix (at least 4 hex digits), or a name that only one peer has.
// Online peers come first; contacts (pinned keys) who are not listed right now are found
// only when no online peer matches.

import { NatterError } from '../../src/errors.ts';

export interface KnownPeer {
  id: string;
  name: string;
}

export function resolvePeer(query: string, known: Iterable<KnownPeer>): KnownPeer {
  const peers = [...known];
  const exact = peers.find((p) => p.id === query);
  if (exact) return exact;
  const byName = peers.filter((p) => p.name === query);
  if (byName.length === 1) return byName[0] as KnownPeer;
  if (byName.length > 1) {
    const ids = byName.map((p) => p.id.slice(0, 8)).join(', ');
    throw new NatterError('AMBIGUOUS', `${byName.length} peers are named "${query}" (ids ${ids}); use the id instead`);
  }
  if (/^[0-9a-f]{4,}$/.test(query)) {
    const byPrefix = peers.filter((p) => p.id.startsWith(query));
    if (byPrefix.length === 1) return byPrefix[0] as KnownPeer;
    if (byPrefix.length > 1) throw new NatterError('AMBIGUOUS', `id prefix "${query}" matches ${byPrefix.length} peers; type more of it`);
  }
  throw new NatterError('UNKNOWN_PEER', `no online peer is called "${query}"`);
}

/** Online peers first; a contact who is not listed right now only when no online peer matches. */
export function resolveWithContacts(query: string, online: Iterable<KnownPeer>, contacts: Iterable<KnownPeer>): KnownPeer {
  try {
    return resolvePeer(query, online);
  } catch (err) {
    if (!(err instanceof NatterError) || err.code !== 'UNKNOWN_PEER') throw err;
    return resolvePeer(query, contacts);
  }
}

/** The contact `query` means when it matches no online peer; undefined if it matches one, or no single contact. */
export function unlistedContact(query: string, online: Iterable<KnownPeer>, contacts: Iterable<KnownPeer>): KnownPeer | undefined {
  try {
    resolvePeer(query, online);
    return undefined;
  } catch (err) {
    if (!(err instanceof NatterError) || err.code !== 'UNKNOWN_PEER') return undefined;
  }
  try {
    return resolvePeer(query, contacts);
  } catch {
    return undefined; // unknown or ambiguous among contacts: connecting reports it
  }
}
