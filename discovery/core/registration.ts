// Registration: Register, Heartbeat and Leave (see the protocol at the top of server-engine.ts).
// A signed Register earns an address token; the token echoed from the same address proves
// it, and only then is the entry listed (Admission). Registrations waiting for that echo are
// held in a capped map, swept after PENDING_REGISTRATION_TTL_MS.
//
// A Register is for this server only: it names our public key (`srv`, signed), else it is
// refused with WRONG_SERVER and our key. Our answer is signed with that key, so the client
// knows who listed it. A Register that would displace or move an entry (another id at this
// address, or this id at another one) only earns a token: it takes effect when the token
// comes back from that address, which a spoofed source never sees. Names must already be
// normalised and valid (BAD_NAME otherwise); self-reported LAN candidates outside the LAN
// ranges are dropped (src/candidates.ts).

import { sameEndpoint } from '../../src/address.ts';
import { lanCandidates } from '../../src/candidates.ts';
import { bytesEqual } from '../../src/crypto/bytes.ts';
import type { Identity } from '../../src/crypto/identity.ts';
import { clientMacKey, sealMacKey } from '../../src/crypto/server-mac.ts';
import { signRegistered } from '../../src/crypto/signed.ts';
import { isValidName } from '../../src/names.ts';
import { HEARTBEAT_BURST, HEARTBEAT_RATE_PER_S, MAX_PENDING_REGISTRATIONS, PENDING_REGISTRATION_TTL_MS, REGISTER_BURST, REGISTER_RATE_PER_S } from '../../src/constants.ts';
import { MsgType, type Endpoint, type Message, type MessageOf } from '../../src/wire.ts';
import { BoundedMap } from '../data/bounded-map.ts';
import type { AddressTokens } from './address-token.ts';
import type { Admission } from './admission.ts';
import type { DropSink } from './drop-summary.ts';
import { ServerErrorCode, type Replies } from './outbox.ts';
import { Bucket, type RateLimits } from './rate-limits.ts';
import type { RegisterAuthorizer } from './register-auth.ts';
import type { Registry, RegistryEntry } from './registry.ts';
import type { SourceAccount } from './source-accounts.ts';

interface Pending {
  readonly name: string;
  readonly lan: readonly Endpoint[];
  readonly observed: Endpoint;
  readonly at: number;
}

export interface RegistrationDeps {
  registry: Registry;
  admission: Admission;
  authorizer: RegisterAuthorizer;
  tokens: AddressTokens;
  limits: RateLimits;
  out: Replies;
  drops: DropSink;
  /** The TTL told to clients in Registered. */
  ttlMs: number;
  wallClock: (now: number) => number;
  /** This server's long-term key: registrations must name it, answers are signed with it. */
  serverKey: Identity;
  /** The MAC master key (server-mac.ts): each answer to a Register carries that client's key, sealed. */
  macMaster: Uint8Array;
}

export class Registration {
  private readonly pending = new BoundedMap<string, Pending>(MAX_PENDING_REGISTRATIONS);

  constructor(private readonly deps: RegistrationDeps) {}

  /** Registrations waiting for their token to come back. */
  get pendingCount(): number {
    return this.pending.size;
  }

  onRegister(msg: MessageOf<typeof MsgType.Register>, from: Endpoint, src: SourceAccount | undefined, now: number): void {
    const { registry, admission, authorizer, tokens, limits, out, drops, ttlMs, serverKey } = this.deps;
    // The cheap refusals first: no signature is checked for a name or a server that is wrong anyway.
    if (!isValidName(msg.name)) {
      drops.add('register-bad-name');
      out.error(src, from, now, ServerErrorCode.BadName, '');
      return;
    }
    if (!msg.srv || !bytesEqual(msg.srv, serverKey.publicKey)) {
      // For another server (a replay), or the client does not know our key yet: tell it (a hint; it pins only a signed Registered).
      drops.add(msg.srv ? 'register-wrong-server' : 'register-no-server-key');
      out.wrongServer(src, from, now, serverKey.publicKey);
      return;
    }
    const existing = registry.get(msg.id);
    // A listed id's replay record lives in its entry's columns (see RegisterAuthorizer).
    const kept = existing !== undefined && admission.keepsReplay ? registry.local.registeredAt(existing) : undefined;
    const verdict = authorizer.authorize(msg, from, existing, this.deps.wallClock(now), kept);
    if (verdict !== 'ok') {
      drops.add(`register-${verdict}`);
      out.error(src, from, now, ServerErrorCode.Unauthorized, verdict);
      return;
    }
    if (kept !== undefined && existing !== undefined) registry.local.setRegisteredAt(existing, msg.ts);
    // Charged to the identity only once the signature holds: no one can drain someone else's allowance.
    if (!limits.take(msg.id, existing, Bucket.Register, now, REGISTER_RATE_PER_S, REGISTER_BURST)) {
      drops.add('register-rate-limited');
      return;
    }
    const token = tokens.issue(msg.id, from, now);
    const observed: Endpoint = [from[0], from[1]];
    const lan = lanCandidates(msg.lan);
    // The client's MAC key for the entry this Register lists (keyed by its timestamp, the entry's replay record).
    const mk = sealMacKey(clientMacKey(this.deps.macMaster, msg.id, admission.keepsReplay ? msg.ts : 0), msg.pk);
    const ssig = signRegistered(serverKey, { registerSig: msg.sig, observed, token, mk });
    if (existing !== undefined && sameEndpoint(existing.observed, from)) {
      // This id, listed at this very address (a rename, a re-register after a lost reply): it displaces nobody.
      this.pending.delete(msg.id);
      if (!admission.admit({ id: msg.id, name: msg.name, lan, observed }, now)) return; // refused by a cap per IP
      out.reply(src, from, { t: MsgType.Registered, observed, ttlMs, token, proven: true, ssig, ...(mk ? { mk } : {}) });
      return;
    }
    // New, moving, or taking an address another id holds: only once the token comes back from here.
    this.pending.set(msg.id, { name: msg.name, lan, observed, at: now });
    // A Register not padded to REGISTER_MIN_BYTES (not natter's client) gets no MAC key rather than no answer.
    const withoutKey = (): Message => ({ t: MsgType.Registered, observed, ttlMs, token, ssig: signRegistered(serverKey, { registerSig: msg.sig, observed, token }) });
    out.reply(src, from, { t: MsgType.Registered, observed, ttlMs, token, ssig, ...(mk ? { mk } : {}) }, withoutKey);
  }

