// The relay: when no direct path answers, the server forwards opaque, end-to-end encrypted
// datagrams between two listed peers, rate-limited per sending identity. It also tracks the
// pairs it relays for, so the event stream can say when relaying starts (the first datagram
// for a pair) and stops (the pair idle for RELAY_IDLE_STOP_MS, a sans-IO timer).
// It carries traffic only between two peers who have both asked to reach each other recently
// (relay-consent.ts: a Connect, or a Relay, for the other), and caps what one target receives
// from all its senders together, besides each sender's own rate.

import { RELAY_BURST_DATAGRAMS, RELAY_RATE_PER_S } from '../../src/constants.ts';
import { MsgType, type Endpoint, type MessageOf } from '../../src/wire.ts';
import { BoundedMap } from '../data/bounded-map.ts';
import type { DropSink } from './drop-summary.ts';
import { ServerErrorCode, type Replies } from './outbox.ts';
import { Bucket, type RateLimits } from './rate-limits.ts';
import type { Registry } from './registry.ts';
import type { RelayConsent } from './relay-consent.ts';
import { peerRef, type RelayPairView, type ServerEvent } from './server-events.ts';
import type { TargetBuckets } from './target-limits.ts';

/** A pair nothing was relayed for (either way) this long has stopped relaying. */
export const RELAY_IDLE_STOP_MS = 30_000;
/** Pairs tracked at once; beyond it the least recently active one is reported stopped. */
const MAX_RELAY_PAIRS = 10_000;

export interface RelayDeps {
  registry: Registry;
  limits: RateLimits;
  out: Replies;
  drops: DropSink;
  emit: (event: ServerEvent) => void;
  ratePerS?: number;
  burst?: number;
  idleStopMs?: number;
  /** Who asked for whom; without it every listed pair may relay (tests of the relay alone). */
  consent?: RelayConsent;
  /** Relayed datagrams per target id, from all senders together; unlimited when absent. */
  targets?: TargetBuckets;
}

export class Relay {
  /** Datagrams forwarded. */
  relayed = 0;
  /** Active pairs, least recently active first (BoundedMap.get moves a pair to the end). */
  private readonly pairs = new BoundedMap<string, RelayPairView>(MAX_RELAY_PAIRS);
  private checkAt: number | undefined;
  private readonly ratePerS: number;
  private readonly burst: number;
  private readonly idleStopMs: number;

  constructor(private readonly deps: RelayDeps) {
    this.ratePerS = deps.ratePerS ?? RELAY_RATE_PER_S;
    this.burst = deps.burst ?? RELAY_BURST_DATAGRAMS;
    this.idleStopMs = deps.idleStopMs ?? RELAY_IDLE_STOP_MS;
  }

  onRelay(msg: MessageOf<typeof MsgType.Relay>, from: Endpoint, now: number): void {
    const { registry, limits, out, drops } = this.deps;
    const source = registry.byEndpoint(from);
    if (!source) {
      // Silently: an unregistered relay is either stale or an attack; the next ListPeers tells a stale client.
      drops.add('relay-not-registered');
      return;
    }
    if (!limits.take(source.id, source, Bucket.Relay, now, this.ratePerS, this.burst)) {
      drops.add('relay-rate-limited');
      return;
    }
    const target = registry.get(msg.to);
    if (!target) {
      drops.add('relay-unknown-peer');
      out.error(undefined, from, now, ServerErrorCode.UnknownPeer, 'relay target is not on this server', msg.to);
      return;
    }
    const { consent, targets } = this.deps;
    if (consent) {
      if (!consent.hasAsked(target.id, source.id, now)) {
        // The target never asked for the sender (or not for a minute): not a conversation it
        // wants. The sender's asking is still noted (apart), so the target's own relay answers it.
        consent.askUnanswered(source.id, target.id, now);
        drops.add('relay-not-consented');
        return;
      }
      consent.ask(source.id, target.id, now);
    }
    if (targets && !targets.take(target.id, now)) {
      drops.add('relay-target-rate-limited');
      return;
    }
    if (!out.send(target.observed, { t: MsgType.Relayed, from: source.id, data: msg.data })) return;
    this.relayed++;
    const key = source.id < target.id ? `${source.id} ${target.id}` : `${target.id} ${source.id}`;
    const pair = this.pairs.get(key);
    if (pair) {
      pair.lastAt = now;
      pair.datagrams++;
      pair.bytes += msg.data.length;
      return;
    }
    if (this.pairs.size >= this.pairs.capacity) this.stopOldest();
    const a = { id: source.id, name: source.name };
    const b = { id: target.id, name: target.name };
    this.pairs.set(key, { a, b, since: now, lastAt: now, datagrams: 1, bytes: msg.data.length });
    this.checkAt ??= now + this.idleStopMs;
    this.deps.emit({ type: 'relay_start', from: peerRef(source), to: peerRef(target) });
  }

  nextTimeout(): number | undefined {
    return this.checkAt;
  }

  /** Reports the pairs idle for RELAY_IDLE_STOP_MS as stopped. */
  handleTimeout(now: number): void {
    if (this.checkAt === undefined || now < this.checkAt) return;
    this.checkAt = undefined;
    for (const [key, pair] of this.pairs.entries()) {
      if (pair.lastAt > now - this.idleStopMs) {
        // Pairs only get fresher: the oldest one's deadline is the earliest.
        this.checkAt = pair.lastAt + this.idleStopMs;
        break;
      }
      this.pairs.delete(key);
      this.deps.emit({ type: 'relay_stop', pair });
    }
  }

  /** The active pairs (copies), least recently active first. */
  active(): RelayPairView[] {
    return [...this.pairs.entries()].map(([, p]) => ({ ...p, a: { ...p.a }, b: { ...p.b } }));
  }

  get size(): number {
    return this.pairs.size;
  }

  private stopOldest(): void {
    for (const [key, pair] of this.pairs.entries()) {
      this.pairs.delete(key);
      this.deps.emit({ type: 'relay_stop', pair });
      return;
    }
  }
}
