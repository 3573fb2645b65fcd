// Who may read the web view. Two checks, in this order:
// 1. The Host header must name the address the server is bound to (or, for a loopback or
//    wildcard bind, one of this machine's addresses, or localhost): a page from elsewhere that
//    rebinds its DNS name to 127.0.0.1 still sends its own name, and is refused (DNS rebinding).
// 2. A token, when one is set (always for a non-loopback bind): `?token=` on the page (which
//    then sets an HttpOnly, SameSite=Strict cookie), the cookie, or the query, on every route.
// Tokens are compared in constant time (over their hashes, so lengths leak nothing either).

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/** The cookie's name: per port, as cookies are shared by every port of a host. */
export const tokenCookieName = (port: number): string => `natter_token_${port}`;

export function isLoopback(host: string): boolean {
  return /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1';
}

const isWildcard = (host: string): boolean => host === '0.0.0.0' || host === '::';

/** A fresh operator token (printed at start when none was given). */
export const newToken = (): string => randomBytes(18).toString('base64url');

const withPort = (host: string, port: number): string => `${isIP(host) === 6 ? `[${host}]` : host}:${port}`.toLowerCase();

/** The Host header values this server answers to, bound at `host:port`. */
export function allowedHosts(host: string, port: number): Set<string> {
  const names = new Set<string>([withPort(host, port)]);
  if (isLoopback(host) || isWildcard(host)) {
    for (const h of ['localhost', '127.0.0.1', '::1']) names.add(withPort(h, port));
  }
  if (isWildcard(host)) {
    for (const addrs of Object.values(networkInterfaces())) {
      for (const a of addrs ?? []) names.add(withPort(a.address, port));
    }
  }
  return names;
}

export function hostAllowed(req: IncomingMessage, allowed: Set<string>): boolean {
  const host = req.headers.host;
  return typeof host === 'string' && allowed.has(host.toLowerCase());
}

function cookieToken(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined; // malformed escapes: no token
    }
  }
  return undefined;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** True when the request carries `token` (query or cookie); always true when no token is set. */
export function tokenGiven(req: IncomingMessage, url: URL, token: string | undefined, port: number): { ok: boolean; fromQuery: boolean } {
  if (token === undefined) return { ok: true, fromQuery: false };
  const expected = digest(token);
  const query = url.searchParams.get('token');
  if (query !== null && timingSafeEqual(digest(query), expected)) return { ok: true, fromQuery: true };
  const cookie = cookieToken(req, tokenCookieName(port));
  if (cookie !== undefined && timingSafeEqual(digest(cookie), expected)) return { ok: true, fromQuery: false };
  return { ok: false, fromQuery: false };
}

/** The cookie that lets the page's own requests (EventSource, fetch) carry the token. */
export const tokenCookie = (token: string, port: number): string => `${tokenCookieName(port)}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
