// The UI's model: peers, conversations and delivery marks, built from ClientEvents alone.
// Plain TypeScript (no blessed), so every behaviour here is unit-tested without a terminal.
// Peers are keyed by id everywhere; names are only labels (they are not unique).
import type { ClientCommand, ClientEvent, NatType, PathKind } from '../core/events.ts';
import { Contacts, type TrustMark } from './contacts.ts';
import { stripUnsafe } from './sanitize.ts';

export type Mark = 'pending' | 'delivered' | 'failed';

export interface ChatLine {
  kind: 'msg' | 'system';
  at: number;
  text: string;
  /** For messages: the sender's name and whether it is us. */
  from?: string;
  self?: boolean;
  mark?: Mark;
  reason?: string;
}

export interface Conversation {
  peerId: string;
  name: string;
  lines: ChatLine[];
  unread: number;
  connected: boolean;
  connecting: boolean;
  via?: PathKind;
  addr?: string;
}

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

export interface Status {
  name: string;
  id: string;
  observed: string;
  nat: NatType;
  servers?: number;
  serversTotal?: number;
  /** A problem with this client itself (PINS_NOT_SAVED), shown until it quits. */
  warning?: string;
}

export const SHORT_ID = 6;
export const shortId = (id: string): string => id.slice(0, SHORT_ID);

export interface ModelOptions {
  now?: () => number;
  /** Lines kept per conversation (the scrollback). */
  maxLines?: number;
}

export class UiModel {
  readonly status: Status;
  readonly conversations = new Map<string, Conversation>();
  /** System lines shown while no conversation is open. */
  readonly home: ChatLine[] = [];
  openId: string | undefined;
  selectedId: string | undefined;
  readonly contacts = new Contacts();
  private online = new Map<string, string>();
  private pendingAddrs: string[] = [];
  private refs = new Map<string, ChatLine>();
  private nextRef = 1;
  private readonly now: () => number;
  private readonly maxLines: number;

  constructor(self: { name: string; id: string }, opts: ModelOptions = {}) {
    this.status = { name: self.name, id: self.id, observed: '', nat: 'unknown' };
    this.now = opts.now ?? Date.now;
    this.maxLines = opts.maxLines ?? 1000;
  }

