// Peer lists and introductions: ListPeers (paged, "unchanged" for a current version) and
// Connect, which sends an Introduce to both peers at once, each with the other's candidates,
// so both start punching within half a round trip of each other (the punch floor).
// Introductions are limited per requester (its Connect bucket) and per target (each one makes
// the target punch: no one may aim many at one client), and a Connect records that the
// requester asked for the target (relay consent, relay-consent.ts).

import { sameEndpoint } from '../../src/address.ts';
import { lanCandidates } from '../../src/candidates.ts';
import { CONNECT_BURST, CONNECT_RATE_PER_S, MAX_DATAGRAM_BYTES, SERVER_MAC_OVERHEAD_BYTES } from '../../src/constants.ts';
import { MsgType, type Candidate, type Endpoint, type MessageOf } from '../../src/wire.ts';
import type { DropSink } from './drop-summary.ts';
import { ServerErrorCode, type Replies } from './outbox.ts';
import { Bucket, type RateLimits } from './rate-limits.ts';
import type { RelayConsent } from './relay-consent.ts';
import type { Registry, RegistryEntry } from './registry.ts';
import { peerRef, type ServerEvent } from './server-events.ts';
import type { SourceAccount } from './source-accounts.ts';
import type { TargetBuckets } from './target-limits.ts';

export interface IntroductionsDeps {
  registry: Registry;
  limits: RateLimits;
  out: Replies;
  drops: DropSink;
  emit: (event: ServerEvent) => void;
  /** Introductions per target id; unlimited when absent. */
  targets?: TargetBuckets;
  /** Where a Connect records "requester asked for target" (for the relay). */
  consent?: RelayConsent;
}

export class Introductions {
  constructor(private readonly deps: IntroductionsDeps) {}

  onListPeers(msg: MessageOf<typeof MsgType.ListPeers>, from: Endpoint, src: SourceAccount | undefined, now: number): void {
    if (!this.requireRegistered(src, from, now)) return;
    const { registry, out } = this.deps;
    const { version, size } = registry;
    if (msg.ver === version && msg.cursor === undefined) {
      out.reply(src, from, { t: MsgType.PeerList, ver: version, peers: [], unchanged: true, total: size });
      return;
    }
    out.reply(src, from, { t: MsgType.PeerList, ...registry.page(msg.cursor, MAX_DATAGRAM_BYTES - SERVER_MAC_OVERHEAD_BYTES) }); // room for ts + mac
  }

  onConnect(msg: MessageOf<typeof MsgType.Connect>, from: Endpoint, src: SourceAccount | undefined, now: number): void {
    const a = this.requireRegistered(src, from, now);
    if (!a) return;
    const { registry, limits, out, drops, emit } = this.deps;
    // Each Connect makes the server send to a third party: bounded, so no one can aim a flood.
    if (!limits.take(a.id, a, Bucket.Connect, now, CONNECT_RATE_PER_S, CONNECT_BURST)) {
      drops.add('connect-rate-limited');
      return;
    }
    const b = registry.get(msg.target);
    if (!b) {
      drops.add('connect-unknown-peer');
      out.error(src, from, now, ServerErrorCode.UnknownPeer, 'no such peer on this server', msg.target);
      return;
    }
    if (b.id === a.id) {
      drops.add('connect-self');
      out.error(src, from, now, ServerErrorCode.BadRequest, 'cannot connect to yourself', msg.target);
      return;
    }
    const { consent, targets } = this.deps;
    // An introduction the target itself asked for (it sent a Connect or a Relay for the
    // requester within the minute) is no attack on it: a flood aimed at the target cannot
    // delay the peers it is reaching for.
    const wanted = consent?.hasAsked(b.id, a.id, now) ?? false;
    // Asking counts even when the target's allowance is spent: the relay may still be needed.
    consent?.ask(a.id, b.id, now);
    if (targets && !wanted && !targets.take(b.id, now)) {
      drops.add('connect-target-rate-limited');
      return;
    }
    // Both at once: each side starts punching within half an RTT of the other (the punch floor).
    // Both endpoints are proven: the registry lists no other kind.
    out.send(a.observed, { t: MsgType.Introduce, peer: { id: b.id, name: b.name }, candidates: candidatesOf(b) });
    out.send(b.observed, { t: MsgType.Introduce, peer: { id: a.id, name: a.name }, candidates: candidatesOf(a) });
    emit({ type: 'introduction', from: peerRef(a), to: peerRef(b) });
  }

  /** The registered entry at `from`, or undefined after answering NOT_REGISTERED (if the budget allows). */
  private requireRegistered(src: SourceAccount | undefined, from: Endpoint, now: number): RegistryEntry | undefined {
    const entry = this.deps.registry.byEndpoint(from);
    if (!entry) {
      this.deps.drops.add('not-registered');
      this.deps.out.error(src, from, now, ServerErrorCode.NotRegistered, '');
    }
    return entry;
  }
}

/**
 * The observed public endpoint first, then LAN endpoints that differ from it (and from each
 * other). Only acceptable LAN candidates are passed on (IP literals in private, link-local,
 * CGNAT or loopback ranges, src/candidates.ts), whatever the registration let in: otherwise
 * one Connect aims the other peer's probes at any host or name its requester wrote down.
 */
export function candidatesOf(entry: RegistryEntry): Candidate[] {
  const out: Candidate[] = [{ kind: 'public', addr: [entry.observed[0], entry.observed[1]] }];
  for (const addr of lanCandidates(entry.lan)) {
    if (out.some((c) => sameEndpoint(c.addr, addr))) continue;
    out.push({ kind: 'lan', addr: [addr[0], addr[1]] });
  }
  return out;
}
