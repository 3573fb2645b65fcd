// GET /events: the network's changes as server-sent events. Each change goes out with
// `id: EPOCH-N` (EPOCH: this run, so an id from before a restart is never taken for one of
// ours). A reconnecting EventSource sends Last-Event-ID: if every change after it is still in
// the view's ring they are sent and nothing is lost; else (too old, another run, none) the
// page gets `event: reset` with the full state. A comment every 15 s keeps proxies and the
// browser from calling an idle stream dead. A page that stops reading is cut off once its
// backlog passes a bound; it reconnects and resumes from its last id.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NetworkChange } from '../view/network-state.ts';
import type { NetworkView } from '../view/network-view.ts';

export const HEARTBEAT_MS = 15_000;
/** Bytes queued for one page before it is cut off (it resumes from its last id). */
const MAX_BACKLOG_BYTES = 1 << 20;
/** The EventSource's reconnection delay, ms. */
const RETRY_MS = 1_000;

export interface EventStreamOptions {
  view: NetworkView;
  /** This run's tag, part of every id. */
  epoch: string;
  heartbeatMs?: number;
  /** Extra headers (the security ones). */
  headers: Record<string, string>;
}

/** The change number in `lastId` when it is one of this run's, else undefined. */
export function parseEventId(lastId: string | undefined, epoch: string): number | undefined {
  if (lastId === undefined) return undefined;
  const m = /^([0-9a-z]+)-(\d{1,15})$/.exec(lastId.trim());
  return m && m[1] === epoch ? Number(m[2]) : undefined;
}

export function serveEvents(req: IncomingMessage, res: ServerResponse, url: URL, options: EventStreamOptions): void {
  const { view, epoch } = options;
  res.writeHead(200, { ...options.headers, 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const send = (text: string): void => {
    if (res.writableLength > MAX_BACKLOG_BYTES) {
      res.destroy();
      return;
    }
    res.write(text);
  };
  const frame = (c: NetworkChange): string => `id: ${epoch}-${c.id}\ndata: ${JSON.stringify(c)}\n\n`;
  send(`retry: ${RETRY_MS}\n\n`);
  const header = req.headers['last-event-id'];
  const resumeFrom = parseEventId(typeof header === 'string' ? header : (url.searchParams.get('lastEventId') ?? undefined), epoch);
  const backlog = resumeFrom === undefined ? undefined : view.changesAfter(resumeFrom);
  if (backlog) {
    for (const c of backlog) send(frame(c));
  } else {
    const full = { ...view.state(), log: view.recentLog() };
    send(`id: ${epoch}-${view.lastId()}\nevent: reset\ndata: ${JSON.stringify(full)}\n\n`);
  }
  const off = view.onChange((c) => send(frame(c)));
  const heartbeat = setInterval(() => send(': heartbeat\n\n'), options.heartbeatMs ?? HEARTBEAT_MS);
  heartbeat.unref();
  const stop = (): void => {
    off();
    clearInterval(heartbeat);
  };
  res.on('close', stop);
  res.on('error', stop);
}
