/**
 * The one error type of the codec. Callers branch on `code`, never on the message text:
 * the API maps `TOO_MANY_PARTS` to a 4xx, the MO path logs `MALFORMED_UDH` and drops the part, and so on.
 */
export type CodecErrorCode =
  | 'TOO_MANY_PARTS'
  | 'INVALID_DATA_CODING'
  | 'UNSUPPORTED_DATA_CODING'
  | 'MALFORMED_UDH'
  | 'INVALID_GSM7'
  | 'INVALID_UCS2'
  | 'EMPTY_TEXT'
  | 'INVALID_REFERENCE'
  | 'INVALID_OPTION';

export class CodecError extends Error {
  override readonly name = 'CodecError';
  readonly code: CodecErrorCode;

  constructor(code: CodecErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
