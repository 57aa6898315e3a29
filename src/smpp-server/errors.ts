// Errors of the SMPP server, each with a stable `code`. Callers branch on `code`, never on the message text.
import { commandStatusName } from '../smpp/pdu/index.js';

export type SmppServerErrorCode =
  'SMPP_SERVER_LISTEN_FAILED' | 'SMPP_SERVER_TLS_FILES' | 'SMPP_SERVER_ALREADY_STARTED';

/** The server could not start (an address in use, unreadable TLS files). */
export class SmppServerError extends Error {
  readonly code: SmppServerErrorCode;

  constructor(code: SmppServerErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SmppServerError';
    this.code = code;
  }
}

/**
 * A platform's request the server refuses, with the command_status that answers it. Thrown by the pure
 * request readers (submit-reader.ts, text.ts) and caught by the session, which answers with `status`.
 */
export class RequestRefusedError extends Error {
  readonly code = 'SMPP_SERVER_REQUEST_REFUSED';
  readonly status: number;

  constructor(status: number, message: string, options: { cause?: unknown } = {}) {
    super(
      `${commandStatusName(status)}: ${message}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'RequestRefusedError';
    this.status = status;
  }
}
