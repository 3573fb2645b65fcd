// Everything the server sends goes through here: encoding (a reply that does not encode is
// dropped, never thrown), the bounded transmit queue, the out counters, the anti-amplification
// budget of unproven sources, the server-wide limit on error replies, the signature on
// every Introduce (for its recipient) and the MAC on what a listed client receives.

import { encode } from '../../src/codec.ts';
import { SERVER_TRANSMIT_QUEUE_MAX } from '../../src/constants.ts';
import { Fifo } from '../../src/fifo.ts';
import { isMaccable } from '../../src/crypto/server-mac.ts';
import { MsgType, type Endpoint, type Message, type MessageOf } from '../../src/wire.ts';
import type { DropSink } from './drop-summary.ts';
import type { SourceAccount, SourceAccounts } from './source-accounts.ts';

/** Stable codes of the ServerError replies. */
export const ServerErrorCode = {
  NotRegistered: 'NOT_REGISTERED',
  UnknownPeer: 'UNKNOWN_PEER',
  BadRequest: 'BAD_REQUEST',
  Unauthorized: 'UNAUTHORIZED',
  /** The Register's name is not a valid, normalised name (src/names.ts). */
  BadName: 'BAD_NAME',
  /** The Register names another server's key, or none: carries ours (`key`), unsigned. */
  WrongServer: 'WRONG_SERVER',
} as const;

export type Transmit = { to: Endpoint; bytes: Uint8Array };

/** What the protocol parts may send. `src` undefined: the destination is a listed (proven) endpoint. */
export interface Replies {
  /** To a proven endpoint (a listed entry, or the target of an introduction or relay). */
  send(to: Endpoint, msg: Message): boolean;
  sendBytes(to: Endpoint, bytes: Uint8Array): boolean;
  encode(msg: Message): Uint8Array | undefined;
  /** `msg` with the MAC of the client listed at `to` (src/crypto/server-mac.ts), if one is listed there. */
  authenticate(to: Endpoint, msg: Message): Message;
  /**
   * To the source of a request: within its byte budget until its address is proven. When
   * `msg` does not fit that budget, `smaller()` is tried instead (if given).
   */
  reply(src: SourceAccount | undefined, to: Endpoint, msg: Message, smaller?: () => Message): void;
  /** A ServerError reply, within the server-wide error budget (and the source's byte budget). */
  error(src: SourceAccount | undefined, to: Endpoint, now: number, code: string, message: string, target?: string): void;
  /** WRONG_SERVER with our public key, within the same budgets as `error`. */
  wrongServer(src: SourceAccount | undefined, to: Endpoint, now: number, key: Uint8Array): void;
}

export interface OutboxDeps {
  drops: DropSink;
  sources: SourceAccounts;
  /** True when a listed entry holds `at` (the address is proven). */
  isListed: (at: Endpoint) => boolean;
  takeErrorReply: (now: number) => boolean;
  /** Signs an Introduce for the client listed at `to` (undefined: nobody is listed there). */
  signIntroduce?: (to: Endpoint, msg: MessageOf<typeof MsgType.Introduce>) => Message | undefined;
  /** MACs a message for the client listed at `to` (unchanged when nobody is listed there). */
  authenticate?: (to: Endpoint, msg: Message) => Message;
}

export class Outbox implements Replies {
  private readonly queue = new Fifo<Transmit>(SERVER_TRANSMIT_QUEUE_MAX);
  datagramsOut = 0;
  bytesOut = 0;

  constructor(private readonly deps: OutboxDeps) {}

  poll(): Transmit | undefined {
    return this.queue.shift();
  }

  send(to: Endpoint, msg: Message): boolean {
    if (!this.queue.hasRoom()) {
      this.deps.drops.add('transmit-queue-full');
      return false;
    }
    if (msg.t === MsgType.Introduce && this.deps.signIntroduce) {
      // An Introduce aims its recipient's probes: it is signed for that recipient (rare: Connects are rate-limited).
      const signed = this.deps.signIntroduce(to, msg);
      if (!signed) {
        this.deps.drops.add('introduce-unlisted');
        return false;
      }
      msg = signed;
    }
    const bytes = this.encode(this.authenticate(to, msg));
    return bytes !== undefined && this.sendBytes(to, bytes);
  }

  authenticate(to: Endpoint, msg: Message): Message {
    // A Registered with `ssig` is signed already; a source that is not listed has no key.
    if (!this.deps.authenticate || !isMaccable(msg) || (msg.t === MsgType.Registered && msg.ssig !== undefined)) return msg;
    return this.deps.authenticate(to, msg);
  }

  sendBytes(to: Endpoint, bytes: Uint8Array): boolean {
    if (!this.queue.hasRoom()) {
      this.deps.drops.add('transmit-queue-full');
      return false;
    }
    this.queue.push({ to, bytes });
    this.datagramsOut++;
    this.bytesOut += bytes.length;
    return true;
  }

  encode(msg: Message): Uint8Array | undefined {
    try {
      return encode(msg);
    } catch {
      // e.g. a Relay that fits 1200 bytes whose Relayed (longer sender id) does not.
      this.deps.drops.add('reply-oversized');
      return undefined;
    }
  }

  reply(src: SourceAccount | undefined, to: Endpoint, msg: Message, smaller?: () => Message): void {
    if (src === undefined || this.isProven(src, to)) {
      this.send(to, msg);
      return;
    }
    let bytes = this.encode(msg);
    if (bytes !== undefined && smaller && !this.deps.sources.fits(src, bytes.length)) bytes = this.encode(smaller());
    if (bytes === undefined) return;
    if (!this.deps.sources.fits(src, bytes.length)) {
      this.deps.drops.add('amplification-limit');
      return;
    }
    if (this.sendBytes(to, bytes)) this.deps.sources.charge(src, bytes.length);
  }

  error(src: SourceAccount | undefined, to: Endpoint, now: number, code: string, message: string, target?: string, key?: Uint8Array): void {
    if (!this.deps.takeErrorReply(now)) {
      this.deps.drops.add('error-reply-rate-limited');
      return;
    }
    const msg: Message = { t: MsgType.ServerError, code, message, ...(target !== undefined ? { target } : {}), ...(key !== undefined ? { key } : {}) };
    if (src) this.reply(src, to, msg);
    else this.send(to, msg);
  }

  wrongServer(src: SourceAccount | undefined, to: Endpoint, now: number, key: Uint8Array): void {
    this.error(src, to, now, ServerErrorCode.WrongServer, '', undefined, key);
  }

  /** A source is proven once it echoed a token; the registry listing its endpoint says so too. */
  isProven(src: SourceAccount, from: Endpoint): boolean {
    if (!src.proven && this.deps.isListed(from)) src.proven = true;
    return src.proven;
  }
}
