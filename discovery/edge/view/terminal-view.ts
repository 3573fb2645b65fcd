// The terminal view of `discovery:all` when stdout is a terminal: a table of servers, clients
// and paths refreshed in place, and the merged event log below it. Plain ANSI on the
// alternate screen (no blessed: a view of data needs no widgets): the whole screen is
// repainted at most REDRAW_MIN_INTERVAL_MS apart, and again on resize; the normal screen
// comes back on stop. It renders a NetworkState (network-state.ts) and log lines; names are
// quoted by quoteName (no name can fake an id, an address or a line) and every cell is cut
// to its column, so nothing a peer chooses can move the table.

import { quoteName } from '../log-view.ts';
import type { NetworkState, PathView, Rates, ServerView } from './network-state.ts';

export const REDRAW_MIN_INTERVAL_MS = 250;
/** Log lines kept (the screen shows the last that fit). */
export const LOG_LINES_KEPT = 500;

const ESC = '\u001b[';

/** Columns a code point takes: 2 for East Asian wide and most emoji, 0 for combining marks, else 1. */
function charWidth(cp: number): number {
  if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  )
    return 2;
  return 1;
}

const widthOf = (text: string): number => {
  let w = 0;
  for (const c of text) w += charWidth(c.codePointAt(0) as number);
  return w;
};

/** `text` cut to `width` columns (ending in … when cut) and padded with spaces to exactly `width`. */
export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  const total = widthOf(text);
  if (total <= width) return text + ' '.repeat(width - total);
  let out = '';
  let used = 0;
  for (const c of text) {
    const w = charWidth(c.codePointAt(0) as number);
    if (used + w > width - 1) break;
    out += c;
    used += w;
  }
  return `${out}…${' '.repeat(width - 1 - used)}`;
}

/** Control characters never reach the terminal (log lines are quoted already; this is the last guard). */
const clean = (text: string): string => text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, '?');

export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d${String(Math.floor((s % 86_400) / 3600)).padStart(2, '0')}h`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(1)} GiB`;
}

const rate = (r: number): string => (r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2));
const rates = (r: Rates): string => `${rate(r.r10s)}/${rate(r.r1m)}/${rate(r.r5m)}`;

/** A row of cells, each fitted to its width, one space apart. */
const row = (cells: [string, number][]): string => cells.map(([text, width]) => fit(clean(text), width)).join(' ');

function serverRows(servers: ServerView[], wallNow: number): string[] {
  const lines = [row([['SERVER', 21], ['STATE', 6], ['UPTIME', 7], ['CLIENTS', 7], ['REQ/S 10s/1m/5m', 16], ['INTROS', 6], ['RELAYED', 7], ['BYTES', 9], ['DROPS', 40]])];
  for (const s of servers) {
    const state = s.up ? 'up' : 'DOWN';
    const uptime = s.up && s.uptimeMs !== undefined ? duration(s.uptimeMs) : s.lastSeen !== undefined ? `-${duration(wallNow - s.lastSeen)}` : '-';
    const drops = Object.entries(s.drops)
      .sort((x, y) => y[1] - x[1])
      .map(([words, n]) => `${words} ×${n}`)
      .join('; ');
    lines.push(row([[s.addr, 21], [state, 6], [uptime, 7], [String(s.clients), 7], [rates(s.requests), 16], [String(s.introductions), 6], [String(s.relayedSessions), 7], [bytes(s.relayedBytes), 9], [drops || 'none', 40]]));
  }
  return lines;
}

function clientRows(state: NetworkState, wallNow: number): string[] {
  const lines = [row([['CLIENT', 18], ['ID', 8], ['NAT', 9], ['ENDPOINT', 21], ['SERVERS', 17], ['AGE', 7], ['PATHS', 40]])];
  const names = new Map(state.clients.map((c) => [c.id, c.name]));
  for (const c of state.clients) {
    const ports = c.servers.map((s) => s.slice(s.lastIndexOf(':') + 1)).join(',');
    const paths = state.paths
      .filter((p) => p.a === c.id || p.b === c.id)
      .map((p) => {
        const other = p.a === c.id ? p.b : p.a;
        return `${quoteName(names.get(other) ?? other.slice(0, 8))} ${via(p)}`;
      })
      .join('; ');
    lines.push(row([[quoteName(c.name), 18], [c.shortId, 8], [c.nat, 9], [c.observed, 21], [ports, 17], [duration(wallNow - c.since), 7], [paths || '-', 40]]));
  }
  return lines;
}

