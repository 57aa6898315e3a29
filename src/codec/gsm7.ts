/**
 * GSM 7-bit default alphabet (3GPP TS 23.038 §6.2.1), its extension table (§6.2.1.1), the national
 * single/locking shift tables, and septet packing (§6.1.2.1.1, with the UDH fill bits of 3GPP TS 23.040
 * §9.2.3.24).
 */
import {
  DEFAULT_EXTENSION,
  LOCKING_SHIFT_TABLES,
  SINGLE_SHIFT_TABLES,
  type NationalLanguage,
} from './national-language.js';
import { CodecError } from './errors.js';

/** The escape to the extension (or national single shift) table, §6.2.1. */
export const ESC = 0x1b;
const CR = 0x0d;

/**
 * §6.2.1 default alphabet in septet order (index = septet value). Position 0x1B is the escape, not a
 * character: a text containing U+001B is not GSM-7 text.
 */
export const GSM7_DEFAULT_ALPHABET =
  '@£$¥èéùìòÇ\nØø\rÅå' +
  'Δ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ' +
  ' !"#¤%&\'()*+,-./' +
  '0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNO' +
  'PQRSTUVWXYZÄÖÑÜ§' +
  '¿abcdefghijklmno' +
  'pqrstuvwxyzäöñüà';

/** §6.2.1.1 extension table: septet after ESC → character. */
export const GSM7_EXTENSION: Readonly<Record<number, string>> = DEFAULT_EXTENSION;

/*
 * Encode tables: one Int16Array indexed by UTF-16 code unit, so the hot path is one load per character.
 *   -1                      not encodable
 *   0x00..0x7f              one septet
 *   ESCAPED | septet        ESC + septet (extension or national single shift table)
 *   ... | NATIONAL          the ESC septet comes from a national table only: the text needs the IEI 0x24 UDH
 */
export const NOT_GSM7 = -1;
export const ESCAPED = 0x100;
export const NATIONAL = 0x200;

const encodeTables = new Map<NationalLanguage | 'default', Int16Array>();

/** Code unit → septet(s) table for the default alphabet, plus one national single shift table if given. */
export function gsm7EncodeTable(language?: NationalLanguage): Int16Array {
  const key = language ?? 'default';
  const cached = encodeTables.get(key);
  if (cached) return cached;
  const table = new Int16Array(0x10000).fill(NOT_GSM7);
  for (let septet = 0; septet < 128; septet++) {
    if (septet !== ESC) table[GSM7_DEFAULT_ALPHABET.charCodeAt(septet)] = septet;
  }
  const shift = language === undefined ? DEFAULT_EXTENSION : SINGLE_SHIFT_TABLES[language];
  for (const [key, char] of Object.entries(shift)) {
    const septet = Number(key);
    const unit = char.charCodeAt(0);
    // A character in both tables takes the one-septet default position (Portuguese repeats Φ Γ Ω Π Ψ Σ Θ).
    if (table[unit] !== NOT_GSM7) continue;
    table[unit] = ESCAPED | septet | (DEFAULT_EXTENSION[septet] === char ? 0 : NATIONAL);
  }
  encodeTables.set(key, table);
  return table;
}

/**
 * Encodes text to unpacked septets (one per element). Throws `INVALID_GSM7` naming the first character
 * outside the table; the segmenter checks encodability itself and never reaches that throw.
 */
export function encodeGsm7(text: string, language?: NationalLanguage): Uint8Array {
  const table = gsm7EncodeTable(language);
  const out = new Uint8Array(text.length * 2);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const value = table[text.charCodeAt(i)] ?? NOT_GSM7;
    if (value === NOT_GSM7) {
      throw new CodecError(
        'INVALID_GSM7',
        `character ${JSON.stringify(text[i])} at index ${i} is not in the GSM 7-bit alphabet`,
      );
    }
    if (value & ESCAPED) {
      out[n++] = ESC;
      out[n++] = value & 0x7f;
    } else {
      out[n++] = value;
    }
  }
  return out.slice(0, n);
}