  /**
   * True when `token` is the address token of the entry listed at `from` (what a request
   * must carry when its answer is larger than it: ListPeers, Connect).
   */
  holdsToken(entry: RegistryEntry, from: Endpoint, token: Uint8Array | undefined, now: number): boolean {
    if (token === undefined) return false;
    const { registry, tokens } = this.deps;
    return registry.local.tokenMatches(entry, tokens.epochOf(now), token) || tokens.verify(entry.id, from, token, now);
  }

  onHeartbeat(msg: MessageOf<typeof MsgType.Heartbeat>, from: Endpoint, src: SourceAccount | undefined, now: number): void {
    const { registry, admission, tokens, limits, out, drops, ttlMs } = this.deps;
    const entry = registry.get(msg.id);
    const here = entry !== undefined && sameEndpoint(entry.observed, from);
    // The listed entry remembers this epoch's token for (id, this address): one comparison
    // instead of an HMAC to check it and another to issue it again.
    const epoch = tokens.epochOf(now);
    const cached = here && registry.local.tokenMatches(entry, epoch, msg.token);
    const valid = cached || tokens.verify(msg.id, from, msg.token, now);
    if (!valid) {
      // A stolen token, a NAT rebinding or a restarted server: the client signs a fresh Register.
      drops.add('heartbeat-bad-token');
      out.error(src, from, now, ServerErrorCode.Unauthorized, '');
      return;
    }
    if (src) src.proven = true;
    if (!limits.take(msg.id, entry, Bucket.Heartbeat, now, HEARTBEAT_RATE_PER_S, HEARTBEAT_BURST)) {
      drops.add('heartbeat-rate-limited');
      return;
    }
    let listed: RegistryEntry | undefined;
    if (here) {
      listed = admission.admit({ id: entry.id, name: entry.name, lan: entry.lan, observed: from }, now);
    } else {
      const pending = this.pending.peek(msg.id);
      if (!pending || !sameEndpoint(pending.observed, from)) {
        drops.add('heartbeat-not-registered'); // expired, or the pending registration was forgotten
        out.error(src, from, now, ServerErrorCode.NotRegistered, '');
        return;
      }
      this.pending.delete(msg.id);
      listed = admission.admit({ id: msg.id, name: pending.name, lan: pending.lan, observed: from }, now);
    }
    if (!listed) return; // refused by a cap per IP
    // The address is proven (src.proven above): no amplification budget applies.
    const reuse = cached && listed === entry;
    const token = reuse ? registry.local.token(listed) : tokens.issue(msg.id, from, now);
    const bytes = out.encode(out.authenticate(from, { t: MsgType.Registered, observed: [from[0], from[1]], ttlMs, token, proven: true }));
    if (bytes === undefined) return;
    if (!reuse && sameEndpoint(listed.observed, from)) registry.local.setToken(listed, token, epoch);
    out.sendBytes(from, bytes);
  }

  onLeave(msg: MessageOf<typeof MsgType.Leave>, from: Endpoint, now: number): void {
    const { registry, admission, tokens, drops } = this.deps;
    // Only the holder, from the address it proved, may end an entry; anyone else could evict peers at will.
    if (!msg.token || !tokens.verify(msg.id, from, msg.token, now)) {
      drops.add('leave-unauthorized');
      return;
    }
    const pending = this.pending.peek(msg.id);
    if (pending && sameEndpoint(pending.observed, from)) this.pending.delete(msg.id);
    const entry = registry.get(msg.id);
    if (!entry || !sameEndpoint(entry.observed, from)) {
      drops.add('leave-not-registered');
      return;
    }
    registry.remove(entry.id);
    admission.forget(entry, 'left', now);
  }

  sweep(now: number): void {
    this.pending.sweepOldest((p) => p.at < now - PENDING_REGISTRATION_TTL_MS);
  }
}
