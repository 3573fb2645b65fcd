// The peer list's entries: who is shown, with which label, marks and unread count, in which
// order (conversations with unread messages first, then open conversations, then by last
// activity, then by label; offline contacts last), and which of them fit on screen.
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
  /** The conversation has a window (it was opened, or a message came). */
  opened?: (id: string) => boolean;
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
  const unread = (e: PeerEntry): number => (e.unread > 0 ? 0 : 1);
  const opened = (e: PeerEntry): number => (state.opened?.(e.id) ? 0 : 1);
  const last = (e: PeerEntry): number => state.conversations.get(e.id)?.lastAt ?? 0;
  return out.sort((a, b) => reachable(a) - reachable(b) || unread(a) - unread(b) || opened(a) - opened(b)
    || last(b) - last(a) || a.label.localeCompare(b.label) || a.id.localeCompare(b.id));
}

export interface ListWindow {
  /** The first entry shown. */
  top: number;
  /** Entries shown. */
  rows: number;
  /** Entries hidden above and below (each shown as one "more" row). */
  above: number;
  below: number;
}

/**
 * Which of `count` entries fit in `height` rows with `selected` among them. Starting from last
 * frame's `top`, the list moves only as far as the selection needs; a row at the top and at the
 * bottom says how many more there are, when there are.
 */
export function listWindow(count: number, selected: number, height: number, top: number): ListWindow {
  const h = Math.max(1, height);
  if (count <= h) return { top: 0, rows: count, above: 0, below: 0 };
  let t = Math.min(Math.max(0, top), count - 1);
  const rowsAt = (at: number): number => Math.max(1, h - (at > 0 ? 1 : 0) - (at + h - (at > 0 ? 1 : 0) < count ? 1 : 0));
  // Never leave empty rows at the bottom: the last entries fill the list.
  const lastTop = count - (h - 1);
  for (let i = 0; i < 4; i++) {
    t = Math.min(t, lastTop);
    const rows = rowsAt(t);
    if (selected >= 0 && selected < t) t = selected;
    else if (selected >= t + rows) t = selected - rows + 1;
    else break;
  }
  t = Math.max(0, Math.min(t, lastTop));
  const rows = Math.min(rowsAt(t), count - t);
  return { top: t, rows, above: t, below: count - t - rows };
}
