// Reading a platform's submit_sm (SMPP 3.4 §4.4.1) into what the gateway needs: normalised addresses, the
// sender checked against the account, times in epoch ms, the user data and its concatenation (a 3GPP
// TS 23.040 UDH IE 0x00/0x08, or the SAR TLVs of §5.3.2.22–24). Pure: it throws RequestRefusedError with
// the command_status to answer and does no I/O.
import { CodecError, parseUdh } from '../codec/index.js';
import type { AccountConfig } from '../config/index.js';
import { CommandStatus, TlvTag, findTlv, tlvUint, type Pdu } from '../smpp/pdu/index.js';
import { RequestRefusedError } from './errors.js';
import type { PartKey } from './ports.js';
import { parseSmppTime } from './smpp-time.js';
import { decodePlatformText, PLATFORM_DATA_CODINGS } from './text.js';
import { ESME_RINVDCS } from './status-map.js';

/** §5.2.12 esm_class: bits 2–5 the message type (0 = default), bit 6 UDHI. */
const ESM_MESSAGE_TYPE_MASK = 0x3c;
const ESM_UDHI = 0x40;

export interface SubmitConcat {
  via: PartKey['via'];
  reference: number;
  total: number;
  seq: number;
}

export interface ReadSubmit {
  to: string;
  from: string;
  registeredDelivery: number;
  dataCoding: number;
  /** short_message or message_payload, without its UDH. */
  userData: Buffer;
  /** The text of this PDU alone (of this part, for a pre-split message). */
  text: string;
  validUntil?: number;
  sendAt?: number;
  /** Set when the message is one part of several (total > 1). */
  concat?: SubmitConcat;
}

/**
 * §5.2.8–9 destination: international (TON 1) or unknown (TON 0) digits, a leading "+" or "00" tolerated,
 * become E.164 with "+". National and other TONs would need a country we do not know: ESME_RINVDSTTON.
 */
export function normaliseDestination(ton: number, address: string): string {
  if (ton !== 0 && ton !== 1) {
    throw new RequestRefusedError(
      CommandStatus.ESME_RINVDSTTON,
      `dest_addr_ton ${ton}: international numbers only`,
    );
  }
  const digits = address.startsWith('+')
    ? address.slice(1)
    : address.startsWith('00')
      ? address.slice(2)
      : address;
  if (!/^\d{3,15}$/.test(digits)) {
    throw new RequestRefusedError(
      CommandStatus.ESME_RINVDSTADR,
      `destination_addr "${address}" is not a number`,
    );
  }
  return `+${digits}`;
}

/** The configured sender source_addr names; numeric senders match with or without their "+". */
export function matchSender(senders: readonly string[], sourceAddr: string): string | undefined {
  if (senders.includes(sourceAddr)) return sourceAddr;
  const numeric = /^\+?\d+$/;
  if (!numeric.test(sourceAddr)) return undefined;
  const bare = sourceAddr.replace(/^\+/, '');
  return senders.find((s) => numeric.test(s) && s.replace(/^\+/, '') === bare);
}

function readConcat(
  pdu: Pdu<'submit_sm'>,
  udhi: boolean,
  data: Buffer,
): { concat?: SubmitConcat; userData: Buffer } {
  let userData = data;
  let concat: SubmitConcat | undefined;
  if (udhi) {
    try {
      const udh = parseUdh(data);
      if (udh.lockingShiftId !== undefined || udh.singleShiftId !== undefined) {
        throw new RequestRefusedError(ESME_RINVDCS, 'national language shift tables are not accepted');
      }
      userData = data.subarray(udh.length);
      if (udh.concat) {
        const c = udh.concat;
        concat = {
          via: c.referenceBits === 8 ? 'udh8' : 'udh16',
          reference: c.reference,
          total: c.total,
          seq: c.sequence,
        };
      }
    } catch (error) {
      if (error instanceof RequestRefusedError) throw error;
      const message = error instanceof CodecError ? error.message : String(error);
      throw new RequestRefusedError(CommandStatus.ESME_RINVMSGLEN, `UDH: ${message}`, { cause: error });
    }
  }
  const ref = tlvUint(pdu.tlvs, TlvTag.sar_msg_ref_num);
  const total = tlvUint(pdu.tlvs, TlvTag.sar_total_segments);
  const seq = tlvUint(pdu.tlvs, TlvTag.sar_segment_seqnum);
  const anySar = [TlvTag.sar_msg_ref_num, TlvTag.sar_total_segments, TlvTag.sar_segment_seqnum].some(
    (tag) => findTlv(pdu.tlvs, tag) !== undefined,
  );
  // A UDH already says where the part belongs; SAR TLVs beside it are redundant and ignored.
  if (anySar && concat === undefined) {
    if (ref === undefined || total === undefined || seq === undefined) {
      throw new RequestRefusedError(
        CommandStatus.ESME_RMISSINGOPTPARAM,
        'sar_msg_ref_num, sar_total_segments and sar_segment_seqnum go together (§5.3.2.22–24)',
      );
    }
    if (total < 1 || seq < 1 || seq > total) {
      throw new RequestRefusedError(CommandStatus.ESME_RINVOPTPARAMVAL, `SAR segment ${seq} of ${total}`);
    }
    concat = { via: 'sar', reference: ref, total, seq };
  }
  return concat && concat.total > 1 ? { concat, userData } : { userData };
}

