// The live web view of one process: a NetworkView kept live for its servers (their events and
// snapshots, the authenticated status probe of every shown server, the merged event log:
// view/live-network.ts), served over HTTP (web-server.ts). The terminal view renders the same
// NetworkView, so the page and the table never disagree.

import type { Endpoint } from '../../../src/wire.ts';
import type { LaunchedServers } from '../launcher.ts';
import type { DiscoveryServer } from '../server.ts';
import { startLiveNetwork } from '../view/live-network.ts';
import type { NetworkView } from '../view/network-view.ts';
import { startWebServer, type WebServer } from './web-server.ts';

export interface WebViewOptions {
  servers: readonly DiscoveryServer[];
  /** The address clients are given for this machine (advertisedHost): servers are shown and probed there. */
  host: string;
  others?: readonly { addr: Endpoint; key?: Uint8Array }[];
  http: { host: string; port: number };
  token?: string;
}

export interface WebView {
  readonly view: NetworkView;
  readonly web: WebServer;
  stop(): Promise<void>;
}

/** Starts the view and its HTTP server; rejects (a busy port…) with nothing left running. */
export async function startWebView(options: WebViewOptions): Promise<WebView> {
  const { servers } = options;
  // The servers as one event source (what discovery:all's launcher gives; `discovery` has one server).
  const launched: LaunchedServers = {
    servers,
    subscribe: (listener) => {
      const offs = servers.map((s) => s.subscribe((event) => listener({ port: s.port, event })));
      return () => offs.forEach((off) => off());
    },
    close: async () => undefined, // the servers are the caller's to close
  };
  const live = await startLiveNetwork({ launched, host: options.host, others: options.others ?? [] });
  let web: WebServer;
  try {
    web = await startWebServer({ ...options.http, ...(options.token !== undefined ? { token: options.token } : {}), view: live.view });
  } catch (err) {
    await live.stop();
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    view: live.view,
    web,
    stop: () =>
      (stopping ??= (async () => {
        await live.stop();
        await web.close();
      })()),
  };
}
