// Errors of the session layer, each with a stable `code` and structured fields. They describe why a
// session or a connection ended; submit() never throws them (it resolves a classified result instead).

export type TransportErrorCode = 'TRANSPORT_TLS_FILES' | 'TRANSPORT_CONNECT_TIMEOUT';

/** The socket could not be set up (TLS files unreadable, connect timed out). Socket errors keep their own class as `cause`. */
export class TransportError extends Error {
  readonly code: TransportErrorCode;

  constructor(code: TransportErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TransportError';
    this.code = code;
  }
}

export type SmppSessionErrorCode =
  | 'SMPP_CONNECT_FAILED'
  | 'SMPP_BIND_REFUSED'
  | 'SMPP_BIND_TIMEOUT'
  | 'SMPP_SOCKET_CLOSED'
  | 'SMPP_FRAMING_LOST'
  | 'SMPP_PEER_UNBIND'
  | 'SMPP_KEEPALIVE_TIMEOUT'
  | 'SMPP_RESPONSE_TIMEOUTS'
  | 'SMPP_LEASE_LOST';

/** Why one session (one connection, one bind) ended badly. */
export class SmppSessionError extends Error {
  readonly code: SmppSessionErrorCode;
  readonly operatorId: string;
  readonly bindId: string;
  /** command_status of a refused bind_resp. */
  readonly status: number | undefined;

  constructor(
    code: SmppSessionErrorCode,
    message: string,
    details: { operatorId: string; bindId: string; status?: number; cause?: unknown },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'SmppSessionError';
    this.code = code;
    this.operatorId = details.operatorId;
    this.bindId = details.bindId;
    this.status = details.status;
  }
}
