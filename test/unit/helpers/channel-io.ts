// Small helpers for driving one ReliableChannel by hand in unit tests.

import type { ChannelEvent, ChannelFrame, DataFrame, ReliableChannel } from '../../../src/reliability/channel.ts';
import { MsgType } from '../../../src/wire.ts';

/** Everything the channel wants to send now. */
export function drain(ch: ReliableChannel): ChannelFrame[] {
  const out: ChannelFrame[] = [];
  for (let f = ch.pollTransmit(); f !== undefined; f = ch.pollTransmit()) out.push(f);
  return out;
}

export function events(ch: ReliableChannel): ChannelEvent[] {
  const out: ChannelEvent[] = [];
  for (let e = ch.pollEvent(); e !== undefined; e = ch.pollEvent()) out.push(e);
  return out;
}

export const ack = (cum: number, sack: [number, number][] = []): ChannelFrame => ({ t: MsgType.Ack, cum, sack });
export const data = (seq: number, body: Uint8Array | string = new Uint8Array(0), more = false): DataFrame => ({
  t: MsgType.Data,
  seq,
  more,
  body: typeof body === 'string' ? new TextEncoder().encode(body) : body,
});
export const dataSeqs = (frames: ChannelFrame[]): number[] => frames.flatMap((f) => (f.t === MsgType.Data ? [f.seq] : []));
export const acks = (frames: ChannelFrame[]) => frames.filter((f) => f.t === MsgType.Ack);
export const text = (body: Uint8Array): string => new TextDecoder().decode(body);
