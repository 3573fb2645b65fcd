// The operator's side of the status request, sans-IO: which servers are watched, when each is
// asked next (every STATUS_PROBE_INTERVAL_MS, a fresh random nonce each time), which replies
// are believed, and when a silent server is down (STATUS_DOWN_AFTER_MS without a believed
// reply: about three missed replies, so a stopped server shows down within 5 s).
//
// A reply is believed only when it answers one of our outstanding nonces for that server and
// is signed by the key we hold for it: the key given with the address, else the first key
// that signed a valid answer this run (trust on first use). A spoofer without the key can
// therefore never make a server look up, and an old reply cannot be replayed (its nonce is
// spent). discovery/edge/status-probe.ts binds it to a socket and a timer.

import { endpointKey } from '../../src/address.ts';
import { DropCounter, decode } from '../../src/codec.ts';
import { bytesEqual } from '../../src/crypto/bytes.ts';
import { Fifo } from '../../src/fifo.ts';
import type { Engine } from '../../src/net/transport.ts';
import { MsgType, STATUS_NONCE_BYTES, endpointToString, type Endpoint } from '../../src/wire.ts';
import { statusRequest, verifyStatus, type StatusReply } from './status.ts';

export const STATUS_PROBE_INTERVAL_MS = 1_000;
/** Three missed replies (and a little slack for a busy machine): down within 5 s of the last reply. */
export const STATUS_DOWN_AFTER_MS = 3_200;
/** Nonces kept per server: a reply later than this many requests is not believed. */
const OUTSTANDING_NONCES = 4;

export interface ServerStatus {
  up: boolean;
  /** The last believed reply. */
  reply?: StatusReply;
  /** Wall-clock ms of the last believed reply. */
  lastSeen?: number;
}

export interface StatusChange {
  /** HOST:PORT as watched. */
  addr: string;
  status: ServerStatus;
}

interface Watched {
  readonly addr: Endpoint;
  readonly label: string;
  /** Given with the address, or pinned by the first believed reply (TOFU). */
  key: Uint8Array | undefined;
  readonly keyGiven: boolean;
  nonces: Uint8Array[];
  nextAskAt: number;
  /** Monotonic `now` of the last believed reply; undefined: none yet. */
  lastReplyAt: number | undefined;
  /** Since when we watch (a server never heard of is down after the same silence). */
  readonly since: number;
  status: ServerStatus | undefined;
}

export interface StatusWatchOptions {
  /** Fresh random bytes for each nonce. */
  random: (n: number) => Uint8Array;
  wallClock: (now: number) => number;
  intervalMs?: number;
  downAfterMs?: number;
}

export class StatusWatch implements Engine<StatusChange> {
  /** Replies not believed, by reason. */
  readonly drops = new DropCounter();
  private readonly watched = new Map<string, Watched>();
  private readonly out = new Fifo<{ to: Endpoint; bytes: Uint8Array }>();
  private readonly changes = new Fifo<StatusChange>();
  private readonly intervalMs: number;
  private readonly downAfterMs: number;

  constructor(private readonly options: StatusWatchOptions) {
    this.intervalMs = options.intervalMs ?? STATUS_PROBE_INTERVAL_MS;
    this.downAfterMs = options.downAfterMs ?? STATUS_DOWN_AFTER_MS;
  }

  /** Starts watching `addr` (asked at once); `key`: the server's public key, else the first one that answers. */
  watch(addr: Endpoint, key: Uint8Array | undefined, now: number): void {
    const k = endpointKey(addr);
    if (this.watched.has(k)) return;
    this.watched.set(k, { addr, label: endpointToString(addr), key, keyGiven: key !== undefined, nonces: [], nextAskAt: now, lastReplyAt: undefined, since: now, status: undefined });
  }

  statusOf(addr: Endpoint): ServerStatus | undefined {
    return this.watched.get(endpointKey(addr))?.status;
  }

  handleTimeout(now: number): void {
    for (const w of this.watched.values()) {
      if (now >= w.nextAskAt) {
        const nonce = this.options.random(STATUS_NONCE_BYTES);
        w.nonces.push(nonce);
        if (w.nonces.length > OUTSTANDING_NONCES) w.nonces.shift();
        this.out.push({ to: w.addr, bytes: statusRequest(nonce) });
        w.nextAskAt = now + this.intervalMs;
      }
      const silentSince = w.lastReplyAt ?? w.since;
      if (w.status?.up !== false && now >= silentSince + this.downAfterMs) this.set(w, { ...w.status, up: false });
    }
  }

  receive(bytes: Uint8Array, from: Endpoint, now: number): void {
    const w = this.watched.get(endpointKey(from));
    if (w === undefined) return this.drops.add('status-unknown-source');
    const decoded = decode(bytes);
    if (!decoded.ok) return this.drops.add(decoded.reason);
    const msg = decoded.msg;
    if (msg.t !== MsgType.StatusReply) return this.drops.add('status-unexpected-type');
    const at = w.nonces.findIndex((n) => bytesEqual(n, msg.nonce));
    if (at < 0) return this.drops.add('status-unknown-nonce'); // replayed, or never asked
    if (w.key !== undefined && !bytesEqual(w.key, msg.pk)) return this.drops.add('status-wrong-key');
    if (!verifyStatus(w.key ?? msg.pk, msg)) return this.drops.add('status-bad-signature');
    w.key ??= Uint8Array.from(msg.pk); // trust on first use, for this run
    w.nonces.splice(0, at + 1); // spent, and every older one with it
    w.lastReplyAt = now;
    this.set(w, { up: true, reply: msg, lastSeen: Math.floor(this.options.wallClock(now)) });
  }

  pollTransmit(): { to: Endpoint; bytes: Uint8Array } | undefined {
    return this.out.shift();
  }

  pollEvent(): StatusChange | undefined {
    return this.changes.shift();
  }

  nextTimeout(): number | undefined {
    let next: number | undefined;
    for (const w of this.watched.values()) {
      const down = w.status?.up !== false ? (w.lastReplyAt ?? w.since) + this.downAfterMs : Infinity;
      const at = Math.min(w.nextAskAt, down);
      if (next === undefined || at < next) next = at;
    }
    return next;
  }

  private set(w: Watched, status: ServerStatus): void {
    w.status = status;
    this.changes.push({ addr: w.label, status });
  }
}
