// Delivery receipt parsing (SMPP 3.4 §4.6.1 esm_class, §5.3.2.12/.35 TLVs, Appendix B text format).
// TLVs first, then the text; tolerant of case, spacing, missing fields and 10- or 12-digit dates.
import {
  TlvTag,
  tlvCString,
  tlvUint,
  findTlv,
  statOfMessageState,
  FINAL_RECEIPT_STATS,
  type ReceiptStat,
  type Tlv,
} from '../smpp/pdu/index.js';

export { FINAL_RECEIPT_STATS, type ReceiptStat };
export const INTERIM_RECEIPT_STATS: readonly ReceiptStat[] = ['ACCEPTD', 'ENROUTE'];

export interface ParsedReceipt {
  /** The SMSC message id the receipt is about, as written by the SMSC. */
  messageId: string;
  stat: ReceiptStat;
  /** The `err:` field or network_error_code, "" when absent. */
  err: string;
  submitDate?: string;
  doneDate?: string;
  text?: string;
}

/** §5.2.12: esm_class bits 2–5 give the message type; 0x04 is an SMSC delivery receipt. */
export function isDeliveryReceipt(esmClass: number): boolean {
  const type = esmClass & 0x3c;
  // 0x04 SMSC delivery receipt, 0x08 SME delivery ack, 0x10 manual ack, 0x20 intermediate notification.
  return type === 0x04 || type === 0x08 || type === 0x10 || type === 0x20;
}

const STAT_ALIASES: Record<string, ReceiptStat> = {
  DELIVRD: 'DELIVRD',
  DELIVERED: 'DELIVRD',
  DELIVER: 'DELIVRD',
  UNDELIV: 'UNDELIV',
  UNDELIVERABLE: 'UNDELIV',
  UNDELIVERED: 'UNDELIV',
  REJECTD: 'REJECTD',
  REJECTED: 'REJECTD',
  EXPIRED: 'EXPIRED',
  DELETED: 'DELETED',
  UNKNOWN: 'UNKNOWN',
  ACCEPTD: 'ACCEPTD',
  ACCEPTED: 'ACCEPTD',
  ENROUTE: 'ENROUTE',
  FAILED: 'UNDELIV',
};

export function normaliseStat(raw: string): ReceiptStat | undefined {
  return STAT_ALIASES[raw.trim().toUpperCase()];
}

function field(text: string, name: string, pattern = '(\\S+)'): string | undefined {
  const match = new RegExp(`(?:^|\\s)${name}\\s*:\\s*${pattern}`, 'i').exec(text);
  return match?.[1];
}

export interface ReceiptInput {
  shortMessage: Buffer;
  tlvs: readonly Tlv[];
}

/** Parse a receipt; undefined when neither TLVs nor text name a message id and a status. */
export function parseReceipt(input: ReceiptInput): ParsedReceipt | undefined {
  const payload = findTlv(input.tlvs, TlvTag.message_payload);
  const body = (input.shortMessage.length > 0 ? input.shortMessage : (payload ?? Buffer.alloc(0))).toString(
    'latin1',
  );
  const tlvId = tlvCString(input.tlvs, TlvTag.receipted_message_id);
  const tlvState = tlvUint(input.tlvs, TlvTag.message_state);
  const networkError = findTlv(input.tlvs, TlvTag.network_error_code);

  const textId = field(body, 'id');
  const textStat = field(body, 'stat');
  const messageId = tlvId && tlvId.trim() !== '' ? tlvId.trim() : textId;
  const stat =
    (tlvState !== undefined ? statOfMessageState(tlvState) : undefined) ??
    (textStat ? normaliseStat(textStat) : undefined);
  if (!messageId || !stat) return undefined;

  let err = field(body, 'err') ?? '';
  if (networkError && networkError.length === 3 && err === '') {
    // §5.3.2.31: network type (1 octet) then error code (2 octets).
    err = String(networkError.readUInt16BE(1));
  }
  const receipt: ParsedReceipt = { messageId, stat, err };
  const submitDate = field(body, 'submit date', '(\\d{10,12})');
  const doneDate = field(body, 'done date', '(\\d{10,12})');
  if (submitDate) receipt.submitDate = submitDate;
  if (doneDate) receipt.doneDate = doneDate;
  const text = /(?:^|\s)text\s*:(.*)$/is.exec(body)?.[1];
  if (text !== undefined) receipt.text = text;
  return receipt;
}
