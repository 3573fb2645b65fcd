// `/search TEXT`: the answer as a list to choose from (Up/Down, Enter jumps, Esc closes).
// Results are peer text: stored stripped, rendered escaped, like every chat line.
import type { SearchResult } from '../core/events.ts';
import { escapeTags } from './sanitize.ts';
import { padToWidth, truncate } from './width.ts';

export interface SearchHit {
  peer: string;
  peerId: string;
  msgId: string;
  from: string;
  text: string;
  sentAt: number;
}

export class SearchList {
  text = '';
  hits: SearchHit[] = [];
  selected = 0;
  open = false;

  show(text: string, results: readonly SearchResult[], clean: (s: string) => string): void {
    this.text = clean(text);
    this.hits = results.map((r) => ({
      peer: clean(r.peer), peerId: r.peerId, msgId: r.msgId, from: clean(r.from), text: clean(r.text), sentAt: r.sentAt,
    }));
    this.selected = 0;
    this.open = this.hits.length > 0;
  }

  move(delta: number): void {
    this.selected = Math.min(this.hits.length - 1, Math.max(0, this.selected + delta));
  }

  current(): SearchHit | undefined {
    return this.hits[this.selected];
  }

  close(): void {
    this.open = false;
  }
}

/** `YYYY-MM-DD HH:MM` in local time. */
export function dateTime(at: number): string {
  const d = new Date(at);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** The list's rows (tagged, escaped), the selected one inverse, scrolled so it is visible. */
export function renderSearch(list: SearchList, width: number, height: number): string[] {
  const head = escapeTags(truncate(`${list.hits.length} found for "${list.text}" · Up/Down choose · Enter go there · Esc close`, width));
  const rows = Math.max(1, height - 1);
  const start = Math.max(0, Math.min(list.selected - Math.floor(rows / 2), list.hits.length - rows));
  const body = list.hits.slice(start, start + rows).map((hit, i) => {
    const text = escapeTags(padToWidth(truncate(`${dateTime(hit.sentAt)}  ${hit.peer}  ${hit.from}: ${hit.text}`, width), width));
    return start + i === list.selected ? `{inverse}${text}{/inverse}` : text;
  });
  return [`{bold}${head}{/bold}`, ...body];
}
