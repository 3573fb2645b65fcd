// The history commands (headless `history`, `search`, `contacts`, `read`; the UI sends the
// same): answered from the database at the edge — the engine keeps no history — with the
// engine's view of who is online.

import { NatterError } from '../../src/errors.ts';
import type { ContactEntry } from '../../src/history.ts';
import type { HistoryStoreApi } from '../../src/store/history/history-api.ts';
import type { ClientEngine } from '../core/client-engine.ts';
import type { ClientEvent } from '../core/events.ts';
import { resolveWithContacts, type KnownPeer } from '../core/resolve-peer.ts';

/** Page sizes: what a command may ask for, and what it gets when it does not say. */
export const HISTORY_DEFAULT_LIMIT = 50;
export const HISTORY_MAX_LIMIT = 1_000;

const limitOf = (limit: number | undefined): number => Math.max(1, Math.min(HISTORY_MAX_LIMIT, Math.floor(limit ?? HISTORY_DEFAULT_LIMIT)));

export class HistoryCommands {
  constructor(
    private readonly store: () => HistoryStoreApi,
    private readonly engine: ClientEngine,
  ) {}

  /** A name or id → one contact: online peers first, then pinned keys, then anyone with history. Throws NatterError. */
  resolve(query: string, now: number): KnownPeer {
    const offline = new Map<string, KnownPeer>();
    for (const c of this.store().contacts()) offline.set(c.id, { id: c.id, name: c.name });
    for (const p of this.engine.pins.list()) offline.set(p.id, { id: p.id, name: p.name });
    return resolveWithContacts(query, this.engine.knownPeers(now), offline.values());
  }

  history(peer: string, limit: number | undefined, before: string | undefined, now: number): ClientEvent {
    const contact = this.resolve(peer, now);
    return { event: 'history', peer: contact.name, peerId: contact.id, messages: this.store().history(contact.id, limitOf(limit), before) };
  }

  search(text: string, limit: number | undefined): ClientEvent {
    if (!text.trim()) throw new NatterError('BAD_COMMAND', 'search needs some text');
    return { event: 'search', text, results: this.store().search(text, limitOf(limit)) };
  }

  /** Every contact with history or a pinned key, with unread and queued counts; online from the servers' lists. */
  contacts(now: number): ClientEvent {
    const online = new Set(this.engine.knownPeers(now).map((p) => p.id));
    const byId = new Map<string, ContactEntry>();
    for (const c of this.store().contacts()) byId.set(c.id, { ...c, online: online.has(c.id) });
    for (const p of this.engine.pins.list()) {
      if (!byId.has(p.id)) byId.set(p.id, { id: p.id, name: p.name, online: online.has(p.id), unread: 0, queued: 0, lastAt: 0 });
    }
    return { event: 'contacts', contacts: [...byId.values()].sort((a, b) => b.lastAt - a.lastAt || a.name.localeCompare(b.name)) };
  }

  read(peer: string, now: number): void {
    this.store().markRead(this.resolve(peer, now).id);
  }
}
