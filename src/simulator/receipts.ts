// Delivery receipts as SMSCs send them: a deliver_sm with esm_class 0x04 (SMPP 3.4 §5.2.12), the de facto
// text of Appendix B (`id:… sub:… dlvrd:… submit date:… done date:… stat:… err:… text:…`), and the
// receipted_message_id and message_state TLVs (§5.3.2.12, §5.3.2.35) that careful ESMEs read first.
import { decodeShortMessage } from '../codec/index.js';
import {
  cstringTlv,
  makePdu,
  messageStateOf,
  RECEIPT_STATS,
  TlvTag,
  uint8Tlv,
  type Pdu,
  type ReceiptStat,
  type Tlv,
} from '../smpp/pdu/index.js';

export { MessageState, messageStateOf, RECEIPT_STATS, type ReceiptStat } from '../smpp/pdu/index.js';

// The err: field is network-specific (Appendix B); the simulator uses small stable codes per stat so tests
// can assert them. A destination rule may override them.
const errByStat: Record<ReceiptStat, number> = {
  DELIVRD: 0,
  ACCEPTD: 0,
  ENROUTE: 0,
  UNDELIV: 1,
  REJECTD: 2,
  EXPIRED: 3,
  DELETED: 4,
  UNKNOWN: 5,
};

export function isReceiptStat(value: unknown): value is ReceiptStat {
  return typeof value === 'string' && (RECEIPT_STATS as readonly string[]).includes(value);
}

export function defaultErrorCode(stat: ReceiptStat): number {
  return errByStat[stat];
}

/** A stat that registered_delivery = 2 ("on failure only", §5.2.17) asks a receipt for. */
export function isFailureStat(stat: ReceiptStat): boolean {
  return stat !== 'DELIVRD' && stat !== 'ACCEPTD' && stat !== 'ENROUTE';
}

/**
 * Whether registered_delivery (§5.2.17, bits 1..0) asks for a receipt with this final stat: 1 always, 2 on
 * failure; 3 is reserved in 3.4 and means "on success only" in SMPP 5.0 §4.7.21, which we follow.
 */
export function receiptRequested(registeredDelivery: number, stat: ReceiptStat): boolean {
  const bits = registeredDelivery & 0x03;
  if (bits === 1) return true;
  if (bits === 2) return isFailureStat(stat);
  if (bits === 3) return !isFailureStat(stat);
  return false;
}

/** YYMMDDhhmm, the Appendix B date form, in UTC so receipts do not depend on the machine's zone. */
export function formatReceiptDate(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return (
    p(d.getUTCFullYear() % 100) +
    p(d.getUTCMonth() + 1) +
    p(d.getUTCDate()) +
    p(d.getUTCHours()) +
    p(d.getUTCMinutes())
  );
}

/**
 * The first 20 characters of a submitted message, as receipt text: UDH skipped, UCS-2 decoded, anything
 * outside printable ASCII replaced by '?', because the receipt itself is sent with data_coding 0.
 */
export function receiptPreview(shortMessage: Buffer, dataCoding: number, esmClass: number): string {
  // §5.2.12: esm_class bit 6 (0x40) says short_message starts with a user data header.
  const udhi = (esmClass & 0x40) !== 0;
  let text: string;
  try {
    text = decodeShortMessage(shortMessage, dataCoding, { udhi }).text;
  } catch {
    // Undecodable octets (a broken UDH, odd-length UCS-2): the receipt still goes out, with what can be read.
    const bytes =
      udhi && shortMessage.length > 0 ? shortMessage.subarray(1 + (shortMessage[0] ?? 0)) : shortMessage;
    text = bytes.toString('latin1');
  }
  return [...text]
    .slice(0, 20)
    .map((c) => (c >= ' ' && c <= '~' ? c : '?'))
    .join('');
}

export interface ReceiptFields {
  messageId: string;
  stat: ReceiptStat;
  submitDate: number;
  doneDate: number;
  errorCode: number;
  text: string;
  /** sub: and dlvrd: (Appendix B: number of messages submitted / delivered); 1 and 1-or-0 by default. */
  submitted?: number;
  delivered?: number;
}

export function formatReceiptText(r: ReceiptFields): string {
  const n3 = (n: number) => String(n).padStart(3, '0');
  const delivered = r.delivered ?? (r.stat === 'DELIVRD' ? 1 : 0);
  return (
    `id:${r.messageId} sub:${n3(r.submitted ?? 1)} dlvrd:${n3(delivered)} ` +
    `submit date:${formatReceiptDate(r.submitDate)} done date:${formatReceiptDate(r.doneDate)} ` +
    `stat:${r.stat} err:${n3(r.errorCode)} text:${r.text}`
  );
}

export interface ParsedReceiptText {
  id: string;
  sub: string;
  dlvrd: string;
  submitDate: string;
  doneDate: string;
  stat: string;
  err: string;
  text: string;
}

const receiptPattern =
  /^id:(\S+) sub:(\S*) dlvrd:(\S*) submit date:(\d*) done date:(\d*) stat:(\S+) err:(\S*)(?: text:(.*))?$/is;

/** Reads back the text this module writes (for tests and the control API; the gateway has its own parser). */
export function parseReceiptText(text: string): ParsedReceiptText | undefined {
  const m = receiptPattern.exec(text);
  if (!m) return undefined;
  return {
    id: m[1] ?? '',
    sub: m[2] ?? '',
    dlvrd: m[3] ?? '',
    submitDate: m[4] ?? '',
    doneDate: m[5] ?? '',
    stat: m[6] ?? '',
    err: m[7] ?? '',
    text: m[8] ?? '',
  };
}

export interface ReceiptSource {
  /** The submit's addresses: the receipt travels back, so they are swapped. */
  sourceAddrTon: number;
  sourceAddrNpi: number;
  sourceAddr: string;
  destAddrTon: number;
  destAddrNpi: number;
  destinationAddr: string;
  shortMessage: Buffer;
  dataCoding: number;
  esmClass: number;
  receivedAt: number;
}

export function receiptTlvs(messageId: string, stat: ReceiptStat): Tlv[] {
  return [
    cstringTlv(TlvTag.receipted_message_id, messageId),
    uint8Tlv(TlvTag.message_state, messageStateOf(stat)),
  ];
}

/** The deliver_sm of one receipt (sequence number set by the sending connection). */
export function buildReceiptPdu(
  submit: ReceiptSource,
  messageId: string,
  stat: ReceiptStat,
  options: { doneDate: number; errorCode?: number },
): Pdu<'deliver_sm'> {
  const text = formatReceiptText({
    messageId,
    stat,
    submitDate: submit.receivedAt,
    doneDate: options.doneDate,
    errorCode: options.errorCode ?? defaultErrorCode(stat),
    text: receiptPreview(submit.shortMessage, submit.dataCoding, submit.esmClass),
  });
  return makePdu(
    'deliver_sm',
    {
      sourceAddrTon: submit.destAddrTon,
      sourceAddrNpi: submit.destAddrNpi,
      sourceAddr: submit.destinationAddr,
      destAddrTon: submit.sourceAddrTon,
      destAddrNpi: submit.sourceAddrNpi,
      destinationAddr: submit.sourceAddr,
      // §5.2.12: bits 5..2 = 0001, "SMSC Delivery Receipt".
      esmClass: 0x04,
      dataCoding: 0,
      shortMessage: Buffer.from(text, 'latin1'),
    },
    { tlvs: receiptTlvs(messageId, stat) },
  );
}
