// The deliver_sm we send a platform (SMPP 3.4 §4.6.1): a delivery receipt (esm_class 0x04, Appendix B text,
// receipted_message_id §5.3.2.12 and message_state §5.3.2.35), or an MO message. Pure: item in, PDU out.
import { cstringTlv, makePdu, TlvTag, uint8Tlv, type Pdu, type Tlv } from '../smpp/pdu/index.js';
import type { MoItem, ReceiptItem } from './ports.js';
import { formatReceiptText, platformStatOf } from './receipt.js';
import { encodeForPlatform } from './text.js';

/** §5.2.12 esm_class message type "SMSC Delivery Receipt". */
export const ESM_DELIVERY_RECEIPT = 0x04;
/** §5.2.21: sm_length is one octet; longer text goes in message_payload (§5.3.2.32). */
const MAX_SHORT_MESSAGE = 254;

interface Address {
  ton: number;
  npi: number;
  addr: string;
}

/** §5.2.5–6: "+digits" international/ISDN, other digits unknown/ISDN, anything else alphanumeric. */
export function smppAddress(s: string): Address {
  if (/^\+\d+$/.test(s)) return { ton: 1, npi: 1, addr: s.slice(1) };
  if (/^\d+$/.test(s)) return { ton: 0, npi: 1, addr: s };
  return { ton: 5, npi: 0, addr: s };
}

function deliverSm(
  source: Address,
  dest: Address,
  esmClass: number,
  dataCoding: number,
  octets: Buffer,
  tlvs: Tlv[],
): Pdu<'deliver_sm'> {
  const payload = octets.length > MAX_SHORT_MESSAGE;
  return makePdu(
    'deliver_sm',
    {
      sourceAddrTon: source.ton,
      sourceAddrNpi: source.npi,
      sourceAddr: source.addr,
      destAddrTon: dest.ton,
      destAddrNpi: dest.npi,
      destinationAddr: dest.addr,
      esmClass,
      dataCoding,
      shortMessage: payload ? Buffer.alloc(0) : octets,
    },
    { tlvs: payload ? [...tlvs, { tag: TlvTag.message_payload, value: octets }] : tlvs },
  );
}

/** A receipt from the recipient back to the sender, as an SMSC sends it. */
export function receiptDeliverSm(item: ReceiptItem): Pdu<'deliver_sm'> {
  const stat = platformStatOf(item.status);
  const text = formatReceiptText({
    messageId: item.messageId,
    stat,
    submitAt: item.submitAt,
    doneAt: item.doneAt,
    textStart: item.textStart,
  });
  // The text keeps to octets that read the same in ASCII and in the GSM-7 default alphabet: data_coding 0.
  return deliverSm(
    smppAddress(item.to),
    smppAddress(item.from),
    ESM_DELIVERY_RECEIPT,
    0,
    Buffer.from(text, 'latin1'),
    [
      cstringTlv(TlvTag.receipted_message_id, item.messageId),
      uint8Tlv(TlvTag.message_state, stat.messageState),
    ],
  );
}

export function moDeliverSm(item: MoItem): Pdu<'deliver_sm'> {
  const { dataCoding, octets } = encodeForPlatform(item.text);
  return deliverSm(smppAddress(item.from), smppAddress(item.to), 0, dataCoding, octets, []);
}
