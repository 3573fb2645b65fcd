// The peer list's entries: who is shown, with which label, marks and unread count, in which
// order (online peers first, then contacts with history, which are offline; by label within).
import type { Contacts, TrustMark } from './contacts.ts';
import type { Conversation } from './types.ts';

export const SHORT_ID = 6;
export const shortId = (id: string): string => id.slice(0, SHORT_ID);

export interface PeerEntry {
  id: string;
  label: string;
  online: boolean;
  connected: boolean;
  unread: number;
  selected: boolean;
  open: boolean;
  trust: TrustMark;
  /** Its name looks like this contact's (an id): shown with a warning mark. */
  lookalike?: string;
}

export interface ListState {
  contacts: Contacts;
  online: ReadonlyMap<string, string>;
  conversations: ReadonlyMap<string, Conversation>;
  selectedId: string | undefined;
  openId: string | undefined;
}

/** `names`: id → name of everyone to list. */
export function listEntries(names: ReadonlyMap<string, string>, state: ListState): PeerEntry[] {
  const { contacts } = state;
  // Names that are equal or merely look alike (TS #39 skeleton) are told apart by short id, all of them.
  const count = new Map<string, number>();
  for (const name of names.values()) count.set(contacts.skeleton(name), (count.get(contacts.skeleton(name)) ?? 0) + 1);
  const out = [...names].map(([id, name]): PeerEntry => {
    const conv = state.conversations.get(id);
    const lookalike = contacts.lookalikeOf(id);
    return {
      id,
      label: (count.get(contacts.skeleton(name)) ?? 0) > 1 || name === '' || lookalike ? `${name} (${shortId(id)})`.trim() : name,
      trust: contacts.mark(id),
      ...(lookalike ? { lookalike } : {}),
      online: state.online.has(id),
      connected: conv?.connected ?? false,
      unread: conv?.unread ?? 0,
      selected: id === state.selectedId,
      open: id === state.openId,
    };
  });
  const reachable = (e: PeerEntry): number => (e.online || e.connected ? 0 : 1);
  return out.sort((a, b) => reachable(a) - reachable(b) || a.label.localeCompare(b.label) || a.id.localeCompare(b.id));
}
