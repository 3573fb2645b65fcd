// The channel's inputs, outputs and counters. The session wraps frames with the
// conversation id (cid) and encodes them; nothing here knows about sockets.

import type { MsgType } from '../wire.ts';

export type DataFrame = { t: typeof MsgType.Data; seq: number; more: boolean; body: Uint8Array };
export type AckFrame = { t: typeof MsgType.Ack; cum: number; sack: [number, number][] };
export type ChannelFrame = DataFrame | AckFrame;

export type ChannelEvent =
  /** The peer's message, reassembled, in order, exactly once. msgId = seq of its first fragment. */
  | { type: 'deliver'; msgId: number; body: Uint8Array }
  /** Our message, every fragment acknowledged. */
  | { type: 'acked'; msgId: number }
  /** Our message gave up; `reason` is one of FailReason or the string given to failAll. */
  | { type: 'failed'; msgId: number; reason: string };

/** Stable reason codes of `failed` events raised by the channel itself. */
export const FailReason = {
  /** Not fully acked MESSAGE_GIVE_UP_MS after send(). */
  Timeout: 'MESSAGE_TIMEOUT',
  /** Sent after a message that failed: in-order delivery means the peer can never deliver it. */
  PreviousFailed: 'PREVIOUS_MESSAGE_FAILED',
  /** send() on a channel that has already failed. */
  ChannelFailed: 'CHANNEL_FAILED',
} as const;

export interface ChannelStats {
  /** Messages accepted by send(). */
  sent: number;
  /** Data frames sent again: lossesDetected + timeouts + probes. */
  retransmits: number;
  /** Fragments declared lost by an ack (RACK reorder window or packet threshold) and resent at once. */
  lossesDetected: number;
  /** Fragments resent because their RTO expired (each one also backs the RTO off). */
  timeouts: number;
  /** Tail loss probes: the newest fragment resent once when the tail of the flight went quiet. */
  probes: number;
  /** Data frames already received (below the cumulative ack, or already held). */
  duplicatesDropped: number;
  /** Data frames too far ahead of the next expected seq. */
  outOfWindowDropped: number;
  /** Peer messages delivered. */
  delivered: number;
  /** Our messages fully acked. */
  acked: number;
  /** Frames whose content cannot be true (bad seq, ack of unsent data, message over MAX_MESSAGE_BYTES). */
  malformedDropped: number;
}