  apply(ev: ClientEvent): void {
    this.contacts.apply(ev);
    switch (ev.event) {
      case 'ready':
      case 'status':
        Object.assign(this.status, {
          name: clean(ev.name), id: ev.id, observed: clean(ev.observed), nat: ev.nat,
        });
        if (ev.event === 'status') {
          this.status.servers = ev.servers;
          this.status.serversTotal = ev.serversTotal;
        } else {
          this.system(this.home, `you are ${this.status.name} (${shortId(ev.id)}), seen as ${this.status.observed || '?'}, key ${clean(ev.fingerprint)}`);
        }
        break;
      case 'peers':
        this.online = new Map(ev.peers.filter((p) => p.id !== this.status.id).map((p) => [p.id, clean(p.name)]));
        for (const [id, name] of this.online) {
          const conv = this.conversations.get(id);
          if (conv) conv.name = name;
        }
        if (this.selectedId === undefined || !this.entryIds().includes(this.selectedId)) {
          this.selectedId = this.entryIds()[0];
        }
        break;
      case 'connected': {
        const conv = this.conversation(ev.peerId, ev.peer);
        const same = conv.connected && conv.via === ev.via && conv.addr === clean(ev.addr);
        Object.assign(conv, { connected: true, connecting: false, via: ev.via, addr: clean(ev.addr) });
        if (!same) this.system(conv.lines, `connected to ${conv.name} via ${ev.via} ${clean(ev.addr)}`);
        const i = this.pendingAddrs.indexOf(ev.addr);
        if (i >= 0) {
          this.pendingAddrs.splice(i, 1);
          this.open(ev.peerId);
        }
        break;
      }
      case 'connect_failed': {
        const target = ev.peerId ? this.conversation(ev.peerId, ev.peer) : undefined;
        if (target) target.connecting = false;
        this.system(target?.lines ?? this.currentLines(), `connection failed: ${clean(ev.reason)}`);
        break;
      }
      case 'disconnected': {
        const conv = this.conversation(ev.peerId, ev.peer);
        Object.assign(conv, { connected: false, connecting: false });
        this.system(conv.lines, `${conv.name} disconnected: ${clean(ev.reason)}`);
        break;
      }
      case 'message': {
        const conv = this.conversation(ev.fromId, ev.from);
        this.push(conv.lines, { kind: 'msg', at: this.now(), from: conv.name, text: clean(ev.text) });
        // Nothing open yet: show the first message that arrives rather than a count.
        if (this.openId === undefined) this.open(conv.peerId);
        else if (conv.peerId !== this.openId) conv.unread++;
        break;
      }
      case 'delivered':
      case 'failed': {
        const line = typeof ev.ref === 'string' ? this.refs.get(ev.ref) : undefined;
        if (!line) break;
        line.mark = ev.event;
        if (ev.event === 'failed') line.reason = clean(ev.reason);
        if (typeof ev.ref === 'string') this.refs.delete(ev.ref);
        break;
      }
      case 'error':
        this.system(this.currentLines(), `error ${clean(ev.code)}: ${clean(ev.message)}`);
        break;
      case 'warning':
        if (ev.peerId === undefined) {
          this.status.warning = clean(ev.code);
          this.system(this.currentLines(), `warning ${clean(ev.code)}: ${clean(ev.message)}`);
        } else {
          this.system(this.conversation(ev.peerId, ev.peer ?? '').lines, `warning ${clean(ev.code)}: ${clean(ev.message)}`);
        }
        break;
      case 'lookalike': {
        const conv = this.conversation(ev.peerId, ev.peer);
        const text = `careful: ${conv.name} (${shortId(ev.peerId)}) is a new contact whose name looks like your contact ${clean(ev.like)} (${shortId(ev.likeId)}); compare fingerprints (/whois) before trusting`;
        this.system(conv.lines, text);
        if (this.openId !== conv.peerId) this.system(this.currentLines(), text);
        break;
      }
      case 'verified':
        this.system(this.currentLines(), `✔ verified ${clean(ev.peer)} (${shortId(ev.peerId)}), key ${clean(ev.fingerprint)}`);
        break;
      case 'whois': {
        const who = `${clean(ev.peer)} (${clean(ev.peerId)})`;
        const text = !ev.known || ev.fingerprint === undefined
          ? `${who}: no key known yet (connect first)`
          : `${who}: key ${clean(ev.fingerprint)}, ${ev.verified ? '✔ verified' : '• known, not verified: compare it out of band, then /verify'}`;
        this.system(this.currentLines(), text);
        break;
      }
    }
  }

  /** The list, sorted by label; online peers plus anyone we have a conversation with. */
  entries(): PeerEntry[] {
    const names = new Map<string, string>();
    for (const [id, conv] of this.conversations) names.set(id, conv.name);
    for (const [id, name] of this.online) names.set(id, name);
    // Names that are equal or merely look alike (TS #39 skeleton) are told apart by short id, all of them.
    const count = new Map<string, number>();
    for (const name of names.values()) count.set(this.contacts.skeleton(name), (count.get(this.contacts.skeleton(name)) ?? 0) + 1);
    const out = [...names].map(([id, name]): PeerEntry => {
      const conv = this.conversations.get(id);
      const lookalike = this.contacts.lookalikeOf(id);
      return {
        id,
        label: (count.get(this.contacts.skeleton(name)) ?? 0) > 1 || name === '' || lookalike ? `${name} (${shortId(id)})`.trim() : name,
        trust: this.contacts.mark(id),
        ...(lookalike ? { lookalike } : {}),
        online: this.online.has(id),
        connected: conv?.connected ?? false,
        unread: conv?.unread ?? 0,
        selected: id === this.selectedId,
        open: id === this.openId,
      };
    });
    return out.sort((a, b) => a.label.localeCompare(b.label) || a.id.localeCompare(b.id));
  }

