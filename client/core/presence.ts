// What this client tells about itself and the network: `ready` once every server answered
// (or the first one did and READY_WAIT_MS passed), `status` when reachability, our observed
// endpoint, NAT type or name changed, and the merged peer list when it changed. It reads
// the discovery client's state and returns events; it sends nothing. Each listed peer carries
// the contact marks the trust policy gives it (known, verified, looks like a contact).

import { READY_WAIT_MS } from '../../src/constants.ts';
import type { Identity } from '../../src/crypto/identity.ts';
import { endpointToString, type Endpoint } from '../../src/wire.ts';
import type { DiscoveryClient, ServerState } from './discovery-client.ts';
import type { ClientEvent, NatType, PeerEntry } from './events.ts';
import type { ContactMarks } from './trust-policy.ts';

/** What the trust policy says about a listed peer, and a version that changes when that may have changed. */
export interface PeerMarks {
  marks(id: string, name: string): ContactMarks;
  version(): number;
}

const NO_MARKS: PeerMarks = { marks: () => ({}), version: () => 0 };

export class Presence {
  private readyEmitted = false;
  /** Our public endpoint as reported by the first server that answered (for `ready`). */
  private firstObserved: Endpoint | undefined;
  private lastStatus = '';
  private lastPeers = '';
  /** Set when a server's list or reachability changed; the merged list is rebuilt only then. */
  private peersDirty = true;
  /** The latest time we were told about, so nextTimeout never re-arms a ready wait already over. */
  private lastNow = -Infinity;
  /** The marks version the last list was built with. */
  private marksVersion = -1;

  constructor(
    private readonly identity: Identity,
    private readonly discovery: DiscoveryClient,
    private readonly localPort: number,
    private readonly startedAt: number,
    private readonly contacts: PeerMarks = NO_MARKS,
  ) {}

  /** A server answered; `listChanged`: its peer list or its reachability may have changed. */
  serverHeard(server: ServerState, listChanged: boolean): void {
    if (listChanged) this.peersDirty = true;
    this.firstObserved ??= server.observed;
  }

  natType(): NatType {
    return this.discovery.natType(this.localPort);
  }

  /** Events due after anything that may have changed what we know (a server datagram, a timer). */
  afterChange(now: number, name: string): ClientEvent[] {
    this.lastNow = Math.max(this.lastNow, now);
    const events: ClientEvent[] = [];
    if (!this.readyEmitted) {
      const ready = this.ready(now, name);
      if (ready) events.push(ready);
    }
    if (this.readyEmitted) {
      const status = this.status(now, name);
      if (status) events.push(status);
      const peers = this.peersIfChanged(now);
      if (peers) events.push(peers);
    }
    return events;
  }

  /** The status line; `force` emits it even unchanged (after /nick). */
  status(now: number, name: string, force = false): ClientEvent | undefined {
    const observed = this.discovery.observed();
    const status: ClientEvent = {
      event: 'status',
      servers: this.discovery.reachableCount(now),
      serversTotal: this.discovery.servers.length,
      observed: observed ? endpointToString(observed) : '',
      nat: this.natType(),
      name,
      id: this.identity.id,
      fingerprint: this.identity.fingerprint,
    };
    const key = JSON.stringify(status);
    if (!force && key === this.lastStatus) return undefined;
    this.peersDirty = true; // reachability may have changed, and with it the merged list
    this.lastStatus = key;
    return status;
  }

  /** Until the ready wait is over; after it, the first server answer emits ready by itself. */
  nextTimeout(): number | undefined {
    const readyBy = this.startedAt + READY_WAIT_MS;
    return !this.readyEmitted && this.lastNow < readyBy ? readyBy : undefined;
  }

  private ready(now: number, name: string): ClientEvent | undefined {
    const answered = this.discovery.servers.filter((s) => s.observed);
    const all = answered.length === this.discovery.servers.length;
    if (!all && (answered.length === 0 || now - this.startedAt < READY_WAIT_MS)) return undefined;
    this.readyEmitted = true;
    const observed = (this.firstObserved ?? answered[0]?.observed) as Endpoint;
    return { event: 'ready', id: this.identity.id, name, observed: endpointToString(observed), nat: this.natType(), fingerprint: this.identity.fingerprint };
  }

  /** The merged peer list with each entry's contact marks. */
  list(now: number): PeerEntry[] {
    this.marksVersion = this.contacts.version();
    return this.discovery.mergedPeers(now).map((p) => ({ id: p.id, name: p.name, ...this.contacts.marks(p.id, p.name) }));
  }

  private peersIfChanged(now: number): ClientEvent | undefined {
    if (!this.peersDirty && this.marksVersion === this.contacts.version()) return undefined;
    this.peersDirty = false;
    const peers = this.list(now);
    const key = JSON.stringify(peers);
    if (key === this.lastPeers) return undefined;
    this.lastPeers = key;
    return { event: 'peers', peers };
  }
}
