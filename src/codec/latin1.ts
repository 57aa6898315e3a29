/**
 * ISO-8859-1 (SMPP 3.4 §5.2.19 data_coding 3): one octet per character, U+0000–U+00FF. Offered per operator
 * as a cheaper alternative to UCS-2 for Western European text that is not GSM-7 (140 characters per part
 * instead of 70); not all SMSCs and handsets accept it, hence off by default.
 */

export function isLatin1Unit(unit: number): boolean {
  return unit <= 0xff;
}

/** Writes text[start, end) as Latin-1 into out at offset; the caller has checked every unit is ≤ 0xFF. */
export function writeLatin1(
  text: string,
  start: number,
  end: number,
  out: Uint8Array,
  offset: number,
): number {
  let o = offset;
  for (let i = start; i < end; i++) out[o++] = text.charCodeAt(i) & 0xff;
  return o - offset;
}

export function decodeLatin1(bytes: Uint8Array, offset = 0, end = bytes.length): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + offset, end - offset).toString('latin1');
}
