// The UI's model: peers, conversations and delivery marks, built from ClientEvents alone.
// Plain TypeScript (no blessed), so every behaviour here is unit-tested without a terminal.
// Peers are keyed by id everywhere; names are only labels (they are not unique). What the
// model wants from the client (history pages, read marks) waits in takeCommands().
import type { ClientCommand, ClientEvent, ContactEntry } from '../core/events.ts';
import { Contacts, trustNote } from './contacts.ts';
import { HistoryPages } from './history-pages.ts';
import { listEntries, shortId, type PeerEntry } from './peer-list.ts';
import { QueuedCount } from './queued-count.ts';
import { stripUnsafe, stripUnsafeLines } from './sanitize.ts';
import { applyStatus, type Status } from './status.ts';
import { SearchJump } from './search-jump.ts';
import { SearchList, type SearchHit } from './search.ts';
import type { ChatLine, Conversation } from './types.ts';
import { applyLater, type LaterEvent } from './later-events.ts';
import { HOME, joinsAndLeaves, Windows } from './windows.ts';

export type { ChatLine, Conversation, Mark } from './types.ts';
export type { PeerEntry } from './peer-list.ts';

export type { Status } from './status.ts';

export { SHORT_ID, shortId } from './peer-list.ts';

export interface ModelOptions {
  now?: () => number;
  /** Lines kept per conversation at the bottom; scrolled back, older pages load beyond it. */
  maxLines?: number;
  /** Messages per `history` page. */
  pageSize?: number;
}

export class UiModel {
  readonly status: Status;
  readonly conversations = new Map<string, Conversation>();
  /** The home buffer (window 1): welcome, errors, help; shown while no conversation is open. */
  readonly home: ChatLine[] = [];
  /** Lines arrived on home while a conversation was in view. */
  homeActivity = false;
  /** The conversation in view; undefined: the home buffer. */
  openId: string | undefined;
  readonly windows = new Windows();
  /** A message arrived in a conversation not in view since the app last rang the bell. */
  private bell = false;
  selectedId: string | undefined;
  readonly contacts = new Contacts();
  readonly search = new SearchList();
  readonly pages: HistoryPages;
  /** The open conversation is scrolled back (the app says so each frame): it is not trimmed. */
  scrolledBack = false;
  /** Online peers, id → name (later-events.ts renames them). */
  readonly online = new Map<string, string>();
  readonly pendingAddrs: string[] = [];
  private nextRef = 1;
  /** Refs are stored with messages and come back after restarts: a per-run prefix keeps them apart. */
  private readonly refPrefix: string;
  private readonly now: () => number;
  private readonly maxLines: number;
  private readonly outbox: ClientCommand[] = [];
  private readonly toRead = new Set<string>();
  /** Our messages not yet on their recipients' disks (said on /quit). */
  readonly queued = new QueuedCount();
  /** The person moved the selection: updates of the list no longer move it for them. */
  private chose = false;
  private readonly offlineNoted = new Set<string>();
  /** A search result being gone to: its conversation loads pages until the message is there. */
  private readonly jump: SearchJump;

  constructor(self: { name: string; id: string }, opts: ModelOptions = {}) {
    this.status = { name: self.name, id: self.id, observed: '', nat: 'unknown' };
    this.now = opts.now ?? Date.now;
    this.maxLines = opts.maxLines ?? 1000;
    this.refPrefix = `ui-${this.now().toString(36)}-`;
    this.pages = new HistoryPages(() => this.status, clean, this.now, opts.pageSize);
    this.jump = new SearchJump(this.pages);
  }

