// The authenticated status request: an operator's view asks any server "are you up, and how
// busy?" over UDP (discovery/edge/status-probe.ts) and gets a reply signed with the server's
// long-term key over the request's fresh nonce and every figure, so nobody but that server
// can make it look up, and an old reply cannot be replayed.
//
// It must not amplify: the request is padded to STATUS_REQUEST_MIN_BYTES and the reply is
// trimmed (fewest-counted drop reasons first) until it is no larger than the request that
// earned it; an unproven source's 1x byte account (outbox.ts) applies on top, and a
// server-wide bucket bounds the signatures a flood can cost. A flood can make a view see a
// server as down (the bucket runs dry); it can never make a down server look up.

import { encode, encodedSize } from '../../src/codec.ts';
import { encodeCanonical } from '../../src/crypto/canonical-cbor.ts';
import { signClaim, verifyClaim } from '../../src/crypto/signed.ts';
import type { Identity } from '../../src/crypto/identity.ts';
import { takeToken, type BucketState } from '../../src/token-bucket.ts';
import { MAX_STATUS_DROP_REASONS, MsgType, STATUS_REQUEST_MIN_BYTES, type Endpoint, type MessageOf } from '../../src/wire.ts';
import type { DropSink } from './drop-summary.ts';
import type { Replies } from './outbox.ts';
import type { ServerEvent } from './server-events.ts';
import type { SourceAccount } from './source-accounts.ts';

/** Status replies a server signs per second, whoever asks (a view asks each server about once a second). */
export const STATUS_REPLY_RATE_PER_S = 50;
export const STATUS_REPLY_BURST = 100;

const STATUS_DOMAIN = 'natter-status-v1';

export type StatusReply = MessageOf<typeof MsgType.StatusReply>;
export type StatusFigures = Omit<StatusReply, 't' | 'sig' | 'nonce' | 'pk'>;

/** A status request for `nonce`, padded to STATUS_REQUEST_MIN_BYTES (what the reply may be). */
export function statusRequest(nonce: Uint8Array): Uint8Array {
  const bare = encodedSize({ t: MsgType.StatusRequest, nonce, pad: new Uint8Array(0) });
  return encode({ t: MsgType.StatusRequest, nonce, pad: new Uint8Array(Math.max(0, STATUS_REQUEST_MIN_BYTES - bare - 2)) });
}

/** The exact bytes signed: every field of the reply but `sig`, in a fixed order. */
export function statusBytes(r: Omit<StatusReply, 't' | 'sig'>): Uint8Array | undefined {
  if (!(r.nonce instanceof Uint8Array) || !(r.pk instanceof Uint8Array) || !Array.isArray(r.drops)) return undefined;
  const drops = r.drops.map(([reason, n]) => [reason, n]);
  return encodeCanonical([STATUS_DOMAIN, r.nonce, r.pk, r.uptimeMs, r.clients, r.requests, r.introductions, r.relayedSessions, r.relayedBytes, r.mailboxDepth, drops]);
}

/** True when `reply` is signed by `key` and carries it as `pk`; never throws. */
export function verifyStatus(key: Uint8Array, reply: StatusReply): boolean {
  return verifyClaim(key, () => statusBytes(reply), reply.sig);
}

/** Counters the status reply tells that the server's other parts only emit as events. */
export class StatusCounters {
  introductions = 0;
  relayedSessions = 0;
  /** Bytes of relayed pairs that went idle (the active ones are added when asked). */
  private stoppedBytes = 0;

  observe(ev: ServerEvent): void {
    if (ev.type === 'introduction') this.introductions++;
    else if (ev.type === 'relay_start') this.relayedSessions++;
    else if (ev.type === 'relay_stop') this.stoppedBytes += ev.pair.bytes;
  }

  relayedBytes(activeBytes: number): number {
    return this.stoppedBytes + activeBytes;
  }
}

/** The figures as the engine gives them: drops as every reason with its count since start. */
export type StatusInput = Omit<StatusFigures, 'drops'> & { drops: Record<string, number> };

export interface StatusDeps {
  serverKey: Identity;
  out: Replies;
  drops: DropSink;
  figures: (now: number) => StatusInput;
}

/** Drop reasons as [reason, count], the largest first, at most MAX_STATUS_DROP_REASONS. */
export function dropPairs(drops: Record<string, number>): [string, number][] {
  return Object.entries(drops)
    .filter(([reason, n]) => reason.length >= 1 && reason.length <= 64 && n > 0)
    .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
    .slice(0, MAX_STATUS_DROP_REASONS);
}

export class StatusResponder {
  private readonly bucket: BucketState = { tokens: STATUS_REPLY_BURST, last: 0 };

  constructor(private readonly deps: StatusDeps) {}

  /** `requestBytes`: the size of the datagram that carried `msg` (the reply never exceeds it). */
  onRequest(msg: MessageOf<typeof MsgType.StatusRequest>, requestBytes: number, from: Endpoint, src: SourceAccount | undefined, now: number): void {
    const { serverKey, out, drops } = this.deps;
    if (!takeToken(this.bucket, now, STATUS_REPLY_RATE_PER_S, STATUS_REPLY_BURST)) {
      drops.add('status-rate-limited');
      return;
    }
    const { drops: counts, ...figures } = this.deps.figures(now);
    const pairs = dropPairs(counts);
    const reply = (): StatusReply => {
      const body = { nonce: msg.nonce, pk: serverKey.publicKey, ...figures, drops: pairs };
      return { t: MsgType.StatusReply, ...body, sig: signClaim(serverKey, statusBytes(body), 'status') };
    };
    // The signature has a fixed size: trim with a placeholder, sign once.
    const sized = (): number => encodedSize({ t: MsgType.StatusReply, nonce: msg.nonce, pk: serverKey.publicKey, ...figures, drops: pairs, sig: new Uint8Array(64) });
    while (pairs.length > 0 && sized() > requestBytes) pairs.pop();
    if (sized() > requestBytes) {
      drops.add('status-request-too-small'); // not padded: it would earn more than it sent
      return;
    }
    out.reply(src, from, reply());
  }
}
