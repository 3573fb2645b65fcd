// Admission: listing an entry whose address is proven, and forgetting one. Besides the
// registry upsert and the join/endpoint/rename/leave events, this is where per-client state
// changes hands: when an id gets listed, its source bucket (from SourceAccounts), its identity
// buckets (from RateLimits) and its replay record (from the authorizer) move into the entry's
// local columns, and they move back when the entry goes, so a listed client costs no map slot.
// It also enforces the caps per source IP (ip-caps.ts): a listing beyond them is refused,
// counted, answered with TOO_MANY_IDENTITIES, and changes nothing.

import { endpointKey } from '../../src/address.ts';
import type { Endpoint } from '../../src/wire.ts';
import type { DropSink } from './drop-summary.ts';
import { IP_CAP_ERROR_CODE, ipKey, type IpCaps } from './ip-caps.ts';
import type { Replies } from './outbox.ts';
import { Bucket, type RateLimits } from './rate-limits.ts';
import type { RegisterAuthorizer } from './register-auth.ts';
import type { Registry, RegistryEntry } from './registry.ts';
import { peerRef, type LeaveReason, type ServerEvent } from './server-events.ts';
import type { SourceAccounts } from './source-accounts.ts';

export interface AdmissionDeps {
  registry: Registry;
  sources: SourceAccounts;
  limits: RateLimits;
  authorizer: RegisterAuthorizer;
  wallClock: (now: number) => number;
  emit: (event: ServerEvent) => void;
  /** Caps per source IP; none when absent. */
  ipCaps?: IpCaps;
  /** For refusals (with ipCaps): the drop count and the error reply. */
  drops?: DropSink;
  out?: Replies;
}

export type AdmitInput = { id: string; name: string; lan: readonly Endpoint[]; observed: Endpoint };

export class Admission {
  /** The authorizer lets listed ids' replay records live in the entries' columns (adopt/release). */
  readonly keepsReplay: boolean;

  constructor(private readonly deps: AdmissionDeps) {
    this.keepsReplay = typeof deps.authorizer.adopt === 'function' && typeof deps.authorizer.release === 'function';
  }

  /**
   * Lists (or refreshes) an entry whose address is proven, and tells what changed. Undefined:
   * refused by a cap per source IP (counted, and answered to the proven address); nothing changed.
   */
  admit(input: AdmitInput, now: number): RegistryEntry | undefined {
    const { registry, sources, limits, authorizer, emit, ipCaps } = this.deps;
    const local = registry.local;
    if (ipCaps && !ipCaps.off && this.refusedByIpCaps(ipCaps, input, now)) return undefined;
    const result = registry.upsert(input, now);
    if (result.displaced) this.forget(result.displaced, 'replaced', now);
    const entry = result.entry;
    if (ipCaps && (result.isNew || (result.previousObserved && ipKey(result.previousObserved[0]) !== ipKey(input.observed[0])))) {
      if (result.previousObserved) ipCaps.unlisted(result.previousObserved[0]);
      ipCaps.listedAt(input.observed[0], now);
    }
    // Listed: the id's replay record moves from the authorizer into the entry's columns.
    if (result.isNew && this.keepsReplay) local.setRegisteredAt(entry, authorizer.adopt?.(input.id) ?? Number.NaN);
    if (result.previousObserved) this.releaseSource(entry, result.previousObserved, now);
    if (result.isNew || result.previousObserved) {
      // The entry now holds this endpoint: its source account moves into the entry's columns.
      const b = sources.handOver(endpointKey(input.observed), now);
      local.setBucket(entry, Bucket.Source, b.tokens, b.last);
    }
    if (result.isNew) limits.handOver(input.id, entry);
    else if (result.previousObserved) local.clearToken(entry); // bound to the old address
    if (result.isNew) emit({ type: 'join', peer: peerRef(entry) });
    if (result.previousObserved) emit({ type: 'endpoint', peer: peerRef(entry), previous: result.previousObserved });
    if (result.previousName !== undefined) emit({ type: 'rename', peer: peerRef(entry), previousName: result.previousName });
    return entry;
  }

  /** An entry was removed from the registry (left, expired, replaced): its state goes back. Before the next upsert. */
  forget(entry: RegistryEntry, reason: LeaveReason, now: number): void {
    const { registry, limits, authorizer, wallClock, emit } = this.deps;
    limits.forget(entry.id);
    this.deps.ipCaps?.unlisted(entry.observed[0]);
    this.releaseSource(entry, entry.observed, now);
    if (this.keepsReplay) {
      // The replay record goes back to the authorizer: a captured Register must stay refused.
      const ts = registry.local.registeredAt(entry);
      if (!Number.isNaN(ts)) authorizer.release?.(entry.id, ts, wallClock(now));
    }
    emit({ type: 'leave', peer: peerRef(entry), reason });
  }

  /** True (counted and answered) when listing `input` would pass a cap of its source IP. */
  private refusedByIpCaps(ipCaps: IpCaps, input: AdmitInput, now: number): boolean {
    const { registry, drops, out } = this.deps;
    const existing = registry.get(input.id);
    // A refresh (the heartbeat path: plain string comparison first), or a new port on the same IP (/64).
    if (existing && (existing.observed[0] === input.observed[0] || ipKey(existing.observed[0]) === ipKey(input.observed[0]))) return false;
    // Another id at this very endpoint is displaced by this one (one socket, one client): the count stays.
    const holder = registry.byEndpoint(input.observed);
    const replaces = holder !== undefined && holder.id !== input.id;
    const refusal = ipCaps.refusal(input.observed[0], replaces, now);
    if (refusal === undefined) return false;
    drops?.add(refusal);
    // The address is proven (admit's precondition): the server-wide error budget is the only limit.
    out?.error(undefined, input.observed, now, IP_CAP_ERROR_CODE, 'too many identities from this IP address');
    return true;
  }

  /** The entry no longer holds `at`: the endpoint's bucket goes back to an (unproven) source account. */
  private releaseSource(entry: RegistryEntry, at: Endpoint, now: number): void {
    const local = this.deps.registry.local;
    this.deps.sources.takeBack(endpointKey(at), local.bucketTokens(entry, Bucket.Source), local.bucketLast(entry, Bucket.Source), now);
  }
}
