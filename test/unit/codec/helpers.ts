/**
 * Reference implementations for the codec tests, written the slow and obvious way so that they do not
 * share code (or bugs) with src/codec.
 */
import { expect } from 'vitest';
import { CodecError, decodeShortMessage, type Segment, type SplitResult } from '../../../src/codec/index.js';

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex').toUpperCase();

export const repeat = (s: string, n: number): string => s.repeat(n);

/**
 * Packs septets after a UDH the way 3GPP TS 23.040 §9.2.3.24 draws it, through an explicit bit string
 * (least significant bit first): UDH octets, fill bits to the next septet boundary, the septets, then
 * CR (0x0D) in 7 spare bits (TS 23.038 §6.1.2.3.1) or zeros otherwise.
 */
export function referencePack(septets: readonly number[], udh: readonly number[] = []): number[] {
  const bits: number[] = [];
  for (const octet of udh) for (let b = 0; b < 8; b++) bits.push((octet >> b) & 1);
  while (bits.length % 7 !== 0) bits.push(0);
  for (const septet of septets) for (let b = 0; b < 7; b++) bits.push((septet >> b) & 1);
  const spare = (8 - (bits.length % 8)) % 8;
  if (spare === 7) for (let b = 0; b < 7; b++) bits.push((0x0d >> b) & 1);
  while (bits.length % 8 !== 0) bits.push(0);
  const octets: number[] = [];
  for (let i = 0; i < bits.length; i += 8) {
    let octet = 0;
    for (let b = 0; b < 8; b++) octet |= (bits[i + b] ?? 0) << b;
    octets.push(octet);
  }
  return octets;
}

/** UDH octets of a segment (UDHL included), 0 without UDHI. */
export function udhOctets(bytes: Buffer, udhi: boolean): number {
  return udhi ? (bytes[0] ?? 0) + 1 : 0;
}

/**
 * TP-UD octets the part takes on the air interface (TS 23.040 §9.2.3.16): GSM septets are packed there,
 * after the UDH and its fill bits, whatever the SMPP form. This is what must not exceed 140.
 */
export function airOctets(result: SplitResult, segment: Segment, packed: boolean): number {
  const bytes = segment.messagePayload ?? segment.shortMessage;
  if (result.encoding !== 'gsm7' || packed) return bytes.length;
  const udh = udhOctets(bytes, segment.udhi);
  const udhSeptets = Math.ceil((udh * 8) / 7);
  return Math.ceil(((udhSeptets + segment.units) * 7) / 8);
}

/** Decodes every segment of a split result and joins the texts. */
export function decodeAll(result: SplitResult, packed = false): string {
  return result.segments
    .map(
      (segment) =>
        decodeShortMessage(segment.messagePayload ?? segment.shortMessage, result.dataCoding, {
          udhi: segment.udhi,
          packed,
        }).text,
    )
    .join('');
}

/** Run `fn`, expecting it to throw a CodecError; returns it so the test can check its code. */
export function codecError(fn: () => unknown): CodecError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CodecError);
    return error as CodecError;
  }
  throw new Error('expected a CodecError');
}
