// The web view's HTTP server (plain node:http): GET / (the page), GET /status.json (the
// NetworkState), GET /events (server-sent changes, sse.ts). Every request passes the Host
// check and, when a token is set, the token check (access.ts) before anything is read. A
// non-loopback bind always has a token: the given one or a fresh one the caller prints.

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { NetworkView } from '../view/network-view.ts';
import { allowedHosts, hostAllowed, isLoopback, newToken, tokenCookie, tokenGiven } from './access.ts';
import { PAGE_CSP, PAGE_HTML } from './page.ts';
import { serveEvents } from './sse.ts';

export interface WebServerOptions {
  host: string;
  /** 0: the OS chooses (see `port` on the result). */
  port: number;
  /** Required from every request when set; generated when absent and the bind is not loopback. */
  token?: string;
  view: NetworkView;
  heartbeatMs?: number;
}

export interface WebServer {
  readonly host: string;
  readonly port: number;
  /** The token requests need (undefined: none, a loopback bind without --http-token). */
  readonly token: string | undefined;
  /** The page's address (with ?token= when there is one). */
  readonly url: string;
  close(): Promise<void>;
}

/** Event streams open at once: each holds a socket and a listener; a few pages need a few. */
export const MAX_EVENT_STREAMS = 64;

const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

function plain(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', ...extra });
  res.end(`${text}\n`);
}

/** Listens on host:port; rejects (EADDRINUSE and the like) without leaving anything open. */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const token = options.token ?? (isLoopback(options.host) ? undefined : newToken());
  // This run's tag in every event id: an id from before a restart is never taken for ours.
  const epoch = randomBytes(4).toString('hex');
  let allowed = new Set<string>();
  let port = options.port;
  let streams = 0;

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (!hostAllowed(req, allowed)) return plain(res, 403, 'forbidden: the Host header does not name this server');
    const url = new URL(req.url ?? '/', 'http://view.invalid');
    const auth = tokenGiven(req, url, token, port);
    if (!auth.ok) return plain(res, 401, 'unauthorized: open the address printed at start (it carries ?token=)');
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'method not allowed', { Allow: 'GET, HEAD' });
    if (url.pathname === '/' || url.pathname === '/index.html') {
      const cookie: Record<string, string> = auth.fromQuery && token !== undefined ? { 'Set-Cookie': tokenCookie(token, port) } : {};
      res.writeHead(200, { ...SECURITY_HEADERS, ...cookie, 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': PAGE_CSP, 'X-Frame-Options': 'DENY' });
      res.end(req.method === 'HEAD' ? undefined : PAGE_HTML);
      return;
    }
    if (url.pathname === '/status.json') {
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8' });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify(options.view.state()));
      return;
    }
    if (url.pathname === '/events') {
      if (streams >= MAX_EVENT_STREAMS) return plain(res, 503, 'too many open event streams', { 'Retry-After': '5' });
      streams++;
      res.once('close', () => streams--);
      serveEvents(req, res, url, { view: options.view, epoch, headers: SECURITY_HEADERS, ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}) });
      return;
    }
    plain(res, 404, 'not found');
  };

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch {
      // A bug in one answer must not take the process (and its UDP servers) down.
      if (!res.headersSent) plain(res, 500, 'internal error');
      else res.destroy();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => undefined); // after listen: per-connection errors only
  const address = server.address();
  if (typeof address === 'object' && address) port = address.port;
  allowed = allowedHosts(options.host, port);
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  return {
    host: options.host,
    port,
    token,
    url: `http://${shownHost}:${port}/${token !== undefined ? `?token=${encodeURIComponent(token)}` : ''}`,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // the event streams never end by themselves
      })),
  };
}
