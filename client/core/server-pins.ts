// Pinned discovery-server keys, per server address, as SSH pins host keys: plain data with a
// version that goes up on each change (the edge saves the file when it moved; src/store/
// server-pins.ts). A key given with the address (--servers host:port#KEY) is not a pin: it
// is configuration, always wins, and is never written.

import { endpointKey } from '../../src/address.ts';
import { bytesEqual, fromHex, toHex } from '../../src/crypto/bytes.ts';
import { PUBLIC_KEY_BYTES } from '../../src/crypto/identity.ts';
import type { Endpoint } from '../../src/wire.ts';

/** Server address (host:port, as endpointToString writes it) -> public key in hex. */
export type ServerPinRecords = Record<string, string>;

export class ServerPins {
  /** Goes up on every change: the edge saves when it differs from what it wrote last. */
  version = 0;
  private readonly byAddr = new Map<string, Uint8Array>();
  private readonly labels = new Map<string, string>();

  constructor(records: ServerPinRecords = {}, parse: (label: string) => Endpoint | undefined = () => undefined) {
    for (const [label, hex] of Object.entries(records)) {
      const addr = parse(label);
      const key = fromHexOrUndefined(hex);
      if (addr && key) this.set(addr, label, key);
    }
  }

  get(addr: Endpoint): Uint8Array | undefined {
    return this.byAddr.get(endpointKey(addr));
  }

  /** Pins `key` for `addr` (label: how the address is written in the file). */
  pin(addr: Endpoint, label: string, key: Uint8Array): void {
    const held = this.get(addr);
    if (held && bytesEqual(held, key)) return;
    this.set(addr, label, key);
    this.version++;
  }

  /** Forgets the pin of `addr` (the user accepted a new key): true when there was one. */
  remove(addr: Endpoint): boolean {
    const k = endpointKey(addr);
    if (!this.byAddr.delete(k)) return false;
    this.labels.delete(k);
    this.version++;
    return true;
  }

  toRecords(): ServerPinRecords {
    const out: ServerPinRecords = {};
    for (const [k, key] of this.byAddr) out[this.labels.get(k) ?? k] = toHex(key);
    return out;
  }

  private set(addr: Endpoint, label: string, key: Uint8Array): void {
    const k = endpointKey(addr);
    this.byAddr.set(k, Uint8Array.from(key));
    this.labels.set(k, label);
  }
}

/** A server key as 64 hex characters, or undefined. */
export const fromHexOrUndefined = (hex: unknown): Uint8Array | undefined => fromHex(hex, PUBLIC_KEY_BYTES);
