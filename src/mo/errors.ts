// Errors of the inbound (MO) path, each with a stable code.

export type MoErrorCode = 'MO_STORE_FAILED' | 'MO_CORRUPT_ENTRY';

export class MoError extends Error {
  constructor(
    readonly code: MoErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MoError';
  }
}
