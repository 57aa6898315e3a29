// The one table from the gateway's refusal codes to SMPP command_status (SMPP 3.4 §5.1.3), so every
// answer to a platform speaks the names its SMPP library knows. Table-tested in status-map.test.ts.
import { CommandStatus } from '../smpp/pdu/index.js';
import type { CancelOutcome, IngressRefusalCode } from './ports.js';

/**
 * ESME_RINVDCS, "invalid data coding scheme". SMPP 3.4 has no status for it; SMPP 5.0 §4.7.6 adds 0x104,
 * and client libraries (the `smpp` npm package, Cloudhopper) know it by that name and value.
 */
export const ESME_RINVDCS = 0x00000104;

const STATUS_BY_REFUSAL: Record<IngressRefusalCode, number> = {
  SENDER_NOT_ALLOWED: CommandStatus.ESME_RINVSRCADR,
  INVALID_NUMBER: CommandStatus.ESME_RINVDSTADR,
  // No operator serves the destination: for the platform the address cannot be reached through us.
  NO_ROUTE: CommandStatus.ESME_RINVDSTADR,
  EMPTY_TEXT: CommandStatus.ESME_RINVMSGLEN,
  TOO_MANY_PARTS: CommandStatus.ESME_RINVMSGLEN,
  INVALID_SCHEDULE: CommandStatus.ESME_RINVSCHED,
  INVALID_VALIDITY: CommandStatus.ESME_RINVEXPIRY,
  // §5.1.3: the two "try again later" answers every ESME library treats as temporary.
  RATE_LIMITED: CommandStatus.ESME_RTHROTTLED,
  QUEUE_FULL: CommandStatus.ESME_RMSGQFUL,
  INSUFFICIENT_CREDIT: CommandStatus.ESME_RSUBMITFAIL,
  UNAVAILABLE: CommandStatus.ESME_RSYSERR,
  DRAINING: CommandStatus.ESME_RSYSERR,
  // Policy refusals at submit time. Most policy outcomes are not refusals: the message is accepted with an
  // id and ends in `error` at stage policy, which reaches the platform as a REJECTD receipt.
  OPTED_OUT: CommandStatus.ESME_RSUBMITFAIL,
  QUIET_HOURS: CommandStatus.ESME_RSUBMITFAIL,
  HOLIDAY: CommandStatus.ESME_RSUBMITFAIL,
  FREQUENCY_CAP: CommandStatus.ESME_RSUBMITFAIL,
  STOP_MENTION_MISSING: CommandStatus.ESME_RSUBMITFAIL,
  DUPLICATE: CommandStatus.ESME_RSUBMITFAIL,
};

/** The submit_sm_resp command_status of a refusal; a code outside the table is ESME_RSUBMITFAIL. */
export function statusOfRefusal(code: string): number {
  return Object.hasOwn(STATUS_BY_REFUSAL, code)
    ? STATUS_BY_REFUSAL[code as IngressRefusalCode]
    : CommandStatus.ESME_RSUBMITFAIL;
}

/** §4.9.2: cancel_sm_resp. A message that is unknown, another account's, or already submitted: RCANCELFAIL. */
export function statusOfCancel(outcome: CancelOutcome): number {
  if (outcome.ok) return CommandStatus.ESME_ROK;
  return outcome.code === 'UNAVAILABLE' ? CommandStatus.ESME_RSYSERR : CommandStatus.ESME_RCANCELFAIL;
}

/** Every refusal code the table knows, for tests and docs. */
export const REFUSAL_CODES = Object.keys(STATUS_BY_REFUSAL) as IngressRefusalCode[];
