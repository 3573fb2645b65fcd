// One error class with a stable code and a message a person can act on.

export type ErrorCode =
  | 'BAD_ADDRESS'
  | 'BAD_FLAG'
  | 'BAD_COMMAND'
  | 'UNKNOWN_PEER'
  | 'AMBIGUOUS'
  | 'SERVER_UNREACHABLE'
  | 'PUNCH_TIMEOUT'
  | 'PEER_LOST'
  | 'BIND_FAILED'
  | 'MESSAGE_TOO_LONG';

export class NatterError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'NatterError';
    this.code = code;
  }
}
