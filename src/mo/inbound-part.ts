// One deliver_sm (or data_sm) that is not a receipt, decoded: its addresses, text, and the concatenation
// it belongs to, read from the UDH (8- or 16-bit reference, 3GPP TS 23.040 §9.2.3.24.1/.8) or from the SAR
// TLVs (SMPP 3.4 §5.3.2.22–24). The decoder does no I/O.
import { createHash } from 'node:crypto';
import { CodecError, decodeShortMessage, type DecodedMessage } from '../codec/index.js';
import { findTlv, TlvTag, tlvUint } from '../smpp/pdu/index.js';
import type { InboundDeliver } from '../smpp/types.js';

export interface ConcatRef {
  reference: number;
  total: number;
  sequence: number;
  via: 'udh8' | 'udh16' | 'sar';
}

export interface InboundPart {
  operatorId: string;
  /** source_addr as received. */
  from: string;
  sourceAddrTon: number;
  /** destination_addr as received (the short code). */
  to: string;
  receivedAt: number;
  dataCoding: number;
  encoding: DecodedMessage['encoding'];
  text: string;
  /** The user data after the UDH, so parts can be joined before decoding (a character split across parts). */
  userData: Buffer;
  /** A national language shift table applies: such parts are decoded one by one. */
  languageShift: boolean;
  /** Set only for a part of a message of more than one part. */
  concat?: ConcatRef;
  /** Digest of the octets as received: a part the SMSC resends is recognised by it. */
  digest: string;
  /** Why the octets could not be decoded (the message is still forwarded, with empty text). */
  decodeError?: string;
}

function sarOf(deliver: InboundDeliver): ConcatRef | undefined {
  const reference = tlvUint(deliver.tlvs, TlvTag.sar_msg_ref_num);
  const total = tlvUint(deliver.tlvs, TlvTag.sar_total_segments);
  const sequence = tlvUint(deliver.tlvs, TlvTag.sar_segment_seqnum);
  if (reference === undefined || total === undefined || sequence === undefined) return undefined;
  // §5.3.2.23–24: 1..255 parts, sequence within them; anything else is treated as a single message.
  if (total < 1 || sequence < 1 || sequence > total) return undefined;
  return { reference, total, sequence, via: 'sar' };
}

export function decodeInbound(deliver: InboundDeliver): InboundPart {
  const payload = findTlv(deliver.tlvs, TlvTag.message_payload);
  const bytes = deliver.shortMessage.length > 0 || !payload ? deliver.shortMessage : payload;
  const digest = createHash('sha1')
    .update(bytes)
    .update(`|${deliver.dataCoding}|${deliver.esmClass & 0x40}`)
    .digest('hex');
  const part: InboundPart = {
    operatorId: deliver.operatorId,
    from: deliver.sourceAddr,
    sourceAddrTon: deliver.sourceAddrTon,
    to: deliver.destinationAddr,
    receivedAt: deliver.receivedAt,
    dataCoding: deliver.dataCoding,
    encoding: 'binary',
    text: '',
    userData: bytes,
    languageShift: false,
    digest,
  };
  let decoded: DecodedMessage;
  try {
    // §5.2.12: esm_class bit 6 says the short message starts with a user data header.
    decoded = decodeShortMessage(bytes, deliver.dataCoding, { udhi: (deliver.esmClass & 0x40) !== 0 });
  } catch (error) {
    if (!(error instanceof CodecError)) throw error;
    part.decodeError = error.message;
    const sar = sarOf(deliver);
    if (sar && sar.total > 1) part.concat = sar;
    return part;
  }
  part.encoding = decoded.encoding;
  part.text = decoded.text;
  part.userData = decoded.userData;
  part.languageShift = decoded.udh?.lockingShift !== undefined || decoded.udh?.singleShift !== undefined;
  const udhConcat = decoded.udh?.concat;
  const concat: ConcatRef | undefined = udhConcat
    ? {
        reference: udhConcat.reference,
        total: udhConcat.total,
        sequence: udhConcat.sequence,
        via: udhConcat.referenceBits === 16 ? 'udh16' : 'udh8',
      }
    : sarOf(deliver);
  if (concat && concat.total > 1) part.concat = concat;
  return part;
}
