// Who we are and how we stand, as the status bar shows it: from `ready` and `status` events.
// `reachable: false` (issue 15) says that no discovery server answers: the list then says
// "servers unreachable" rather than "No other users online", which it cannot know.
import type { ClientEvent, NatType } from '../core/events.ts';

export interface Status {
  name: string;
  id: string;
  observed: string;
  nat: NatType;
  /** Our key's fingerprint (/whois on ourselves shows it). */
  fingerprint?: string;
  servers?: number;
  serversTotal?: number;
  /** No discovery server answers (the client says so within seconds of losing them). */
  unreachable?: boolean;
  /** A problem with this client itself (PINS_NOT_SAVED), shown until it quits. */
  warning?: string;
}

/** Takes a `ready` or `status` event into `status`. */
export function applyStatus(status: Status, ev: Extract<ClientEvent, { event: 'ready' | 'status' }>, clean: (s: string) => string): void {
  Object.assign(status, { name: clean(ev.name), id: ev.id, observed: clean(ev.observed), nat: ev.nat, fingerprint: clean(ev.fingerprint) });
  if (ev.event !== 'status') return;
  status.servers = ev.servers;
  status.serversTotal = ev.serversTotal;
  const reachable = (ev as { reachable?: unknown }).reachable;
  status.unreachable = reachable === false || (ev.serversTotal > 0 && ev.servers === 0 && reachable !== true);
}
