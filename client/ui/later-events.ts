// Events the client gains in issue 15, which the UI renders: a peer's rename (said in its
// conversation), the resolved address of a `/connect` (matched to what was typed), and the
// servers' reachability. Read field by field: the UI never trusts an event's shape.
import type { ChatLine, Conversation } from './types.ts';

/** An event not (yet) in ClientEvent: every field is checked before use. */
export interface LaterEvent { event: string; [field: string]: unknown }

/** What these events change in the model. */
export interface LaterTarget {
  readonly conversations: ReadonlyMap<string, Conversation>;
  readonly online: Map<string, string>;
  /** `/connect` targets typed and resolved, until their `connected` arrives. */
  readonly pendingAddrs: string[];
  system(lines: ChatLine[], text: string): void;
  note(text: string): void;
}

export function applyLater(ev: LaterEvent, target: LaterTarget, clean: (text: string) => string): void {
  if (ev.event === 'renamed' && typeof ev.peerId === 'string' && typeof ev.peer === 'string') {
    const conv = target.conversations.get(ev.peerId);
    const name = clean(ev.peer);
    if (target.online.has(ev.peerId)) target.online.set(ev.peerId, name);
    if (conv) {
      const previous = typeof ev.previous === 'string' ? clean(ev.previous) : conv.name;
      if (previous !== name) target.system(conv.lines, `${previous} is now ${name}`);
      conv.name = name;
    }
  } else if (ev.event === 'connecting' && typeof ev.addr === 'string') {
    // The client resolved what was typed (`localhost:PORT`): its `connected` names the resolved address.
    const query = typeof ev.query === 'string' ? ev.query : ev.addr;
    if (target.pendingAddrs.includes(query) && !target.pendingAddrs.includes(ev.addr)) target.pendingAddrs.push(ev.addr);
    target.note(query === ev.addr ? `connecting to ${clean(ev.addr)}…` : `connecting to ${clean(query)} (${clean(ev.addr)})…`);
  }
}