const via = (p: PathView): string => `${p.via === 'relay' ? `relay via ${p.server ?? '?'}` : p.via}${p.confirmed ? '' : ' (one-sided)'}`;

function pathRows(state: NetworkState, wallNow: number): string[] {
  const lines = [row([['PEER A', 22], ['PEER B', 22], ['PATH', 30], ['CLAIMED BY', 10], ['SINCE', 7], ['OUTCOMES d/r/f', 14], ['LAST FAILURE', 30]])];
  const names = new Map(state.clients.map((c) => [c.id, c.name]));
  const who = (id: string): string => `${id.slice(0, 8)} ${quoteName(names.get(id) ?? '?')}`; // the id first: a long name cannot hide it
  for (const p of state.paths) {
    const path = p.via === 'relay' ? `relay via ${p.server ?? '?'}` : p.via;
    const o = p.outcomes;
    lines.push(row([[who(p.a), 22], [who(p.b), 22], [path, 30], [p.confirmed ? 'both' : 'one end', 10], [duration(wallNow - p.since), 7], [`${o.direct}/${o.relay}/${o.failed}`, 14], [p.lastFailure ?? '', 30]]));
  }
  return lines;
}

/** The screen as lines, each exactly `cols` columns wide, at most `rows` of them (the log gets what is left). */
export function renderScreen(state: NetworkState, log: readonly string[], cols: number, rows: number, wallNow: number): string[] {
  const up = state.servers.filter((s) => s.up).length;
  const head = `natter discovery: ${up}/${state.servers.length} servers up, ${state.clients.length} clients, ${state.paths.length} paths`;
  const time = new Date(wallNow).toISOString().slice(11, 19);
  const table = [
    `${fit(head, Math.max(0, cols - 9))} ${time}`,
    '',
    ...serverRows(state.servers, wallNow),
    '',
    ...clientRows(state, wallNow),
    '',
    ...pathRows(state, wallNow),
    '',
    'EVENTS',
  ];
  const room = Math.max(0, rows - table.length);
  const shown = room > 0 ? log.slice(-room) : [];
  return [...table, ...shown.map(clean)].slice(0, rows).map((line) => fit(line, cols));
}

/** What the view writes to: a TTY stream (process.stdout), or anything shaped like one (tests). */
export interface Screen {
  columns: number;
  rows: number;
  write(text: string): unknown;
  on(event: 'resize', listener: () => void): unknown;
  off(event: 'resize', listener: () => void): unknown;
}

export class TerminalView {
  private readonly log: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastDrawAt = 0;
  private stopped = false;

  constructor(
    private readonly screen: Screen,
    private readonly state: () => NetworkState,
  ) {}

  /** Switches to the alternate screen and draws. */
  start(): void {
    this.screen.write(`${ESC}?1049h${ESC}?25l`);
    this.screen.on('resize', this.onResize);
    this.draw();
  }

  /** Something changed: repaint soon (at most every REDRAW_MIN_INTERVAL_MS). */
  changed(): void {
    if (this.stopped || this.timer) return;
    const wait = Math.max(0, this.lastDrawAt + REDRAW_MIN_INTERVAL_MS - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.draw();
    }, wait);
  }

  addLog(line: string): void {
    this.log.push(line);
    if (this.log.length > LOG_LINES_KEPT) this.log.splice(0, this.log.length - LOG_LINES_KEPT);
    this.changed();
  }

  /** Back to the normal screen, cursor shown; the last log lines are printed there, so they outlive the view. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.screen.off('resize', this.onResize);
    this.screen.write(`${ESC}?25h${ESC}?1049l`);
  }

  private readonly onResize = (): void => this.draw();

  private draw(): void {
    if (this.stopped) return;
    this.lastDrawAt = performance.now();
    const lines = renderScreen(this.state(), this.log, Math.max(20, this.screen.columns || 80), Math.max(5, this.screen.rows || 24), Date.now());
    // Home, then every line over the old one (no clear: no flicker), then clear below.
    this.screen.write(`${ESC}H${lines.join('\r\n')}${ESC}J`);
  }
}
