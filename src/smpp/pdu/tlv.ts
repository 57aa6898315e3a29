// SMPP 3.4 §5.3.2 optional parameter (TLV) tags. TLVs are kept as raw bytes on the PDU and read through
// typed accessors, so an unknown or vendor TLV survives decoding untouched.

export const TlvTag = {
  dest_addr_subunit: 0x0005,
  dest_network_type: 0x0006,
  dest_bearer_type: 0x0007,
  dest_telematics_id: 0x0008,
  source_addr_subunit: 0x000d,
  source_network_type: 0x000e,
  source_bearer_type: 0x000f,
  source_telematics_id: 0x0010,
  qos_time_to_live: 0x0017,
  payload_type: 0x0019,
  additional_status_info_text: 0x001d,
  receipted_message_id: 0x001e,
  ms_msg_wait_facilities: 0x0030,
  privacy_indicator: 0x0201,
  source_subaddress: 0x0202,
  dest_subaddress: 0x0203,
  user_message_reference: 0x0204,
  user_response_code: 0x0205,
  source_port: 0x020a,
  destination_port: 0x020b,
  sar_msg_ref_num: 0x020c,
  language_indicator: 0x020d,
  sar_total_segments: 0x020e,
  sar_segment_seqnum: 0x020f,
  sc_interface_version: 0x0210,
  callback_num_pres_ind: 0x0302,
  callback_num_atag: 0x0303,
  number_of_messages: 0x0304,
  callback_num: 0x0381,
  dpf_result: 0x0420,
  set_dpf: 0x0421,
  ms_availability_status: 0x0422,
  network_error_code: 0x0423,
  message_payload: 0x0424,
  delivery_failure_reason: 0x0425,
  more_messages_to_send: 0x0426,
  message_state: 0x0427,
  ussd_service_op: 0x0501,
  display_time: 0x1201,
  sms_signal: 0x1203,
  ms_validity: 0x1204,
  alert_on_message_delivery: 0x130c,
  its_reply_type: 0x1380,
  its_session_info: 0x1383,
} as const;

export type TlvName = keyof typeof TlvTag;

export interface Tlv {
  tag: number;
  value: Buffer;
}

export function findTlv(tlvs: readonly Tlv[], tag: number): Buffer | undefined {
  for (const tlv of tlvs) if (tlv.tag === tag) return tlv.value;
  return undefined;
}

/** Unsigned big-endian integer TLV (1, 2 or 4 octets); undefined when absent or of another size. */
export function tlvUint(tlvs: readonly Tlv[], tag: number): number | undefined {
  const value = findTlv(tlvs, tag);
  if (!value) return undefined;
  if (value.length === 1) return value.readUInt8(0);
  if (value.length === 2) return value.readUInt16BE(0);
  if (value.length === 4) return value.readUInt32BE(0);
  return undefined;
}

/** C-octet string TLV: the text up to the first NUL (some SMSCs omit the terminator, §5.3.2.12 notwithstanding). */
export function tlvCString(tlvs: readonly Tlv[], tag: number): string | undefined {
  const value = findTlv(tlvs, tag);
  if (!value) return undefined;
  const end = value.indexOf(0);
  return value.toString('latin1', 0, end === -1 ? value.length : end);
}

export function uint8Tlv(tag: number, n: number): Tlv {
  return { tag, value: Buffer.from([n & 0xff]) };
}

export function uint16Tlv(tag: number, n: number): Tlv {
  const value = Buffer.alloc(2);
  value.writeUInt16BE(n & 0xffff, 0);
  return { tag, value };
}

export function cstringTlv(tag: number, s: string): Tlv {
  return { tag, value: Buffer.concat([Buffer.from(s, 'latin1'), Buffer.from([0])]) };
}
