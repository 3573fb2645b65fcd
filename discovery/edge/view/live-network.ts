// A NetworkView kept live for the servers of this process: their events (observed, and merged
// into the event log), their snapshots (refreshed a moment after each event and once a
// second, for ages and rates) and the authenticated status probe of every shown server (local
// or --view-servers), whose going down or coming back is logged too. The terminal view uses
// it when the web view (which feeds its own, http/web-view.ts) is off.

import { fromHex } from '../../../src/crypto/bytes.ts';
import { endpointToString, type Endpoint } from '../../../src/wire.ts';
import type { LaunchedServers } from '../launcher.ts';
import { StatusProbe } from '../status-probe.ts';
import { mergeLaunched } from './event-merger.ts';
import { NetworkView } from './network-view.ts';

/** How long after a server event the state is rebuilt: the same event from every port lands in one refresh. */
const REFRESH_DELAY_MS = 30;
const SAMPLE_INTERVAL_MS = 1_000;

export interface LiveNetwork {
  readonly view: NetworkView;
  stop(): Promise<void>;
}

export async function startLiveNetwork(options: { launched: LaunchedServers; host: string; others?: readonly { addr: Endpoint; key?: Uint8Array }[] }): Promise<LiveNetwork> {
  const { launched, host } = options;
  const local = launched.servers.map((s) => ({ addr: endpointToString([host, s.port]), endpoint: [host, s.port] as Endpoint, key: fromHex(s.publicKey, 32), server: s }));
  const others = (options.others ?? []).map((o) => ({ addr: endpointToString(o.addr), endpoint: o.addr, key: o.key }));
  const view = new NetworkView({ local: local.map((l) => ({ addr: l.addr, snapshot: () => l.server.snapshot() })), shown: [...local, ...others].map((s) => s.addr) });
  view.refresh(Date.now());
  let timer: NodeJS.Timeout | undefined;
  const refreshSoon = (): void => {
    timer ??= setTimeout(() => {
      timer = undefined;
      view.refresh(Date.now());
    }, REFRESH_DELAY_MS);
  };
  const off = launched.subscribe(({ event }) => {
    view.observe(event, Date.now());
    refreshSoon();
  });
  const stopMerging = mergeLaunched(launched, (entry) => view.log(entry.text, Date.now()));
  const probe = await StatusProbe.open();
  const wasUp = new Map<string, boolean>();
  probe.onChange((addr, status) => {
    view.setStatus(addr, status);
    // A server going down or coming back is news for the log too (not its first "up").
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
    stop: () =>
      (stopping ??= (async () => {
        clearInterval(ticker);
        if (timer) clearTimeout(timer);
        off();
        stopMerging();
        await probe.close();
      })()),
  };
}
