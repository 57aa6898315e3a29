/**
 * User Data Header, 3GPP TS 23.040 §9.2.3.24: UDHL (one octet) followed by information elements
 * (IEI, IEDL, data). The codec writes and reads four IEs:
 *   0x00 concatenated short messages, 8-bit reference   (§9.2.3.24.1)  ref, total, sequence
 *   0x08 concatenated short messages, 16-bit reference  (§9.2.3.24.8)  ref hi, ref lo, total, sequence
 *   0x24 national language single shift                 (§9.2.3.24.15) language id
 *   0x25 national language locking shift                (§9.2.3.24.16) language id
 * Other IEs are kept as raw elements.
 */
import { CodecError } from './errors.js';
import { nationalLanguageFromId, type NationalLanguage } from './national-language.js';

export const IEI_CONCAT_8 = 0x00;
export const IEI_CONCAT_16 = 0x08;
export const IEI_SINGLE_SHIFT = 0x24;
export const IEI_LOCKING_SHIFT = 0x25;

export interface ConcatInfo {
  reference: number;
  total: number;
  sequence: number;
  referenceBits: 8 | 16;
}

export interface ParsedUdh {
  elements: Array<{ iei: number; data: Buffer }>;
  concat?: ConcatInfo;
  lockingShift?: NationalLanguage;
  singleShift?: NationalLanguage;
  /** The raw language ids, also when the language is one the codec has no table for (Bengali, …). */
  lockingShiftId?: number;
  singleShiftId?: number;
  /** Octets the UDH takes, UDHL octet included. */
  length: number;
}

/** Octets of the IEs themselves: 0x00 → 5, 0x08 → 6, 0x24 → 3. */
export const CONCAT_8_IE_OCTETS = 5;
export const CONCAT_16_IE_OCTETS = 6;
export const SHIFT_IE_OCTETS = 3;

/**
 * Writes a UDH into out at offset and returns its length (UDHL octet included), or 0 when there is no IE.
 * Concatenation comes first, then the single shift IE.
 */
export function writeUdh(
  out: Uint8Array,
  offset: number,
  concat: { referenceBits: 8 | 16; reference: number; total: number; sequence: number } | undefined,
  singleShiftId: number | undefined,
): number {
  let o = offset + 1;
  if (concat !== undefined) {
    if (concat.referenceBits === 8) {
      out[o++] = IEI_CONCAT_8;
      out[o++] = 3;
      out[o++] = concat.reference & 0xff;
    } else {
      out[o++] = IEI_CONCAT_16;
      out[o++] = 4;
      out[o++] = (concat.reference >>> 8) & 0xff;
      out[o++] = concat.reference & 0xff;
    }
    out[o++] = concat.total;
    out[o++] = concat.sequence;
  }
  if (singleShiftId !== undefined) {
    out[o++] = IEI_SINGLE_SHIFT;
    out[o++] = 1;
    out[o++] = singleShiftId;
  }
  if (o === offset + 1) return 0;
  out[offset] = o - offset - 1;
  return o - offset;
}

/** UDH length in octets (UDHL octet included) for the given IEs; 0 without any. */
export function udhLength(concatBits: 8 | 16 | undefined, singleShift: boolean): number {
  const ies =
    (concatBits === 8 ? CONCAT_8_IE_OCTETS : concatBits === 16 ? CONCAT_16_IE_OCTETS : 0) +
    (singleShift ? SHIFT_IE_OCTETS : 0);
  return ies === 0 ? 0 : ies + 1;
}

/**
 * Parses the UDH at the start of `bytes` (the short_message when esm_class has UDHI set). Every length is
 * checked against the buffer: malformed input throws `MALFORMED_UDH`, it never reads past the end.
 *
 * Per §9.2.3.24.1/.8 a concatenation IE whose total is 0, or whose sequence is 0 or above the total, is
 * ignored (kept in `elements`, no `concat`); a repeated IE counts by its last occurrence (§9.2.3.24).
 */
export function parseUdh(bytes: Buffer): ParsedUdh {
  if (bytes.length < 1) throw new CodecError('MALFORMED_UDH', 'UDH expected but the user data is empty');
  const udhl = bytes[0] ?? 0;
  const length = udhl + 1;
  if (length > bytes.length) {
    throw new CodecError(
      'MALFORMED_UDH',
      `UDH length ${udhl} exceeds the ${bytes.length - 1} octets that follow it`,
    );
  }
  const result: ParsedUdh = { elements: [], length };
  let i = 1;
  while (i < length) {
    if (i + 2 > length) {
      throw new CodecError('MALFORMED_UDH', `information element header truncated at offset ${i}`);
    }
    const iei = bytes[i] ?? 0;
    const iedl = bytes[i + 1] ?? 0;
    const start = i + 2;
    if (start + iedl > length) {
      throw new CodecError(
        'MALFORMED_UDH',
        `information element 0x${hex(iei)} at offset ${i} declares ${iedl} octets, only ${length - start} remain`,
      );
    }
    const data = Buffer.from(bytes.subarray(start, start + iedl));
    result.elements.push({ iei, data });
    interpret(result, iei, data, i);
    i = start + iedl;
  }
  return result;
}

function interpret(result: ParsedUdh, iei: number, data: Buffer, offset: number): void {
  const expect = (octets: number): void => {
    if (data.length !== octets) {
      throw new CodecError(
        'MALFORMED_UDH',
        `information element 0x${hex(iei)} at offset ${offset} has ${data.length} octets, expected ${octets}`,
      );
    }
  };
  switch (iei) {
    case IEI_CONCAT_8: {
      expect(3);
      setConcat(result, data[0] ?? 0, data[1] ?? 0, data[2] ?? 0, 8);
      break;
    }
    case IEI_CONCAT_16: {
      expect(4);
      setConcat(result, ((data[0] ?? 0) << 8) | (data[1] ?? 0), data[2] ?? 0, data[3] ?? 0, 16);
      break;
    }
    case IEI_SINGLE_SHIFT: {
      expect(1);
      result.singleShiftId = data[0] ?? 0;
      result.singleShift = nationalLanguageFromId(result.singleShiftId);
      if (result.singleShift === undefined) delete result.singleShift;
      break;
    }
    case IEI_LOCKING_SHIFT: {
      expect(1);
      result.lockingShiftId = data[0] ?? 0;
      result.lockingShift = nationalLanguageFromId(result.lockingShiftId);
      if (result.lockingShift === undefined) delete result.lockingShift;
      break;
    }
    default:
      break;
  }
}

function setConcat(
  result: ParsedUdh,
  reference: number,
  total: number,
  sequence: number,
  bits: 8 | 16,
): void {
  if (total === 0 || sequence === 0 || sequence > total) {
    delete result.concat;
    return;
  }
  result.concat = { reference, total, sequence, referenceBits: bits };
}

function hex(value: number): string {
  return value.toString(16).padStart(2, '0');
}
