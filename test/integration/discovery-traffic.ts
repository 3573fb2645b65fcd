// Hostile and misdirected discovery traffic for the amplification, fuzz and flood tests:
// every request type, valid and forged, and mutations of valid datagrams (bit flips,
// truncation, type swaps, huge lengths, CBOR tags). Seeded: the same seed, the same bytes.

import { encode as cborEncode } from 'cbor-x';
import { encode } from '../../src/codec.ts';
import { PROTOCOL_VERSION } from '../../src/constants.ts';
import { Identity } from '../../src/crypto/identity.ts';
import { signRegistration } from '../../src/crypto/signed.ts';
import { MsgType, type Endpoint, type MessageOf } from '../../src/wire.ts';

export { seededRandom } from '../helpers/prng.ts';

/** A fixed server key for tests: servers started with it accept registrations signed for it. */
export const TEST_SERVER_KEY = Identity.fromSeed(new Uint8Array(32).fill(77)) as Identity;

export function signedRegister(who: Identity, name: string, ts: number, lan: Endpoint[] = [], server: Uint8Array = TEST_SERVER_KEY.publicKey): MessageOf<typeof MsgType.Register> {
  const proof = signRegistration(who, { id: who.id, name, lan, timestamp: ts, server });
  return { t: MsgType.Register, id: who.id, name, lan, pk: proof.publicKey, ts, sig: proof.signature, srv: server };
}

export class TrafficGenerator {
  private readonly identities: Identity[];
  private readonly templates: Uint8Array[];
  private ts: number;

  /** `wallNow`: the server's wall clock, for registrations that pass the freshness check. */
  constructor(
    private readonly random: () => number,
    wallNow: number,
    /** Ids of real clients: targets for Connect, Relay, stolen-token heartbeats and Leaves. */
    private readonly victims: string[] = [],
  ) {
    this.ts = wallNow;
    this.identities = Array.from({ length: 8 }, (_, i) => Identity.fromSeed(new Uint8Array(32).fill(200 + i)) as Identity);
    // A fixed set of valid datagrams to mutate (signing is slow: done once).
    this.templates = this.identities.map((who, i) => encode(signedRegister(who, `m${i}`, wallNow + i, [['10.0.0.1', 4000 + i]])));
    this.templates.push(
      encode({ t: MsgType.Heartbeat, id: this.identities[0]!.id, token: new Uint8Array(16) }),
      encode({ t: MsgType.ListPeers, ver: 3, cursor: 'ab' }),
      encode({ t: MsgType.Connect, target: 'cd'.repeat(16) }),
      encode({ t: MsgType.Leave, id: 'ef'.repeat(16), token: new Uint8Array(16) }),
      encode({ t: MsgType.Relay, to: 'ab'.repeat(16), data: new Uint8Array(200) }),
    );
  }

  private int(n: number): number {
    return Math.floor(this.random() * n);
  }

  private bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  private victim(): string {
    return this.victims.length ? this.pick(this.victims) : 'ab'.repeat(16);
  }

  /** One datagram, and what kind it is (for reports). */
  next(): { kind: string; bytes: Uint8Array } {
    const r = this.int(20);
    switch (r) {
      case 0: {
        // A valid registration of a throwaway identity: the only signature the generator makes afresh.
        const who = this.pick(this.identities);
        return { kind: 'register-valid', bytes: encode(signedRegister(who, 'fuzz', ++this.ts)) };
      }
      case 1:
        return { kind: 'register-replayed', bytes: this.pick(this.templates.slice(0, 8)) };
      case 2:
        return { kind: 'heartbeat-forged', bytes: encode({ t: MsgType.Heartbeat, id: this.victim(), token: this.bytes(16) }) };
      case 3:
        return { kind: 'list', bytes: encode({ t: MsgType.ListPeers, ...(this.random() < 0.5 ? { ver: this.int(1000) } : {}) }) };
      case 4:
        return { kind: 'connect', bytes: encode({ t: MsgType.Connect, target: this.victim() }) };
      case 5:
        return { kind: 'leave-forged', bytes: encode({ t: MsgType.Leave, id: this.victim(), ...(this.random() < 0.5 ? { token: this.bytes(16) } : {}) }) };
      case 6:
        return { kind: 'relay', bytes: encode({ t: MsgType.Relay, to: this.victim(), data: this.bytes(this.int(1000)) }) };
      case 7:
        return { kind: 'random', bytes: this.bytes(1 + this.int(1300)) };
      case 8:
        return { kind: 'tiny', bytes: this.bytes(1 + this.int(4)) };
      case 9: {
        // Huge lengths: a map, array, byte or text string claiming far more than the datagram holds.
        const heads = [0xbb, 0x9b, 0x5b, 0x7b, 0xba, 0x9a, 0x5a, 0x7a];
        return { kind: 'huge-length', bytes: Uint8Array.of(this.pick(heads), 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0) };
      }
      case 10: {
        // CBOR tags where plain values are expected: Set, RegExp, Date, typed arrays, records.
        const tagged = [new Set([1]), /x/, new Date(0), new Float64Array(2), new Map([[1, 2]])];
        return { kind: 'tags', bytes: cborEncode({ v: PROTOCOL_VERSION, t: this.pick([1, 3, 5, 8, 9, 11]), id: this.pick(tagged), target: this.pick(tagged) }) };
      }
      case 11: {
        const base = this.pick(this.templates);
        return { kind: 'type-swap', bytes: swapType(base, this.pick([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 20, 22, 27, 28, 99])) };
      }
      case 12: {
        const base = this.pick(this.templates);
        return { kind: 'truncated', bytes: base.subarray(0, this.int(base.length)) };
      }
      default: {
        // Bit flips: the bulk of the fuzz.
        const out = Uint8Array.from(this.pick(this.templates));
        const flips = 1 + this.int(4);
        for (let i = 0; i < flips; i++) out[this.int(out.length)]! ^= 1 << this.int(8);
        return { kind: 'bit-flip', bytes: out };
      }
    }
  }
}

/** Re-encodes a valid datagram with another type id (the body no longer matches). */
function swapType(bytes: Uint8Array, t: number): Uint8Array {
  // The envelope is { v: PROTOCOL_VERSION, t: N, ... }: cbor-x writes "t" then the small int right after.
  const out = Uint8Array.from(bytes);
  for (let i = 0; i + 2 < out.length; i++) {
    if (out[i] === 0x61 && out[i + 1] === 0x74 && out[i + 2]! < 0x18) {
      out[i + 2] = t < 0x18 ? t : 0x17;
      break;
    }
  }
  return out;
}
