// Path validation of an open conversation, sans-IO, as QUIC's (RFC 9000 §8.2): a conversation
// moves to a new address only once the peer has proven it receives there. We send a sealed
// PathChallenge with fresh random bytes to the address; only the peer can open it, and only
// if it arrives there; its sealed PathResponse echoes the bytes. Plaintext evidence (a Punch,
// a PunchAck, an Introduce) or an authentic frame from a new source address only *starts* a
// check: cids travel in clear and source addresses can be forged, so neither proves anything.
//
// Until an address is validated, what we send to it is budgeted (QUIC's anti-amplification
// rule): at most UNVALIDATED_SEND_FACTOR times the bytes that came from it, so a forged
// datagram cannot make us send more than a few times its size to a third party. Relay paths
// are not budgeted here: the server forwards only to the peer it names, by id.

import { MAX_PATH_CHECKS, PATH_CHALLENGE_BYTES, PATH_CHALLENGE_RETRY_MS, PATH_CHALLENGE_SENDS, PATH_CHALLENGE_TIMEOUT_MS, UNVALIDATED_SEND_FACTOR } from '../../src/constants.ts';
import { pathKey, type Path } from './punch.ts';

/**
 * What a sealed PathChallenge or PathResponse datagram costs at most on the wire: the Sealed
 * envelope (~30 bytes), the AEAD tag (16), the frame with its length (~25) and the data.
 */
export const PATH_FRAME_DATAGRAM_BYTES = 80 + PATH_CHALLENGE_BYTES;

interface Check {
  readonly path: Path;
  readonly data: Uint8Array;
  sends: number;
  nextSendAt: number;
  readonly expiresAt: number;
}

interface Budget {
  received: number;
  sent: number;
}

export class PathValidation {
  private readonly checks = new Map<string, Check>();
  /** Bytes from and to addresses not validated, by path key; bounded like the checks. */
  private readonly budgets = new Map<string, Budget>();

  constructor(private readonly randomBytes: (n: number) => Uint8Array) {}

  /** Bytes arrived from `path`, which is not the validated one: they allow 3× as many back. */
  credit(path: Path, bytes: number): void {
    if (path.kind !== 'direct') return;
    const key = pathKey(path);
    let b = this.budgets.get(key);
    if (!b) {
      if (this.budgets.size >= MAX_PATH_CHECKS * 2) this.budgets.delete(this.budgets.keys().next().value as string);
      b = { received: 0, sent: 0 };
      this.budgets.set(key, b);
    }
    b.received += bytes;
  }

  /** Takes `bytes` from the budget of an address not validated; false (and nothing taken) if over it. */
  spend(path: Path, bytes: number): boolean {
    if (path.kind !== 'direct') return true;
    const b = this.budgets.get(pathKey(path));
    if (!b || b.sent + bytes > UNVALIDATED_SEND_FACTOR * b.received) return false;
    b.sent += bytes;
    return true;
  }

  /** Starts checking `path` unless a check of it runs or MAX_PATH_CHECKS do. */
  start(path: Path, now: number): void {
    const key = pathKey(path);
    const running = this.checks.get(key);
    if (running && now < running.expiresAt) return;
    this.checks.delete(key);
    this.expire(now);
    if (this.checks.size >= MAX_PATH_CHECKS) return;
    this.checks.set(key, { path, data: this.randomBytes(PATH_CHALLENGE_BYTES), sends: 0, nextSendAt: now, expiresAt: now + PATH_CHALLENGE_TIMEOUT_MS });
  }

  /** True while a check of `path` waits for its answer. */
  checking(path: Path): boolean {
    return this.checks.has(pathKey(path));
  }

  /** The challenges to send now. The caller charges each against the budget (see spend). */
  due(now: number): { path: Path; data: Uint8Array }[] {
    this.expire(now);
    const out: { path: Path; data: Uint8Array }[] = [];
    for (const c of this.checks.values()) {
      if (c.sends >= PATH_CHALLENGE_SENDS || now < c.nextSendAt) continue;
      c.sends++;
      c.nextSendAt = now + PATH_CHALLENGE_RETRY_MS;
      out.push({ path: c.path, data: c.data });
    }
    return out;
  }

  /** A PathResponse's data: the path it validates (its check and budget end), or undefined. */
  answered(data: Uint8Array): Path | undefined {
    for (const [key, c] of this.checks) {
      if (c.data.length !== data.length || !c.data.every((b, i) => b === data[i])) continue;
      this.checks.delete(key);
      this.budgets.delete(key);
      return c.path;
    }
    return undefined;
  }

  nextTimeout(): number | undefined {
    let next: number | undefined;
    for (const c of this.checks.values()) {
      const at = c.sends < PATH_CHALLENGE_SENDS ? c.nextSendAt : c.expiresAt;
      if (next === undefined || at < next) next = at;
    }
    return next;
  }

  private expire(now: number): void {
    for (const [key, c] of this.checks) if (now >= c.expiresAt) this.checks.delete(key);
  }
}
