// Address tokens: what a client echoes to prove it receives datagrams at the address it
// sends from (RFC 9000 §8.1's address validation, stateless like QUIC's Retry tokens and
// WireGuard's cookies). token = HMAC-SHA256(secret, "natter-token-v1" | epoch | id | host | port),
// truncated. The secret is random per process, so a restarted server refuses old tokens
// and the client registers again with a signature. Only the address a Registered went to
// ever sees the token; echoing it proves that address, and binds it to the id.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { DISCOVERY_TOKEN_BYTES, DISCOVERY_TOKEN_EPOCH_MS } from '../../src/constants.ts';
import type { Endpoint } from '../../src/wire.ts';

export class AddressTokens {
  private readonly secret: Buffer;

  constructor(
    secret: Uint8Array = randomBytes(32),
    private readonly epochMs: number = DISCOVERY_TOKEN_EPOCH_MS,
  ) {
    this.secret = Buffer.from(secret);
  }

  /** The token for `id` at `addr`, in the epoch of `now`. */
  issue(id: string, addr: Endpoint, now: number): Uint8Array {
    return this.mac(id, addr, this.epochOf(now));
  }

  /** True when `token` was issued for `id` at `addr` in this epoch or the previous one. */
  verify(id: string, addr: Endpoint, token: Uint8Array, now: number): boolean {
    if (token.length !== DISCOVERY_TOKEN_BYTES) return false;
    const epoch = this.epochOf(now);
    return timingSafeEqual(this.mac(id, addr, epoch), token) || (epoch > 0 && timingSafeEqual(this.mac(id, addr, epoch - 1), token));
  }

  epochOf(now: number): number {
    return Math.max(0, Math.floor(now / this.epochMs));
  }

  private mac(id: string, addr: Endpoint, epoch: number): Buffer {
    // '\n' cannot occur in an id (hex) or a host (IP literal): the fields cannot run together.
    return createHmac('sha256', this.secret).update(`natter-token-v1\n${epoch}\n${id}\n${addr[0]}\n${addr[1]}`).digest().subarray(0, DISCOVERY_TOKEN_BYTES);
  }
}
