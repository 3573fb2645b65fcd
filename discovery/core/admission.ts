// Admission: listing an entry whose address is proven, and forgetting one. Besides the
// registry upsert and the join/endpoint/rename/leave events, this is where per-client state
// changes hands: when an id gets listed, its source bucket (from SourceAccounts), its identity
// buckets (from RateLimits) and its replay record (from the authorizer) move into the entry's
// local columns, and they move back when the entry goes, so a listed client costs no map slot.

import { endpointKey } from '../../src/address.ts';
import type { Endpoint } from '../../src/wire.ts';
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
}

export type AdmitInput = { id: string; name: string; lan: readonly Endpoint[]; observed: Endpoint };

export class Admission {
  /** The authorizer lets listed ids' replay records live in the entries' columns (adopt/release). */
  readonly keepsReplay: boolean;

  constructor(private readonly deps: AdmissionDeps) {
    this.keepsReplay = typeof deps.authorizer.adopt === 'function' && typeof deps.authorizer.release === 'function';
  }

  /** Lists (or refreshes) an entry whose address is proven, and tells what changed. */
  admit(input: AdmitInput, now: number): RegistryEntry {
    const { registry, sources, limits, authorizer, emit } = this.deps;
    const local = registry.local;
    const result = registry.upsert(input, now);
    if (result.displaced) this.forget(result.displaced, 'replaced', now);
    const entry = result.entry;
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
    this.releaseSource(entry, entry.observed, now);
    if (this.keepsReplay) {
      // The replay record goes back to the authorizer: a captured Register must stay refused.
      const ts = registry.local.registeredAt(entry);
      if (!Number.isNaN(ts)) authorizer.release?.(entry.id, ts, wallClock(now));
    }
    emit({ type: 'leave', peer: peerRef(entry), reason });
  }

  /** The entry no longer holds `at`: the endpoint's bucket goes back to an (unproven) source account. */
  private releaseSource(entry: RegistryEntry, at: Endpoint, now: number): void {
    const local = this.deps.registry.local;
    this.deps.sources.takeBack(endpointKey(at), local.bucketTokens(entry, Bucket.Source), local.bucketLast(entry, Bucket.Source), now);
  }
}
