// What a platform is told about a message's state: the stat word and message_state of receipts (SMPP 3.4
// Appendix B and §5.3.2.35) and of query_sm_resp (§4.8.2), and the receipt text in the SPEC §4 form
//   id:<gateway id> sub:001 dlvrd:001 submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DELIVRD err:000 text:…
import { messageStateOf, RECEIPT_STATS, type ReceiptStat } from '../smpp/pdu/index.js';
import type { PlatformMessageStatus } from './ports.js';
import { formatReceiptDate } from './smpp-time.js';

export interface PlatformStat {
  stat: ReceiptStat;
  /** §5.3.2.35 message_state. */
  messageState: number;
  /** Three digits for the receipt's err: field. */
  err: string;
  /** Nothing will change after it. */
  final: boolean;
}

function isStat(code: string | undefined): code is ReceiptStat {
  return code !== undefined && (RECEIPT_STATS as readonly string[]).includes(code);
}

function stat(s: ReceiptStat, err: string, final: boolean): PlatformStat {
  return { stat: s, messageState: messageStateOf(s), err, final };
}

/** The operator's err:NNN when it is three digits, else 000. */
function errDigits(status: PlatformMessageStatus): string {
  const n = status.networkError;
  return n !== undefined && /^\d{1,3}$/.test(n) ? n.padStart(3, '0') : '000';
}

/**
 * The gateway's state as SMPP states it:
 *   confirmed → DELIVRD; cancelled → DELETED; error EXPIRED (any stage) → EXPIRED;
 *   error at stage receipt → the operator's own stat (UNDELIV, REJECTD, …), UNDELIV if it gave none we know;
 *   error at stage policy → REJECTD; error at stage submit (the operator refused it) → UNDELIV;
 *   delivered and final (no receipt will come) → UNKNOWN; not yet final (queued … delivered) → ENROUTE.
 */
export function platformStatOf(status: PlatformMessageStatus): PlatformStat {
  const err = errDigits(status);
  switch (status.state) {
    case 'confirmed':
      return stat('DELIVRD', err, true);
    case 'cancelled':
      return stat('DELETED', err, true);
    case 'error':
      if (status.errorCode === 'EXPIRED') return stat('EXPIRED', err, true);
      if (status.errorStage === 'receipt') {
        return stat(isStat(status.errorCode) ? status.errorCode : 'UNDELIV', err, true);
      }
      if (status.errorStage === 'submit') return stat('UNDELIV', err, true);
      return stat('REJECTD', err, true);
    case 'delivered':
      return status.unconfirmed ? stat('UNKNOWN', err, true) : stat('ENROUTE', err, false);
    default:
      return stat('ENROUTE', err, false);
  }
}

/** Receipt text is read as ASCII by most platforms and as GSM-7 by some: keep to the octets both agree on. */
function receiptSafe(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    const same =
      (c >= 0x20 && c <= 0x23) ||
      (c >= 0x25 && c <= 0x3f) ||
      (c >= 0x41 && c <= 0x5a) ||
      (c >= 0x61 && c <= 0x7a);
    out += same ? ch : '?';
  }
  return out;
}

export interface ReceiptTextInput {
  messageId: string;
  stat: PlatformStat;
  submitAt: number;
  doneAt: number;
  textStart: string;
}

/**
 * The receipt's short_message (Appendix B). sub/dlvrd count messages, not parts: the platform submitted one
 * message (even when it sent it in parts), delivered or not. Dates are UTC. The text is the first 20
 * characters, each outside the ASCII/GSM-7 common set shown as "?".
 */
export function formatReceiptText(input: ReceiptTextInput): string {
  const dlvrd = input.stat.stat === 'DELIVRD' ? '001' : '000';
  const text = receiptSafe([...input.textStart].slice(0, 20).join(''));
  return (
    `id:${input.messageId} sub:001 dlvrd:${dlvrd} submit date:${formatReceiptDate(input.submitAt)} ` +
    `done date:${formatReceiptDate(input.doneAt)} stat:${input.stat.stat} err:${input.stat.err} text:${text}`
  );
}

/** query_sm_resp error_code (§4.8.2): the network error, when it fits its one octet. */
export function queryErrorCode(s: PlatformStat): number {
  const n = Number(s.err);
  return n <= 0xff ? n : 0;
}
