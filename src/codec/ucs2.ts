/**
 * UCS-2 as SMPP carries it (data_coding 8): UTF-16 big-endian code units, 3GPP TS 23.038 §5/§6.2.3 (the
 * standard says UCS-2; handsets read UTF-16, so characters outside the BMP travel as surrogate pairs).
 */
import { CodecError } from './errors.js';

/** Writes text[start, end) as UTF-16BE into out at offset; returns the octets written. */
export function writeUcs2(text: string, start: number, end: number, out: Uint8Array, offset: number): number {
  let o = offset;
  for (let i = start; i < end; i++) {
    const unit = text.charCodeAt(i);
    out[o++] = unit >>> 8;
    out[o++] = unit & 0xff;
  }
  return o - offset;
}

export function encodeUcs2(text: string): Buffer {
  const out = Buffer.allocUnsafe(text.length * 2);
  writeUcs2(text, 0, text.length, out, 0);
  return out;
}

/**
 * Decodes UTF-16BE. A lone surrogate is kept as is rather than turned into U+FFFD: an SMSC or handset that
 * split a surrogate pair across two parts leaves half of it in each, and the MO reassembler can still join
 * the two halves back into one character.
 */
export function decodeUcs2(bytes: Uint8Array, offset = 0, end = bytes.length): string {
  if ((end - offset) % 2 !== 0) {
    throw new CodecError('INVALID_UCS2', `UCS-2 data has an odd length (${end - offset} octets)`);
  }
  let out = '';
  // Chunks keep String.fromCharCode's argument count far below the engine's limit.
  const chunk: number[] = [];
  for (let i = offset; i < end; i += 2) {
    chunk.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
    if (chunk.length === 4096) {
      out += String.fromCharCode(...chunk);
      chunk.length = 0;
    }
  }
  return out + String.fromCharCode(...chunk);
}
