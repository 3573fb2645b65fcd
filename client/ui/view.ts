// Turns the model into lines of blessed-tagged text that fit their pane exactly. We wrap and
// pad by display width ourselves (width.ts) and hand blessed lines it never has to wrap:
// blessed's own wrapping miscounts astral characters. Untrusted text is escaped here, after
// measuring, so `{open}` never counts as five columns.
import type { ChatLine, PeerEntry, Status, UiModel } from './model.ts';
import { shortId } from './model.ts';
import { TRUST_MARKS } from './contacts.ts';
import { listWindow } from './peer-list.ts';
import { escapeTags } from './sanitize.ts';
import { padToWidth, strWidth, truncate, wrapHanging } from './width.ts';
import type { Activity } from './windows.ts';

const MARKS = { pending: '…', queued: '…', delivered: '✓', failed: '✗' } as const;

export function hhmm(at: number): string {
  const d = new Date(at);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

export interface ListView {
  /** Rows available; more entries than this scroll, with "more above/below" rows. */
  height?: number;
  /** The first entry shown last frame (kept so the list moves only as far as the selection needs). */
  top?: number;
  status?: Status;
}

export function renderPeerList(entries: PeerEntry[], width: number, focused: boolean, view: ListView = {}): string[] {
  if (entries.length === 0) {
    const empty = view.status?.unreachable ? 'servers unreachable' : 'No other users online';
    return [truncate(empty, width)].map(escapeTags);
  }
  const selected = entries.findIndex((e) => e.selected);
  const win = listWindow(entries.length, selected, view.height ?? entries.length, view.top ?? 0);
  view.top = win.top;
  const rows = entries.slice(win.top, win.top + win.rows).map((e) => peerRow(e, width, focused));
  const more = (arrow: string, n: number): string => `{gray-fg}${escapeTags(padToWidth(`${arrow} ${n} more`, width))}{/gray-fg}`;
  return [...(win.above > 0 ? [more('↑', win.above)] : []), ...rows, ...(win.below > 0 ? [more('↓', win.below)] : [])];
}

function peerRow(e: PeerEntry, width: number, focused: boolean): string {
  const mark = `${e.connected ? '●' : '○'} ${TRUST_MARKS[e.lookalike ? 'lookalike' : e.trust]}`;
  const unread = e.unread > 0 ? ` (${e.unread})` : '';
  const name = truncate(e.label, Math.max(1, width - 4 - strWidth(unread)));
  const body = escapeTags(padToWidth(`${mark} ${name}${unread}`, width));
  if (e.selected) return focused ? `{inverse}${body}{/inverse}` : `{underline}${body}{/underline}`;
  // Offline: gray; unread: bold (and yellow when online, as irssi's activity colour); open: bold.
  if (!(e.online || e.connected)) return e.unread > 0 ? `{gray-fg}{bold}${body}{/bold}{/gray-fg}` : `{gray-fg}${body}{/gray-fg}`;
  if (e.unread > 0) return `{bold}{yellow-fg}${body}{/yellow-fg}{/bold}`;
  return e.open ? `{bold}${body}{/bold}` : body;
}

/** One chat line as display lines of at most `width` columns (tagged, escaped); its own lines break too. */
export function renderLine(line: ChatLine, width: number): string[] {
  const time = hhmm(line.at);
  const [first = '', ...more] = line.text.split('\n');
  if (line.kind === 'system') {
    const rows = wrapLines(`${time} * `, first, more, '', width);
    return rows.map((l) => `{cyan-fg}${escapeTags(l)}{/cyan-fg}`);
  }
  const mark = line.mark ? ` ${MARKS[line.mark]}${line.reason ? ` (${line.reason})` : ''}` : '';
  const head = `${time} ${line.from ?? ''}: `;
  const parts = wrapLines(head, first, more, mark, width);
  return parts.map((p, i) => {
    let text = escapeTags(p);
    if (i === 0 && p.startsWith(head)) {
      const who = escapeTags(head.slice(time.length + 1));
      text = `${time} ${line.self ? `{green-fg}${who}{/green-fg}` : `{yellow-fg}${who}{/yellow-fg}`}${escapeTags(p.slice(head.length))}`;
    }
    if (i === parts.length - 1 && line.mark === 'failed') {
      const at = text.lastIndexOf('✗');
      if (at >= 0) text = `${text.slice(0, at)}{red-fg}✗{/red-fg}${text.slice(at + 1)}`;
    }
    return text;
  });
}

/** `head` + the first line, then the message's other lines, all under a hanging indent as wide as `head`. */
function wrapLines(head: string, first: string, more: string[], tail: string, width: number): string[] {
  const headWidth = strWidth(head);
  // A head wider than half the pane would leave a sliver for the text: indent a little instead.
  const indent = headWidth <= width / 2 ? headWidth : Math.min(2, Math.max(0, width - 1));
  const pad = ' '.repeat(indent);
  const last = more.length;
  const paragraphs = [head + first, ...more.map((m) => pad + m)];
  return paragraphs.flatMap((p, i) => wrapHanging(i === last ? p + tail : p, width, indent));
}

const cache = new WeakMap<ChatLine, { width: number; mark?: string; reason?: string; rows: string[] }>();

/** renderLine, remembered per line until its width or mark changes (scrollback is re-rendered every frame). */
export function renderLineCached(line: ChatLine, width: number): string[] {
  const hit = cache.get(line);
  if (hit && hit.width === width && hit.mark === line.mark && hit.reason === line.reason) return hit.rows;
  const rows = renderLine(line, width);
  cache.set(line, { width, rows, ...(line.mark ? { mark: line.mark } : {}), ...(line.reason ? { reason: line.reason } : {}) });
  return rows;
}

/** The `height` display lines ending `scroll` lines above the bottom; returns the clamped scroll. */
export function renderConversation(lines: ChatLine[], width: number, height: number, scroll: number): { lines: string[]; scroll: number } {
  const all = lines.flatMap((l) => renderLine(l, width));
  const maxScroll = Math.max(0, all.length - height);
  const s = Math.min(Math.max(0, scroll), maxScroll);
  const end = all.length - s;
  return { lines: all.slice(Math.max(0, end - height), end), scroll: s };
}

/** `[2:bob(3) 4:carol]`: buffers with something new, by number (0: a contact never opened). */
export function activityText(activity: readonly Activity[]): string {
  if (activity.length === 0) return '';
  return `[${activity.map((a) => `${a.n > 0 ? `${a.n}:` : ''}${a.name}${a.unread > 0 ? `(${a.unread})` : ''}`).join(' ')}]`;
}

export function renderStatus(status: Status, width: number, activity: readonly Activity[] = [], current = 1): string {
  const servers = status.unreachable ? 'servers unreachable'
    : status.serversTotal !== undefined ? `servers ${status.servers ?? 0}/${status.serversTotal}` : 'servers ?';
  const warning = status.warning ? ` · ${status.warning}` : '';
  const act = activityText(activity);
  const text = ` ${status.name} (${shortId(status.id)}) · ${status.observed || 'public address ?'} · NAT: ${status.nat} · ${servers}${warning} · [${current}]${act ? ` ${act}` : ''}`;
  // The activity list is what a person looks for at a glance: bold where it fits.
  const padded = escapeTags(padToWidth(text, width));
  const shown = escapeTags(act);
  const at = act ? padded.lastIndexOf(shown) : -1;
  return at < 0 ? padded : `${padded.slice(0, at)}{bold}${shown}{/bold}${padded.slice(at + shown.length)}`;
}

/** The conversation's title: its label in the list and how it is reached; or the home buffer's. */
export function titleOf(model: UiModel): string {
  const conv = model.openConversation();
  if (!conv) return 'natter · home (Alt-1)';
  const label = model.entries().find((e) => e.id === conv.peerId)?.label ?? conv.name;
  const state = conv.connected ? `${conv.via ?? ''} ${conv.addr ?? ''}`.trim()
    : conv.connecting ? 'connecting…'
      : model.online.has(conv.peerId) ? 'not connected' : 'offline: messages wait in the outbox';
  return `${label} · ${state}`;
}

export function renderTitle(model: UiModel, width: number, scrolled: boolean, more = 0): string {
  const title = ` ${titleOf(model)}${more > 0 ? ` · -MORE(${more})-` : ''}${scrolled ? ' · scrolled (PageDown)' : ''} `;
  return escapeTags(truncate(title, width));
}