/**
 * Decodes unpacked septets. `lockingShift` replaces the default alphabet (IEI 0x25), `singleShift` the
 * extension table (IEI 0x24); a language without a table (Spanish locking shift, A.3.2 void) falls back to
 * the default, as 3GPP TS 23.040 §9.2.3.24.15–16 tell a receiver to.
 *
 * Per §6.2.1.1: ESC followed by a septet the extension table leaves empty shows the main-table character;
 * ESC ESC (reserved for a further extension table) and a trailing lone ESC show a space.
 */
export function decodeGsm7(
  septets: ArrayLike<number>,
  lockingShift?: NationalLanguage,
  singleShift?: NationalLanguage,
): string {
  const main =
    (lockingShift !== undefined ? LOCKING_SHIFT_TABLES[lockingShift] : undefined) ?? GSM7_DEFAULT_ALPHABET;
  const shift = singleShift !== undefined ? SINGLE_SHIFT_TABLES[singleShift] : DEFAULT_EXTENSION;
  let out = '';
  for (let i = 0; i < septets.length; i++) {
    const septet = septets[i] ?? 0;
    if (septet > 0x7f) {
      throw new CodecError('INVALID_GSM7', `octet 0x${septet.toString(16)} at offset ${i} is not a septet`);
    }
    if (septet !== ESC) {
      out += main[septet] ?? ' ';
      continue;
    }
    i++;
    if (i >= septets.length) {
      out += ' ';
      break;
    }
    const next = septets[i] ?? 0;
    if (next > 0x7f) {
      throw new CodecError('INVALID_GSM7', `octet 0x${next.toString(16)} at offset ${i} is not a septet`);
    }
    out += next === ESC ? ' ' : (shift[next] ?? main[next] ?? ' ');
  }
  return out;
}

/** Fill bits that align the first septet after a UDH of `udhOctets` octets (TS 23.040 §9.2.3.24). */
export function fillBits(udhOctets: number): number {
  return (7 - ((udhOctets * 8) % 7)) % 7;
}

/** Octets that `septets` packed septets take after `fill` fill bits. */
export function packedLength(septets: number, fill = 0): number {
  return septets === 0 ? 0 : Math.ceil((fill + septets * 7) / 8);
}

/**
 * Packs septets[start, end) into out at `offset`, after `fill` zero fill bits, least significant bit first
 * (§6.1.2.1.1). Returns the octets written.
 *
 * When the last octet would carry 7 spare bits, they hold CR instead of zeros (§6.1.2.3.1): SMPP carries
 * no septet count, so a receiver sees one more septet than was sent, and a CR is harmless where seven zero
 * bits would show as `@`.
 */
export function packSeptets(
  septets: ArrayLike<number>,
  start: number,
  end: number,
  out: Uint8Array,
  offset: number,
  fill = 0,
): number {
  if (end <= start) return 0;
  let acc = 0;
  let accBits = fill;
  let o = offset;
  for (let i = start; i < end; i++) {
    acc |= ((septets[i] ?? 0) & 0x7f) << accBits;
    accBits += 7;
    if (accBits >= 8) {
      out[o++] = acc & 0xff;
      acc >>>= 8;
      accBits -= 8;
    }
  }
  if (accBits > 0) {
    if (accBits === 1) acc |= CR << 1;
    out[o++] = acc & 0xff;
  }
  return o - offset;
}

/**
 * Unpacks the septets in bytes[offset, end) after `fill` fill bits. A final CR that ends exactly on the
 * last octet boundary is the §6.1.2.3.1 padding written by packSeptets (or by an SMSC) and is dropped; a
 * message whose real last character is such a CR is indistinguishable from it without a septet count.
 */
export function unpackSeptets(bytes: Uint8Array, offset: number, end: number, fill = 0): Uint8Array {
  const bits = (end - offset) * 8 - fill;
  if (bits < 7) return new Uint8Array(0);
  let count = Math.floor(bits / 7);
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const position = fill + i * 7;
    const index = offset + (position >> 3);
    const shift = position & 7;
    let value = (bytes[index] ?? 0) >> shift;
    if (shift > 1) value |= (bytes[index + 1] ?? 0) << (8 - shift);
    out[i] = value & 0x7f;
  }
  if (bits === count * 7 && out[count - 1] === CR) count--;
  return out.subarray(0, count);
}
