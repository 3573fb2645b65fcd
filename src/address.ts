// Parsing and printing of host:port strings from people (flags, /connect, env).

import { isIP } from 'node:net';
import { NatterError } from './errors.ts';
import type { Endpoint } from './wire.ts';

/** Parses "host:port" or "[v6]:port". "localhost" becomes 127.0.0.1 (natter speaks IPv4 by default). */
export function parseEndpoint(text: string): Endpoint {
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(text.trim()) ?? /^([^:]+):(\d+)$/.exec(text.trim());
  if (!match) throw new NatterError('BAD_ADDRESS', `"${text}" is not host:port (for example 127.0.0.1:8000)`);
  let host = match[1] as string;
  const port = Number(match[2]);
  if (host === 'localhost') host = '127.0.0.1';
  if (!isIP(host)) throw new NatterError('BAD_ADDRESS', `"${host}" is not an IP address (use a numeric address such as 127.0.0.1)`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new NatterError('BAD_ADDRESS', `port ${match[2]} is out of range 1-65535`);
  return [host, port];
}

export function parseEndpointList(text: string): Endpoint[] {
  const parts = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) throw new NatterError('BAD_ADDRESS', 'the server list is empty');
  return parts.map(parseEndpoint);
}

export const sameEndpoint = (a: Endpoint, b: Endpoint): boolean => a[0] === b[0] && a[1] === b[1];

export const endpointKey = (e: Endpoint): string => `${e[0]}|${e[1]}`;
