// Two Conversations wired back to back with a fake clock: what one sends reaches the other
// after `latencyMs` (through the real codec, so every frame must encode), unless `drop`
// says otherwise. Verify outputs are accepted at once (the engine's TOFU is not under test
// here); everything else a side outputs is recorded in `seen`.

import { Conversation, type ConversationOutput } from '../../../client/core/conversation.ts';
import type { OutgoingChat } from '../../../client/core/chat-message.ts';
import type { Path } from '../../../client/core/punch.ts';
import { decode, encode } from '../../../src/codec.ts';
import { Identity } from '../../../src/crypto/identity.ts';
import type { Timings } from '../../../src/timings.ts';
import { MsgType, type Message } from '../../../src/wire.ts';

export type Side = 'a' | 'b';

interface InFlight {
  at: number;
  to: Side;
  msg: Message;
}

export interface PairOptions {
  latencyMs?: number;
  timings?: Partial<Timings>;
}

export const identityA = Identity.fromSeed(new Uint8Array(32).fill(1)) as Identity;
export const identityB = Identity.fromSeed(new Uint8Array(32).fill(2)) as Identity;
const PATH_TO: Record<Side, Path> = { a: { kind: 'direct', addr: ['192.0.2.1', 4000] }, b: { kind: 'direct', addr: ['192.0.2.2', 4001] } };
const other = (s: Side): Side => (s === 'a' ? 'b' : 'a');

let nextMsgId = 1;
/** An OutgoingChat with a fresh msgId (not random: reproducible), for tests. */
export function chat(text: string, seq: number, sentAt = 1_700_000_000_000, ref: unknown = text): OutgoingChat {
  return { msgId: (nextMsgId++).toString(16).padStart(32, '0'), seq, text, sentAt, ref };
}

export class ConversationPair {
  now = 0;
  readonly conv: Record<Side, Conversation>;
  readonly seen: Record<Side, ConversationOutput[]> = { a: [], b: [] };
  /** Datagrams put on the wire by each side, decoded. */
  readonly wire: Record<Side, Message[]> = { a: [], b: [] };
  /** Punch probes each side asked for (re-punching a stale path). */
  readonly punches: Record<Side, number> = { a: 0, b: 0 };
  /** Return true to lose a datagram. */
  drop: (from: Side, msg: Message) => boolean = () => false;
  private queue: InFlight[] = [];
  private readonly latencyMs: number;

  constructor(opts: PairOptions = {}) {
    this.latencyMs = opts.latencyMs ?? 10;
    const options = { timings: opts.timings };
    this.conv = {
      a: new Conversation(identityB.id, 'bob', 0xa1, 0, identityA, options),
      b: new Conversation(identityA.id, 'alice', 0xb2, 0, identityB, options),
    };
  }

  get a(): Conversation {
    return this.conv.a;
  }

  get b(): Conversation {
    return this.conv.b;
  }

  /** Both sides confirm the direct path (as after a punch) and run until both are connected. */
  open(): this {
    // As an introduction would: each side knows the other's address as a candidate.
    this.a.punch.addDirect('public', (PATH_TO.b as { addr: [string, number] }).addr);
    this.b.punch.addDirect('public', (PATH_TO.a as { addr: [string, number] }).addr);
    this.a.confirmPath(PATH_TO.b, this.b.localCid, this.now);
    this.b.confirmPath(PATH_TO.a, this.a.localCid, this.now);
    this.pump();
    this.run(this.now + 2_000);
    if (this.a.state !== 'connected' || this.b.state !== 'connected') throw new Error(`not connected: ${this.a.state}/${this.b.state}`);
    return this;
  }

  /** Outputs of `side` of one kind, seen so far. */
  of<K extends ConversationOutput['kind']>(side: Side, kind: K): Extract<ConversationOutput, { kind: K }>[] {
    return this.seen[side].filter((o) => o.kind === kind) as Extract<ConversationOutput, { kind: K }>[];
  }

  /** Moves the clock event by event (arrivals and timeouts) up to `until`. */
  run(until: number): void {
    for (let steps = 0; ; steps++) {
      if (steps > 1_000_000) throw new Error(`no progress at ${this.now}: a timeout that handleTimeout does not move`);
      const timeouts = (['a', 'b'] as Side[]).map((s) => this.conv[s].nextTimeout() ?? Infinity);
      const arrival = this.queue.length ? Math.min(...this.queue.map((f) => f.at)) : Infinity;
      const next = Math.min(arrival, ...timeouts);
      if (next > until) break;
      this.now = Math.max(this.now, next);
      if (arrival <= this.now) {
        const due = this.queue.filter((f) => f.at <= this.now);
        this.queue = this.queue.filter((f) => f.at > this.now);
        for (const f of due) this.deliver(f.to, f.msg);
      } else {
        for (const s of ['a', 'b'] as Side[]) {
          if ((this.conv[s].nextTimeout() ?? Infinity) > this.now) continue;
          this.conv[s].handleTimeout(this.now);
          // The engine sends these as Punch messages; here they are only counted (no path answers them).
          this.punches[s] += this.conv[s].duePunches(this.now).length;
        }
      }
      this.pump();
    }
    this.now = Math.max(this.now, until);
  }

  /** Drains both sides' outputs: datagrams go on the wire, verify is accepted, the rest recorded. */
  pump(): void {
    for (let busy = true; busy; ) {
      busy = false;
      for (const side of ['a', 'b'] as Side[]) {
        const conv = this.conv[side];
        for (let o = conv.pollOutput() ?? conv.takeSealed(); o; o = conv.pollOutput() ?? conv.takeSealed()) {
          busy = true;
          if (o.kind === 'send') this.transmit(side, o.msg);
          else if (o.kind === 'verify') conv.acceptIdentity(this.now);
          else this.seen[side].push(o);
        }
      }
    }
  }

  private transmit(from: Side, msg: Message): void {
    const decoded = decode(encode(msg));
    if (!decoded.ok) throw new Error(`${from} sent an undecodable datagram: ${decoded.reason}`);
    this.wire[from].push(decoded.msg);
    if (this.drop(from, decoded.msg)) return;
    this.queue.push({ at: this.now + this.latencyMs, to: other(from), msg: decoded.msg });
  }

  private deliver(to: Side, msg: Message): void {
    const conv = this.conv[to];
    const via = PATH_TO[other(to)];
    if (msg.t === MsgType.Handshake) conv.receiveHandshake(msg, via, this.now);
    else if (msg.t === MsgType.Sealed) conv.receiveSealed(msg, via, this.now);
  }
}
