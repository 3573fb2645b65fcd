// Splitting a message into datagram-sized fragments, and putting them back together.
// Fragments of one message carry consecutive seqs; every one but the last says `more`.

/** Splits `body` into views of at most `maxBytes` each; an empty message is one empty fragment. */
export function splitIntoFragments(body: Uint8Array, maxBytes: number): Uint8Array[] {
  if (body.length === 0) return [body];
  const parts: Uint8Array[] = [];
  for (let at = 0; at < body.length; at += maxBytes) parts.push(body.subarray(at, at + maxBytes));
  return parts;
}

/**
 * Collects in-order fragments until one without `more`. A peer that never ends a message
 * must not grow our memory without bound: past `maxMessageBytes` the message is discarded
 * (the rest of its fragments are swallowed) and reported as oversized.
 */
export class Reassembler {
  private parts: Uint8Array[] = [];
  private bytes = 0;
  private discarding = false;

  constructor(private readonly maxMessageBytes: number) {}

  /** True when the next fragment starts a new message. */
  get atMessageStart(): boolean {
    return this.parts.length === 0 && !this.discarding;
  }

  /** Returns the whole message on its last fragment, 'oversized' if it was discarded, else undefined. */
  push(body: Uint8Array, more: boolean): Uint8Array | 'oversized' | undefined {
    if (!this.discarding) {
      this.bytes += body.length;
      if (this.bytes > this.maxMessageBytes) {
        this.discarding = true;
        this.parts = [];
      } else {
        this.parts.push(body);
      }
    }
    if (more) return undefined;
    if (this.discarding) {
      this.reset();
      return 'oversized';
    }
    const whole = this.parts.length === 1 ? this.parts[0]! : concat(this.parts, this.bytes);
    this.reset();
    return whole;
  }

  private reset(): void {
    this.parts = [];
    this.bytes = 0;
    this.discarding = false;
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
