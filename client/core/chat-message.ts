// A chat message as the sender made it: the identity that history, the outbox and mailboxes
// key on. `msgId` is 128 random bits (32 lowercase hex), chosen when the person sends it and
// the same on both sides and across reconnects; `seq` is the sender's count of messages to
// that peer, from 1, never reused, so order can be restored whichever way a message travels.

export interface OutgoingChat {
  msgId: string;
  /** Per-pair sequence number, from 1. */
  seq: number;
  text: string;
  /** Sender's wall clock, ms since the epoch (an input: engines read no clock). */
  sentAt: number;
  /** The caller's tag, returned with every event about this message. */
  ref: unknown;
}

/** A chat message received from a peer (what the payload carried, decoded). */
export interface IncomingChat {
  msgId: string;
  seq: number;
  text: string;
  sentAt: number;
}
