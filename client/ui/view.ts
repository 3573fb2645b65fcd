// Turns the model into lines of blessed-tagged text that fit their pane exactly. We wrap and
// pad by display width ourselves (width.ts) and hand blessed lines it never has to wrap:
// blessed's own wrapping miscounts astral characters. Untrusted text is escaped here, after
// measuring, so `{open}` never counts as five columns.
import type { ChatLine, PeerEntry, Status, UiModel } from './model.ts';
import { shortId } from './model.ts';
import { TRUST_MARKS } from './contacts.ts';
import { escapeTags } from './sanitize.ts';
import { padToWidth, strWidth, truncate, wrapToWidth } from './width.ts';

const MARKS = { pending: '…', queued: '…', delivered: '✓', failed: '✗' } as const;

export function hhmm(at: number): string {
  const d = new Date(at);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

export function renderPeerList(entries: PeerEntry[], width: number, focused: boolean): string[] {
  if (entries.length === 0) return [truncate('No other users online', width)].map(escapeTags);
  return entries.map((e) => {
    const mark = `${e.connected ? '●' : '○'} ${TRUST_MARKS[e.lookalike ? 'lookalike' : e.trust]}`;
    const unread = e.unread > 0 ? ` (${e.unread})` : '';
    const name = truncate(e.label, Math.max(1, width - 4 - strWidth(unread)));
    const body = escapeTags(padToWidth(`${mark} ${name}${unread}`, width));
    const dim = e.online || e.connected ? body : `{gray-fg}${body}{/gray-fg}`;
    if (!e.selected) return e.open ? `{bold}${dim}{/bold}` : dim;
    return focused ? `{inverse}${body}{/inverse}` : `{underline}${body}{/underline}`;
  });
}

/** One chat line as display lines of at most `width` columns (tagged, escaped). */
export function renderLine(line: ChatLine, width: number): string[] {
  const time = hhmm(line.at);
  if (line.kind === 'system') {
    return wrapToWidth(`${time} * ${line.text}`, width).map((l) => `{cyan-fg}${escapeTags(l)}{/cyan-fg}`);
  }
  const mark = line.mark ? ` ${MARKS[line.mark]}${line.reason ? ` (${line.reason})` : ''}` : '';
  const head = `${time} ${line.from ?? ''}: `;
  const parts = wrapToWidth(`${head}${line.text}${mark}`, width);
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

export function renderStatus(status: Status, width: number): string {
  const servers = status.serversTotal !== undefined ? `servers ${status.servers ?? 0}/${status.serversTotal}` : 'servers ?';
  const warning = status.warning ? ` · ${status.warning}` : '';
  const text = ` ${status.name} (${shortId(status.id)}) · ${status.observed || 'public address ?'} · NAT: ${status.nat} · ${servers}${warning}`;
  return escapeTags(padToWidth(text, width));
}

export function renderTitle(model: UiModel, width: number, scrolled: boolean): string {
  const title = ` ${model.title()}${scrolled ? ' · scrolled (PageDown)' : ''} `;
  return escapeTags(truncate(title, width));
}