  apply(ev: ClientEvent): void {
    this.contacts.apply(ev);
    this.queued.apply(ev);
    switch (ev.event) {
      case 'ready':
      case 'status':
        applyStatus(this.status, ev, clean);
        if (ev.event === 'ready') {
          this.system(this.home, `you are ${this.status.name} (${shortId(ev.id)}), seen as ${this.status.observed || '?'}, key ${clean(ev.fingerprint)}`);
        }
        break;
      case 'peers':
      {
        const before = new Set(this.online.keys());
        this.online.clear();
        for (const p of ev.peers) if (p.id !== this.status.id) this.online.set(p.id, clean(p.name));
        for (const [conv, text] of joinsAndLeaves(this.windows, this.conversations, before, this.online)) this.system(conv.lines, text);
      }
        for (const [id, name] of this.online) {
          const conv = this.conversations.get(id);
          if (conv) conv.name = name;
        }
        this.defaultSelection();
        break;
      case 'contacts':
        this.takeContacts(ev.contacts);
        break;
      case 'history': {
        const conv = this.conversation(ev.peerId, ev.peer);
        this.pages.take(conv, ev.messages);
        this.followJump(conv);
        break;
      }
      case 'search':
        this.search.show(ev.text, ev.results.map((r) => (r.fromId === this.status.id ? { ...r, from: this.status.name } : r)), clean);
        if (ev.results.length === 0) this.note(`nothing found for "${clean(ev.text)}"`);
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
        if (target) this.system(target.lines, `connection failed: ${clean(ev.reason)}`);
        else this.homeNote(`connection failed: ${clean(ev.reason)}`);
        break;
      }
      case 'disconnected': {
        const conv = this.conversation(ev.peerId, ev.peer);
        Object.assign(conv, { connected: false, connecting: false });
        this.system(conv.lines, `${conv.name} disconnected: ${clean(ev.reason)}`);
        break;
      }
      case 'message': {
        if (ev.msgId && this.pages.line(ev.msgId)) break; // a history page showed it already
        const conv = this.conversation(ev.fromId, ev.from);
        const line: ChatLine = { kind: 'msg', at: this.now(), from: conv.name, text: stripUnsafeLines(String(ev.text)) };
        this.push(conv.lines, line);
        conv.lastAt = line.at;
        this.windows.add(conv.peerId); // as irssi opens a query window: Alt-N and the activity list reach it
        if (ev.msgId) this.pages.name(line, ev.msgId);
        // Never switch the view under the person's cursor (their draft belongs where they typed it).
        if (conv.peerId !== this.openId) {
          conv.unread++;
          this.bell = true;
        } else {
          this.toRead.add(conv.peerId); // in view: read (the history counted it unread)
        }
        break;
      }
      case 'queued':
        this.pages.queued(ev.ref, ev.msgId);
        break;
      case 'delivered':
      case 'failed':
        this.pages.settled(ev.ref, ev.msgId, ev.event, ev.event === 'failed' ? clean(ev.reason) : undefined);
        break;
      case 'error':
        this.homeNote(`error ${clean(ev.code)}: ${clean(ev.message)}`);
        break;
      case 'warning':
        if (ev.peerId === undefined) {
          this.status.warning = clean(ev.code);
          this.homeNote(`warning ${clean(ev.code)}: ${clean(ev.message)}`);
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
      case 'whois':
        this.system(this.currentLines(), trustNote(ev, clean));
        break;
      default:
        applyLater(ev as unknown as LaterEvent, this, clean);
    }
    // The order changes with connections and messages too: an untouched selection follows the first entry.
    if (!this.chose) this.defaultSelection();
  }

  /** The list: online peers, then contacts with history (offline, dimmed); by label within each. */
  entries(): PeerEntry[] {
    const names = new Map<string, string>();
    for (const [id, conv] of this.conversations) names.set(id, conv.name);
    for (const [id, name] of this.online) names.set(id, name);
    return listEntries(names, {
      contacts: this.contacts, online: this.online, conversations: this.conversations, selectedId: this.selectedId, openId: this.openId,
      opened: (id) => this.windows.number(id) !== undefined,
    });
  }

  moveSelection(delta: number): void {
    const ids = this.entryIds();
    if (ids.length === 0) return;
    const at = this.selectedId === undefined ? -1 : ids.indexOf(this.selectedId);
    const next = Math.min(ids.length - 1, Math.max(0, at < 0 ? 0 : at + delta));
    this.selectedId = ids[next];
    this.chose = true;
  }

  /** Opens the selected peer's conversation; returns the connect command if one is needed. */
  openSelected(): ClientCommand | undefined {
    return this.selectedId === undefined ? undefined : this.enter(this.selectedId);
  }

  /** Opens a conversation as a person does: connects to an online peer; an offline one's messages queue. */
  enter(id: string): ClientCommand | undefined {
    const conv = this.open(id);
    if (conv.connected || conv.connecting) return undefined;
    if (!this.online.has(id)) {
      if (!this.offlineNoted.has(id)) this.system(conv.lines, `${conv.name || shortId(id)} is offline: what you write waits in the outbox and goes when they are back`);
      this.offlineNoted.add(id);
      return undefined;
    }
    conv.connecting = true;
    this.system(conv.lines, `connecting to ${conv.name}…`);
    return { cmd: 'connect', peer: id };
  }

  /** Shows a conversation; its newest page is asked for the first time, and it is marked read. */
  open(id: string): Conversation {
    const conv = this.conversation(id, this.online.get(id) ?? this.conversations.get(id)?.name ?? '');
    this.jump.leave(id);
    this.windows.add(id);
    this.openId = id;
    this.selectedId = id;
    this.chose = true;
    if (conv.unread > 0) this.toRead.add(id);
    conv.unread = 0;
    const page = this.pages.newest(conv);
    if (page) this.outbox.push(page);
    return conv;
  }

  /** Near the top of what is loaded: the next older page of the open conversation, asked ahead of time. */
  loadOlder(): void {
    const conv = this.openConversation();
    const page = conv && this.pages.older(conv);
    if (page) this.outbox.push(page);
  }

