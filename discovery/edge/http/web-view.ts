// The live web view of one process: the NetworkView fed by this process's servers (their
// events and snapshots), the authenticated status probe (every shown server, local or
// --view-servers) and the merged event log, refreshed a moment after each event and once a
// second (ages, rates), served over HTTP (web-server.ts).

import { fromHex } from '../../../src/crypto/bytes.ts';
import { endpointToString, type Endpoint } from '../../../src/wire.ts';
import type { DiscoveryServer } from '../server.ts';
import { StatusProbe } from '../status-probe.ts';
import { mergeLaunched } from '../view/event-merger.ts';
import { NetworkView } from '../view/network-view.ts';
import { startWebServer, type WebServer } from './web-server.ts';

/** How long after a server event the state is rebuilt: the same event from every port lands in one refresh. */
const REFRESH_DELAY_MS = 30;
const SAMPLE_INTERVAL_MS = 1_000;

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
  const local = options.servers.map((s) => ({ addr: endpointToString([options.host, s.port]), endpoint: [options.host, s.port] as Endpoint, key: fromHex(s.publicKey, 32), server: s }));
  const others = (options.others ?? []).map((o) => ({ addr: endpointToString(o.addr), endpoint: o.addr, key: o.key }));
  const view = new NetworkView({ local: local.map((l) => ({ addr: l.addr, snapshot: () => l.server.snapshot() })), shown: [...local, ...others].map((s) => s.addr) });
  view.refresh(Date.now());
  const web = await startWebServer({ ...options.http, ...(options.token !== undefined ? { token: options.token } : {}), view });

  let timer: NodeJS.Timeout | undefined;
  const refreshSoon = (): void => {
    timer ??= setTimeout(() => {
      timer = undefined;
      view.refresh(Date.now());
    }, REFRESH_DELAY_MS);
  };
  const offs = options.servers.map((s) =>
    s.subscribe((ev) => {
      view.observe(ev, Date.now());
      refreshSoon();
    }),
  );
  const stopMerging = mergeLaunched({ subscribe: (listener) => {
    const subs = options.servers.map((s) => s.subscribe((event) => listener({ port: s.port, event })));
    return () => subs.forEach((off) => off());
  } }, (entry) => view.log(entry.text, Date.now()));

  const probe = await StatusProbe.open();
  const wasUp = new Map<string, boolean>();
  probe.onChange((addr, status) => {
    view.setStatus(addr, status);
    if (wasUp.get(addr) !== status.up && (wasUp.has(addr) || !status.up)) view.log(`server  ${addr} ${status.up ? 'up' : 'DOWN (no signed status reply)'}`, Date.now());
    wasUp.set(addr, status.up);
    refreshSoon();
  });
  for (const s of [...local, ...others]) probe.watch(s.endpoint, s.key);

  const ticker = setInterval(() => {
    view.sample(Date.now());
    view.refresh(Date.now());
  }, SAMPLE_INTERVAL_MS);
  ticker.unref();

  let stopping: Promise<void> | undefined;
  return {
    view,
    web,
    stop: () =>
      (stopping ??= (async () => {
        clearInterval(ticker);
        if (timer) clearTimeout(timer);
        offs.forEach((off) => off());
        stopMerging();
        await probe.close();
        await web.close();
      })()),
  };
}
