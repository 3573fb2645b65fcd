// One error class with a stable code and a message a person can act on, and the one list of
// codes that events and errors carry. Event codes are part of the headless contract (README):
// a consumer switches on `code`; `message` (alias `reason`) is for people and may change.

/** Why a connection attempt ended without a conversation (`connect_failed`). */
export const ConnectFailedCode = {
  PunchTimeout: 'PUNCH_TIMEOUT',
  HandshakeFailed: 'HANDSHAKE_FAILED',
  UnknownPeer: 'UNKNOWN_PEER',
  BadAddress: 'BAD_ADDRESS',
} as const;

/** Why an open conversation ended (`disconnected`). */
export const DisconnectedCode = {
  PeerLeft: 'PEER_LEFT',
  PeerLost: 'PEER_LOST',
  Quit: 'QUIT',
} as const;

/**
 * Why a message will never be delivered (`failed`, terminal). A peer being offline is not one:
 * its messages stay queued. MESSAGE_TIMEOUT is left only for a dial to an address whose
 * identity never answered.
 */
export const FailedCode = {
  MessageTooLong: 'MESSAGE_TOO_LONG',
  MessageTimeout: 'MESSAGE_TIMEOUT',
} as const;

export type ConnectFailedCode = (typeof ConnectFailedCode)[keyof typeof ConnectFailedCode];
export type DisconnectedCode = (typeof DisconnectedCode)[keyof typeof DisconnectedCode];
export type FailedCode = (typeof FailedCode)[keyof typeof FailedCode];

/** Codes of `error` events and of NatterError: a command or a flag that could not be carried out. */
export type ErrorCode =
  | 'BAD_ADDRESS'
  | 'BAD_FLAG'
  | 'BAD_COMMAND'
  | 'BAD_NAME'
  | 'UNKNOWN_PEER'
  | 'AMBIGUOUS'
  | 'BIND_FAILED'
  | 'SERVER_UNREACHABLE'
  /** The disk is full: the send was not committed (nothing was sent); history already written is intact. */
  | 'DISK_FULL'
  /** The history database could not be read or written for another reason (the message says which). */
  | 'HISTORY_ERROR';

export class NatterError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'NatterError';
    this.code = code;
  }
}