  /** Back at the bottom: far pages of the open conversation are dropped (they load again on PageUp). */
  trimOpen(): void {
    const conv = this.openConversation();
    // A search jump loads pages back to its message: trimming them would ask for them again.
    if (conv && !this.jump.busy()) this.pages.trim(conv, this.maxLines);
  }

  /** Enter on a search result: its conversation, loaded back until the message is there. */
  goTo(hit: SearchHit): ClientCommand | undefined {
    this.search.close();
    const connect = this.enter(hit.peerId);
    this.jump.start(hit.peerId, hit.msgId);
    const conv = this.conversations.get(hit.peerId);
    if (conv) this.followJump(conv);
    return connect;
  }

  /** The line a search jump reached, once: the app scrolls it into view. */
  takeJumpLine(): ChatLine | undefined {
    return this.jump.take();
  }

  /** What the model asks of the client: history pages, then read marks (one per conversation). */
  takeCommands(): ClientCommand[] {
    for (const peer of this.toRead) this.outbox.push({ cmd: 'read', peer });
    this.toRead.clear();
    return this.outbox.splice(0);
  }

  /** Our own message, shown pending; the returned ref comes back in queued/delivered/failed. */
  addOwnMessage(peerId: string, text: string): string {
    const ref = `${this.refPrefix}${this.nextRef++}`;
    const conv = this.conversation(peerId, '');
    const line: ChatLine = { kind: 'msg', at: this.now(), from: this.status.name, self: true, text, mark: 'pending' };
    this.push(conv.lines, line);
    this.pages.sent(line, ref);
    conv.lastAt = line.at;
    return ref;
  }

  /** A line for the home buffer (errors, help); marked as activity when home is not in view. */
  homeNote(text: string): void {
    this.system(this.home, text);
    if (this.openId !== undefined) this.homeActivity = true;
  }

  /** Shows a buffer by key (HOME or a peer id) without connecting: Alt-N, Ctrl-N/P. */
  show(key: string): void {
    if (key === HOME) {
      this.openId = undefined;
      this.homeActivity = false;
    } else {
      this.open(key);
    }
  }

  /** Whether a message arrived out of view since the last call (the app rings the bell once). */
  takeBell(): boolean {
    const bell = this.bell;
    this.bell = false;
    return bell;
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

  nameOf(id: string): string {
    return this.online.get(id) ?? this.conversations.get(id)?.name ?? '';
  }

  private entryIds(): string[] {
    return this.entries().map((e) => e.id);
  }

  /** Until the person chooses, the selection is the list's first entry (an online peer first). */
  private defaultSelection(): void {
    if (!this.chose || this.selectedId === undefined || !this.entryIds().includes(this.selectedId)) {
      this.selectedId = this.entryIds()[0];
    }
  }

  /** Contacts with history: in the list (online or not), with the unread counts the history keeps. */
  private takeContacts(contacts: readonly ContactEntry[]): void {
    this.queued.fromContacts(contacts);
    for (const c of contacts) {
      if (c.id === this.status.id) continue;
      const conv = this.conversation(c.id, c.name);
      if (c.id !== this.openId) conv.unread = Math.max(0, c.unread);
      else if (c.unread > 0) this.toRead.add(c.id);
    }
    this.defaultSelection();
  }

  /** A search jump in this conversation: there, the next older page asked for, or not in the history. */
  private followJump(conv: Conversation): void {
    const step = this.jump.follow(conv);
    if (step.kind === 'missing') this.system(conv.lines, 'that message is no longer in the history');
    else if (step.kind === 'page' && step.command) this.outbox.push(step.command);
  }

  private conversation(id: string, name: string): Conversation {
    let conv = this.conversations.get(id);
    if (!conv) {
      conv = {
        peerId: id, name: clean(name) || this.online.get(id) || '', lines: [], unread: 0, connected: false, connecting: false,
        paging: { started: false, complete: false },
      };
      this.conversations.set(id, conv);
      if (this.selectedId === undefined) this.selectedId = id;
    } else if (name) {
      conv.name = clean(name);
    }
    return conv;
  }

  system(lines: ChatLine[], text: string): void {
    this.push(lines, { kind: 'system', at: this.now(), text });
  }

  /** Bounded: home and background conversations keep their newest lines; the open one scrolled back keeps all. */
  private push(lines: ChatLine[], line: ChatLine): void {
    lines.push(line);
    if (lines.length <= this.maxLines) return;
    const conv = [...this.conversations.values()].find((c) => c.lines === lines);
    if (!conv) lines.splice(0, lines.length - this.maxLines);
    else if (!(conv.peerId === this.openId && this.scrolledBack)) this.pages.trim(conv, this.maxLines);
  }
}

function clean(text: string): string {
  return stripUnsafe(String(text));
}
