// Errors of the PDU layer split by consequence (cloudhopper's rule): a recoverable one is answered with
// generic_nack (or an error response) and the session goes on; an unrecoverable one closes the socket.
import { CommandStatus } from './status.js';

export type PduErrorCode =
  | 'PDU_LENGTH_INVALID'
  | 'PDU_BODY_MALFORMED'
  | 'PDU_TLV_MALFORMED'
  | 'PDU_FIELD_TOO_LONG'
  | 'PDU_UNKNOWN_COMMAND';

export class PduError extends Error {
  readonly code: PduErrorCode;
  /** false: framing is lost, the session must close. */
  readonly recoverable: boolean;
  /** The command_status to answer with when the error is recoverable. */
  readonly status: number;
  readonly commandId: number | undefined;
  readonly sequenceNumber: number | undefined;

  constructor(
    code: PduErrorCode,
    message: string,
    details: {
      recoverable: boolean;
      status?: number;
      commandId?: number;
      sequenceNumber?: number;
      cause?: unknown;
    },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'PduError';
    this.code = code;
    this.recoverable = details.recoverable;
    this.status = details.status ?? CommandStatus.ESME_RSYSERR;
    this.commandId = details.commandId;
    this.sequenceNumber = details.sequenceNumber;
  }
}
