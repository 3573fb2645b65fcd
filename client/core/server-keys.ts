// Which discovery server we are talking to, as SSH knows which host: each server has a
// long-term key. The key we expect comes from --servers host:port#KEY ('config', always
// wins), else from the pins ('pin'), else it is learnt on first contact: a Register without
// `srv` earns WRONG_SERVER{key}, a hint we try ('offered') and pin only once a Registered
// *signed with it* over our own Register's signature arrives. A configured or pinned server
// that answers WRONG_SERVER with another key is a loud notice and stays unverified (unused)
// until the user accepts it (forget: the pin goes; the next key proven is pinned).
// Plain data and verdicts: the discovery client acts on them.

import { bytesEqual, toHex } from '../../src/crypto/bytes.ts';
import { fingerprint } from '../../src/crypto/identity.ts';
import { verifyRegistered } from '../../src/crypto/signed.ts';
import type { DropCounter } from '../../src/codec.ts';
import type { Fifo } from '../../src/fifo.ts';
import { endpointToString, type Endpoint, type MessageOf, type MsgType } from '../../src/wire.ts';
import type { ClientEvent } from './events.ts';
import type { ServerPins } from './server-pins.ts';

export type ServerKeySource = 'config' | 'pin' | 'offered' | undefined;

/** The key part of a server's state. */
export interface ServerKeyState {
  readonly addr: Endpoint;
  /** The server key we expect, and where it came from ('offered': learnt, not pinned yet). */
  key: Uint8Array | undefined;
  keySource: ServerKeySource;
  /** True once a Registered signed with `key` answered a registration (until the key is in doubt). */
  verified: boolean;
  /** Another key this address offered while `key` is configured or pinned: the server is not used. */
  conflict: Uint8Array | undefined;
  /** The signature of our last Register here: the server's signed Registered covers it. */
  lastRegisterSig: Uint8Array | undefined;
}

/** What the client engine turns into events: a server key was pinned, or a pinned one changed. */
export type DiscoveryNotice =
  | { kind: 'server-pinned'; addr: Endpoint; key: Uint8Array }
  | { kind: 'server-key-changed'; addr: Endpoint; pinned: Uint8Array; offered: Uint8Array };

/** What a WRONG_SERVER means for us: nothing, a key to try now, or a pinned server in doubt. */
export type WrongServerVerdict = 'ignored' | 'try-key' | 'in-doubt';

export class ServerKeys {
  constructor(
    readonly pins: ServerPins,
    private readonly drops: DropCounter,
    private readonly notices: Fifo<DiscoveryNotice>,
  ) {}

  /** The starting key state of the server at `addr`: configured key, else pin, else none. */
  initial(addr: Endpoint, configured: Uint8Array | undefined): ServerKeyState {
    const pinned = configured ? undefined : this.pins.get(addr);
    const keySource: ServerKeySource = configured ? 'config' : pinned ? 'pin' : undefined;
    return { addr, key: configured ?? pinned, keySource, verified: false, conflict: undefined, lastRegisterSig: undefined };
  }

  /** A Registered signed with the key we expect, over our last Register: the server is who we think. */
  checkSigned(s: ServerKeyState, msg: MessageOf<typeof MsgType.Registered>): boolean {
    const claim = { registerSig: s.lastRegisterSig ?? new Uint8Array(0), observed: msg.observed, token: msg.token, mk: msg.mk };
    if (!s.key || !s.lastRegisterSig || !verifyRegistered(s.key, claim, msg.ssig)) {
      this.drops.add('registered-bad-signature');
      return false;
    }
    s.verified = true;
    s.conflict = undefined;
    if (s.keySource === 'offered') {
      // First contact: the server proved the key it offered. Pin it, as SSH does a host key.
      s.keySource = 'pin';
      this.pins.pin(s.addr, endpointToString(s.addr), s.key);
      this.notices.push({ kind: 'server-pinned', addr: s.addr, key: s.key });
    }
    return true;
  }

  /** The server refused a Register for its key (unsigned: a hint, never a pin). */
  wrongServer(s: ServerKeyState, key: Uint8Array | undefined): WrongServerVerdict {
    if (!key) return this.ignore('wrong-server-without-key');
    if (s.key && bytesEqual(s.key, key)) return this.ignore('wrong-server-same-key'); // stale or forged
    if (s.keySource === 'config' || s.keySource === 'pin') {
      // Not believed, not used: we keep asking with the key we know, so the real server (if
      // it is still there) answers with a signed Registered and clears this.
      s.verified = false;
      if (!s.conflict || !bytesEqual(s.conflict, key)) {
        s.conflict = Uint8Array.from(key);
        this.notices.push({ kind: 'server-key-changed', addr: s.addr, pinned: s.key as Uint8Array, offered: s.conflict });
      }
      return 'in-doubt';
    }
    // No key yet (or only one offered): try this one; it is pinned when a Registered signed with it arrives.
    s.key = Uint8Array.from(key);
    s.keySource = 'offered';
    return 'try-key';
  }

  /** The user accepts whatever key the server proves next. False for a key given with the address. */
  forget(s: ServerKeyState): boolean {
    if (s.keySource === 'config') return false;
    this.pins.remove(s.addr);
    s.key = undefined;
    s.keySource = undefined;
    s.conflict = undefined;
    s.verified = false;
    return true;
  }

  private ignore(reason: string): 'ignored' {
    this.drops.add(reason);
    return 'ignored';
  }
}

/** The event a notice becomes: server_pinned, or the loud SERVER_KEY_CHANGED error. */
export function noticeEvent(n: DiscoveryNotice): ClientEvent {
  const server = endpointToString(n.addr);
  if (n.kind === 'server-pinned') return { event: 'server_pinned', server, key: toHex(n.key), fingerprint: fingerprint(n.key) };
  const [now, was] = [fingerprint(n.offered), fingerprint(n.pinned)];
  const message = `the discovery server at ${server} now has key ${now}, not the pinned ${was}: it is not used (someone may pass for it); if the operator changed its key, accept it with {"cmd":"trust-server","addr":"${server}"}`;
  return { event: 'error', code: 'SERVER_KEY_CHANGED', message, server, fingerprint: now, pinnedFingerprint: was };
}
