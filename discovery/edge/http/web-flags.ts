// The web view's flags, shared by both server CLIs: `--http HOST:PORT|off` and
// `--http-token`. A busy port is not fatal: the caller warns and the UDP servers run on.

import { parseEndpoint } from '../../../src/address.ts';
import { NatterError } from '../../../src/errors.ts';
import type { DiscoveryServer } from '../server.ts';
import { startWebView, type WebView, type WebViewOptions } from './web-view.ts';

export const WEB_FLAGS = {
  http: { type: 'string' },
  'http-token': { type: 'string' },
} as const;

export const WEB_USAGE = (dflt: string): string => `  --http HOST:PORT|off   the live web view (default ${dflt}); any address but loopback needs the token
  --http-token TOKEN     the token the web view asks for (default: none on loopback, else a fresh one, printed)`;

export interface WebFlags {
  http?: { host: string; port: number };
  token?: string;
}

/** `--http` and `--http-token` from parsed flags; `dflt`: the address when --http is absent (undefined: off). Throws BAD_FLAG. */
export function webFromFlags(flags: Record<string, string | boolean | undefined>, dflt: string | undefined): WebFlags {
  const text = typeof flags.http === 'string' ? flags.http : dflt;
  const token = flags['http-token'];
  if (typeof token === 'string' && !/^[\x21-\x7e]{8,200}$/.test(token)) throw new NatterError('BAD_FLAG', 'bad --http-token: 8 to 200 printable characters, no spaces');
  const out: WebFlags = typeof token === 'string' ? { token } : {};
  if (text === undefined || text === 'off') return out;
  let ep;
  try {
    ep = parseEndpoint(text);
  } catch {
    throw new NatterError('BAD_FLAG', `bad --http "${text}": expected HOST:PORT (e.g. 127.0.0.1:8080) or off`);
  }
  return { ...out, http: { host: ep[0], port: ep[1] } };
}

/**
 * Starts the web view when asked, printing its address (and token) or, when it cannot start
 * (a busy port), a warning: never a reason for the servers not to run.
 */
export async function startWebFromFlags(web: WebFlags, servers: readonly DiscoveryServer[], host: string, others: WebViewOptions['others'], print: (line: string) => void): Promise<WebView | undefined> {
  if (!web.http) return undefined;
  try {
    const started = await startWebView({ servers, host, others: others ?? [], http: web.http, ...(web.token !== undefined ? { token: web.token } : {}) });
    const tokenNote = started.web.token !== undefined && web.token === undefined ? ` (token ${started.web.token}, generated for this run)` : '';
    print(`web view on ${started.web.url}${tokenNote}`);
    return started;
  } catch (err) {
    print(`warning: web view not started on ${web.http.host}:${web.http.port}: ${err instanceof Error ? err.message : String(err)}; the UDP servers run on`);
    return undefined;
  }
}