  /**
   * The peer a command typed with a name means, as an id. When several peers have that name,
   * or names that look like it, nothing is guessed: a note lists them and asks for the id.
   * Anything else (an id, an id prefix, an unknown name) goes to the client as typed.
   */
  resolveForCommand(arg: string, command: string): string | undefined {
    const skeleton = this.contacts.skeleton(arg);
    const alike = this.entries().filter((e) => e.id !== this.status.id && this.contacts.skeleton(this.nameOf(e.id)) === skeleton);
    if (alike.length === 0) return arg;
    if (alike.length === 1) return alike[0] && this.nameOf(alike[0].id) === arg ? alike[0].id : arg; // only look-alike: never substituted
    this.note(`${alike.length} peers are named like "${clean(arg)}": ${alike.map((e) => e.label).join(', ')}; type ${command} ID`);
    return undefined;
  }

  moveSelection(delta: number): void {
    const ids = this.entryIds();
    if (ids.length === 0) return;
    const at = this.selectedId === undefined ? -1 : ids.indexOf(this.selectedId);
    const next = Math.min(ids.length - 1, Math.max(0, at < 0 ? 0 : at + delta));
    this.selectedId = ids[next];
  }

  /** Opens the selected peer's conversation; returns the connect command if one is needed. */
  openSelected(): ClientCommand | undefined {
    const id = this.selectedId;
    if (id === undefined) return undefined;
    const conv = this.open(id);
    if (conv.connected || conv.connecting) return undefined;
    conv.connecting = true;
    this.system(conv.lines, `connecting to ${conv.name}…`);
    return { cmd: 'connect', peer: id };
  }

  open(id: string): Conversation {
    const conv = this.conversation(id, this.online.get(id) ?? this.conversations.get(id)?.name ?? '');
    this.openId = id;
    this.selectedId = id;
    conv.unread = 0;
    return conv;
  }

  /** Our own message, shown pending; the returned ref comes back in delivered/failed. */
  addOwnMessage(peerId: string, text: string): string {
    const ref = `ui-${this.nextRef++}`;
    const conv = this.conversation(peerId, '');
    const line: ChatLine = { kind: 'msg', at: this.now(), from: this.status.name, self: true, text, mark: 'pending' };
    this.push(conv.lines, line);
    this.refs.set(ref, line);
    return ref;
  }

  expectAddr(addr: string): void {
    this.pendingAddrs.push(addr);
  }

  openConversation(): Conversation | undefined {
    return this.openId === undefined ? undefined : this.conversations.get(this.openId);
  }

  currentLines(): ChatLine[] {
    return this.openConversation()?.lines ?? this.home;
  }

  /** A line of our own (help, hints) in the pane the user is looking at. */
  note(text: string): void {
    this.system(this.currentLines(), text);
  }

  /** The conversation's title: its label in the list, or the home pane's. */
  title(): string {
    const conv = this.openConversation();
    if (!conv) return 'natter';
    const label = this.entries().find((e) => e.id === conv.peerId)?.label ?? conv.name;
    const state = conv.connected ? `${conv.via ?? ''} ${conv.addr ?? ''}`.trim() : conv.connecting ? 'connecting…' : 'not connected';
    return `${label} · ${state}`;
  }

  private nameOf(id: string): string {
    return this.online.get(id) ?? this.conversations.get(id)?.name ?? '';
  }

  private entryIds(): string[] {
    return this.entries().map((e) => e.id);
  }

  private conversation(id: string, name: string): Conversation {
    let conv = this.conversations.get(id);
    if (!conv) {
      conv = { peerId: id, name: clean(name) || this.online.get(id) || '', lines: [], unread: 0, connected: false, connecting: false };
      this.conversations.set(id, conv);
      if (this.selectedId === undefined) this.selectedId = id;
    } else if (name) {
      conv.name = clean(name);
    }
    return conv;
  }

  private system(lines: ChatLine[], text: string): void {
    this.push(lines, { kind: 'system', at: this.now(), text });
  }

  private push(lines: ChatLine[], line: ChatLine): void {
    lines.push(line);
    if (lines.length > this.maxLines) lines.splice(0, lines.length - this.maxLines);
  }
}

function clean(text: string): string {
  return stripUnsafe(String(text));
}