export function readSubmit(pdu: Pdu<'submit_sm'>, account: AccountConfig, now: number): ReadSubmit {
  const body = pdu.body;
  if ((body.esmClass & ESM_MESSAGE_TYPE_MASK) !== 0) {
    throw new RequestRefusedError(
      CommandStatus.ESME_RINVESMCLASS,
      `esm_class 0x${body.esmClass.toString(16)}: only the default message type is submitted (§5.2.12)`,
    );
  }
  const to = normaliseDestination(body.destAddrTon, body.destinationAddr);
  const from = matchSender(account.senders, body.sourceAddr);
  if (from === undefined) {
    throw new RequestRefusedError(
      CommandStatus.ESME_RINVSRCADR,
      `source_addr "${body.sourceAddr}" is not a sender of account ${account.id}`,
    );
  }
  if (!PLATFORM_DATA_CODINGS.includes(body.dataCoding)) {
    throw new RequestRefusedError(
      ESME_RINVDCS,
      `data_coding 0x${body.dataCoding.toString(16)} is not supported`,
    );
  }
  const payload = findTlv(pdu.tlvs, TlvTag.message_payload);
  if (payload !== undefined && body.shortMessage.length > 0) {
    // §5.3.2.32: with message_payload, sm_length must be 0.
    throw new RequestRefusedError(
      CommandStatus.ESME_RINVMSGLEN,
      'both short_message and message_payload are set',
    );
  }
  const { concat, userData } = readConcat(
    pdu,
    (body.esmClass & ESM_UDHI) !== 0,
    payload ?? body.shortMessage,
  );
  // Decoded now, alone, so a part that can never be read is refused at once rather than when its message completes.
  const text = decodePlatformText(userData, body.dataCoding);
  if (text.length === 0 && concat === undefined) {
    throw new RequestRefusedError(CommandStatus.ESME_RINVMSGLEN, 'the message is empty');
  }

  const schedule = parseSmppTime(body.scheduleDeliveryTime, now);
  if (!schedule.ok) throw new RequestRefusedError(CommandStatus.ESME_RINVSCHED, schedule.reason);
  const validity = parseSmppTime(body.validityPeriod, now);
  if (!validity.ok) throw new RequestRefusedError(CommandStatus.ESME_RINVEXPIRY, validity.reason);
  if (validity.at !== undefined && (validity.at <= now || validity.at <= (schedule.at ?? now))) {
    throw new RequestRefusedError(
      CommandStatus.ESME_RINVEXPIRY,
      'validity_period ends before the message can be sent',
    );
  }

  const read: ReadSubmit = {
    to,
    from,
    registeredDelivery: body.registeredDelivery,
    dataCoding: body.dataCoding,
    userData,
    text,
  };
  if (validity.at !== undefined) read.validUntil = validity.at;
  // A schedule in the past means "now" (§5.2.14 leaves it to the SMSC); only a future one is passed on.
  if (schedule.at !== undefined && schedule.at > now) read.sendAt = schedule.at;
  if (concat) read.concat = concat;
  return read;
}
