// The socket behind an interface: real UDP (udp.ts) and, for tests, anything that can carry
// datagrams. Engines never see a Transport; the driver binds them.

import type { Endpoint } from '../wire.ts';

export interface Transport {
  /** Fire and forget: UDP promises nothing, and a send error is counted, never thrown. */
  send(bytes: Uint8Array, to: Endpoint): void;
  onDatagram(handler: (bytes: Buffer, from: Endpoint) => void): void;
  localEndpoint(): Endpoint;
  close(): Promise<void>;
}

/** What a driver needs from a sans-IO engine: bytes and time in; datagrams, events and a deadline out. */
export interface Engine<E = unknown> {
  receive(bytes: Uint8Array, from: Endpoint, now: number): void;
  handleTimeout(now: number): void;
  pollTransmit(): { to: Endpoint; bytes: Uint8Array } | undefined;
  /** The next event for the edge (log lines, UI updates), or undefined when there is none. */
  pollEvent(): E | undefined;
  /** Absolute time (same clock as `now`) of the next timer, or undefined for none. */
  nextTimeout(): number | undefined;
}
