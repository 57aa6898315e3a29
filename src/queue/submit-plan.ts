// Turns a stored message record into the submit_sm of each part: addresses with their TON/NPI, the
// esm_class UDHI flag, SAR or message_payload TLVs, registered_delivery and the validity period.
import type { OperatorConfig } from '../config/index.js';
import { TlvTag, uint8Tlv, uint16Tlv, type Tlv } from '../smpp/pdu/index.js';
import type { SegmentSubmit } from '../smpp/types.js';
import type { StoredSegment } from '../store/index.js';

/** §5.2.5/§5.2.6: alphanumeric senders are TON 5; short codes TON 3 (network specific); numbers international. */
export function sourceAddress(
  from: string,
  operator: OperatorConfig,
): { addr: string; ton: number; npi: number } {
  let addr = from;
  let ton: number;
  let npi: number;
  if (/^\+?\d+$/.test(from)) {
    const digits = from.replace(/^\+/, '');
    if (digits.length <= 8 && !from.startsWith('+')) {
      ton = 3;
      npi = 0;
    } else {
      ton = 1;
      npi = 1;
    }
    addr = digits;
  } else {
    ton = 5;
    npi = 0;
  }
  return { addr, ton: operator.sourceAddrTon ?? ton, npi: operator.sourceAddrNpi ?? npi };
}

/** §7.1.1 absolute time format, in UTC: YYMMDDhhmmsstnnp with t=0, nn=00, p='+'. */
export function smppAbsoluteTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    two(d.getUTCFullYear() % 100) +
    two(d.getUTCMonth() + 1) +
    two(d.getUTCDate()) +
    two(d.getUTCHours()) +
    two(d.getUTCMinutes()) +
    two(d.getUTCSeconds()) +
    '000+'
  );
}

export interface SubmitPlanInput {
  from: string;
  to: string;
  dataCoding: number;
  segments: StoredSegment[];
  validUntil?: number;
}

export function planSubmits(input: SubmitPlanInput, operator: OperatorConfig): SegmentSubmit[] {
  const source = sourceAddress(input.from, operator);
  const destination = input.to.replace(/^\+/, '');
  return input.segments.map((segment) => {
    const tlvs: Tlv[] = [];
    if (segment.sar) {
      // §5.3.2.22–24: the reference, the total and this part's number.
      tlvs.push(
        uint16Tlv(TlvTag.sar_msg_ref_num, segment.sar.reference),
        uint8Tlv(TlvTag.sar_total_segments, segment.sar.total),
        uint8Tlv(TlvTag.sar_segment_seqnum, segment.sar.sequence),
      );
    }
    if (segment.payload !== undefined) {
      tlvs.push({ tag: TlvTag.message_payload, value: Buffer.from(segment.payload, 'base64') });
    }
    const submit: SegmentSubmit = {
      sourceAddr: source.addr,
      sourceAddrTon: source.ton,
      sourceAddrNpi: source.npi,
      destinationAddr: destination,
      destAddrTon: operator.destAddrTon ?? 1,
      destAddrNpi: operator.destAddrNpi ?? 1,
      // §5.2.12: bit 6 (0x40) says short_message starts with a UDH.
      esmClass: segment.udhi ? 0x40 : 0x00,
      dataCoding: input.dataCoding,
      shortMessage: Buffer.from(segment.sm, 'base64'),
      // §5.2.17: 1 = SMSC delivery receipt requested on success or failure.
      registeredDelivery: operator.receipts ? 1 : 0,
      tlvs,
    };
    if (input.validUntil !== undefined) submit.validityPeriod = smppAbsoluteTime(input.validUntil);
    return submit;
  });
}
