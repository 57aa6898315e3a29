/**
 * Smart encoding: replace typographic look-alikes by their GSM 03.38 equivalents so that a message typed
 * in a word processor or on a phone keyboard (’ “ ” – … non-breaking spaces) stays in GSM-7 instead of
 * falling back to UCS-2 and halving its capacity. Off by default, per account.
 *
 * The rule is "looks the same": letters are never transliterated (â stays â, so such a text stays UCS-2,
 * and ç is not turned into Ç), because that would change spelling. The segmenter applies the table only
 * when the result is GSM-7; otherwise it sends the original text untouched in UCS-2, which can carry it.
 * docs/encoding.md lists the same table for account owners.
 */
import { gsm7EncodeTable, NOT_GSM7 } from './gsm7.js';

export interface Replacement {
  from: string;
  to: string;
  count: number;
}

export interface SmartEntry {
  from: string;
  to: string;
  name: string;
}

const EXPLICIT: readonly SmartEntry[] = [
  // Single quotes, apostrophes and primes
  { from: '\u2018', to: "'", name: 'LEFT SINGLE QUOTATION MARK' },
  { from: '\u2019', to: "'", name: 'RIGHT SINGLE QUOTATION MARK' },
  { from: '\u201a', to: "'", name: 'SINGLE LOW-9 QUOTATION MARK' },
  { from: '\u201b', to: "'", name: 'SINGLE HIGH-REVERSED-9 QUOTATION MARK' },
  { from: '\u2032', to: "'", name: 'PRIME' },
  { from: '\u2035', to: "'", name: 'REVERSED PRIME' },
  { from: '\u02b9', to: "'", name: 'MODIFIER LETTER PRIME' },
  { from: '\u02bb', to: "'", name: 'MODIFIER LETTER TURNED COMMA' },
  { from: '\u02bc', to: "'", name: 'MODIFIER LETTER APOSTROPHE' },
  { from: '\u02bd', to: "'", name: 'MODIFIER LETTER REVERSED COMMA' },
  { from: '\u00b4', to: "'", name: 'ACUTE ACCENT' },
  { from: '\u0060', to: "'", name: 'GRAVE ACCENT (not in GSM 03.38, whose 0x60 is ¿)' },
  { from: '\u2039', to: '<', name: 'SINGLE LEFT-POINTING ANGLE QUOTATION MARK' },
  { from: '\u203a', to: '>', name: 'SINGLE RIGHT-POINTING ANGLE QUOTATION MARK' },
  // Double quotes
  { from: '\u201c', to: '"', name: 'LEFT DOUBLE QUOTATION MARK' },
  { from: '\u201d', to: '"', name: 'RIGHT DOUBLE QUOTATION MARK' },
  { from: '\u201e', to: '"', name: 'DOUBLE LOW-9 QUOTATION MARK' },
  { from: '\u201f', to: '"', name: 'DOUBLE HIGH-REVERSED-9 QUOTATION MARK' },
  { from: '\u2033', to: '"', name: 'DOUBLE PRIME' },
  { from: '\u2036', to: '"', name: 'REVERSED DOUBLE PRIME' },
  { from: '\u00ab', to: '"', name: 'LEFT-POINTING DOUBLE ANGLE QUOTATION MARK (guillemet)' },
  { from: '\u00bb', to: '"', name: 'RIGHT-POINTING DOUBLE ANGLE QUOTATION MARK (guillemet)' },
  { from: '\u02ba', to: '"', name: 'MODIFIER LETTER DOUBLE PRIME' },
  { from: '\u02ee', to: '"', name: 'MODIFIER LETTER DOUBLE APOSTROPHE' },
  { from: '\u301d', to: '"', name: 'REVERSED DOUBLE PRIME QUOTATION MARK' },
  { from: '\u301e', to: '"', name: 'DOUBLE PRIME QUOTATION MARK' },
  // Hyphens, dashes and minus
  { from: '\u2010', to: '-', name: 'HYPHEN' },
  { from: '\u2011', to: '-', name: 'NON-BREAKING HYPHEN' },
  { from: '\u2012', to: '-', name: 'FIGURE DASH' },
  { from: '\u2013', to: '-', name: 'EN DASH' },
  { from: '\u2014', to: '-', name: 'EM DASH' },
  { from: '\u2015', to: '-', name: 'HORIZONTAL BAR' },
  { from: '\u2043', to: '-', name: 'HYPHEN BULLET' },
  { from: '\u2212', to: '-', name: 'MINUS SIGN' },
  { from: '\ufe58', to: '-', name: 'SMALL EM DASH' },
  { from: '\ufe63', to: '-', name: 'SMALL HYPHEN-MINUS' },
  // Dots
  { from: '\u2026', to: '...', name: 'HORIZONTAL ELLIPSIS' },
  { from: '\u2025', to: '..', name: 'TWO DOT LEADER' },
  { from: '\u2024', to: '.', name: 'ONE DOT LEADER' },
  // Spaces
  { from: '\u0009', to: ' ', name: 'CHARACTER TABULATION (not in GSM 03.38)' },
  { from: '\u00a0', to: ' ', name: 'NO-BREAK SPACE' },
  { from: '\u2000', to: ' ', name: 'EN QUAD' },
  { from: '\u2001', to: ' ', name: 'EM QUAD' },
  { from: '\u2002', to: ' ', name: 'EN SPACE' },
  { from: '\u2003', to: ' ', name: 'EM SPACE' },
  { from: '\u2004', to: ' ', name: 'THREE-PER-EM SPACE' },
  { from: '\u2005', to: ' ', name: 'FOUR-PER-EM SPACE' },
  { from: '\u2006', to: ' ', name: 'SIX-PER-EM SPACE' },
  { from: '\u2007', to: ' ', name: 'FIGURE SPACE' },
  { from: '\u2008', to: ' ', name: 'PUNCTUATION SPACE' },
  { from: '\u2009', to: ' ', name: 'THIN SPACE' },
  { from: '\u200a', to: ' ', name: 'HAIR SPACE' },
  { from: '\u202f', to: ' ', name: 'NARROW NO-BREAK SPACE (French typography before ; : ! ?)' },
  { from: '\u205f', to: ' ', name: 'MEDIUM MATHEMATICAL SPACE' },
  { from: '\u3000', to: ' ', name: 'IDEOGRAPHIC SPACE' },
  // Invisible characters: removed
  { from: '\u00ad', to: '', name: 'SOFT HYPHEN' },
  { from: '\u200b', to: '', name: 'ZERO WIDTH SPACE' },
  { from: '\u200c', to: '', name: 'ZERO WIDTH NON-JOINER' },
  { from: '\u200d', to: '', name: 'ZERO WIDTH JOINER' },
  { from: '\u200e', to: '', name: 'LEFT-TO-RIGHT MARK' },
  { from: '\u200f', to: '', name: 'RIGHT-TO-LEFT MARK' },
  { from: '\u2060', to: '', name: 'WORD JOINER' },
  { from: '\ufeff', to: '', name: 'ZERO WIDTH NO-BREAK SPACE (byte order mark)' },
  // Line breaks
  { from: '\u2028', to: '\n', name: 'LINE SEPARATOR' },
  { from: '\u2029', to: '\n', name: 'PARAGRAPH SEPARATOR' },
  { from: '\u0085', to: '\n', name: 'NEXT LINE (NEL)' },
  // Symbols with an identical GSM glyph (several are Unicode canonical equivalents)
  { from: '\u2044', to: '/', name: 'FRACTION SLASH' },
  { from: '\u2215', to: '/', name: 'DIVISION SLASH' },
  { from: '\u2216', to: '\\', name: 'SET MINUS' },
  { from: '\u02c6', to: '^', name: 'MODIFIER LETTER CIRCUMFLEX ACCENT' },
  { from: '\u02dc', to: '~', name: 'SMALL TILDE' },
  { from: '\u2126', to: '\u03a9', name: 'OHM SIGN → GREEK CAPITAL LETTER OMEGA' },
  { from: '\u2206', to: '\u0394', name: 'INCREMENT → GREEK CAPITAL LETTER DELTA' },
  { from: '\u212b', to: '\u00c5', name: 'ANGSTROM SIGN → LATIN CAPITAL LETTER A WITH RING ABOVE' },
  { from: '\u037e', to: ';', name: 'GREEK QUESTION MARK' },
  { from: '\u2223', to: '|', name: 'DIVIDES' },
  { from: '\u2225', to: '||', name: 'PARALLEL TO' },
];

/**
 * The whole table: the explicit entries, then the fullwidth forms U+FF01–U+FF5E of the printable ASCII
 * characters (CJK keyboards), each to its ASCII character. Entries whose result is not GSM-7 are left out.
 */
export const SMART_ENCODING_TABLE: readonly SmartEntry[] = buildTable();

function buildTable(): SmartEntry[] {
  const gsm = gsm7EncodeTable();
  const entries: SmartEntry[] = [...EXPLICIT];
  for (let unit = 0xff01; unit <= 0xff5e; unit++) {
    entries.push({
      from: String.fromCharCode(unit),
      to: String.fromCharCode(unit - 0xff01 + 0x21),
      name: `FULLWIDTH FORM OF U+${(unit - 0xff01 + 0x21).toString(16).toUpperCase().padStart(4, '0')}`,
    });
  }
  return entries.filter((entry) => [...entry.to].every((char) => gsm[char.charCodeAt(0)] !== NOT_GSM7));
}

const MAP = new Map<number, string>(
  SMART_ENCODING_TABLE.map((entry) => [entry.from.charCodeAt(0), entry.to]),
);
const FLAGGED = new Uint8Array(0x10000);
for (const unit of MAP.keys()) FLAGGED[unit] = 1;
// Combining diacritical marks: a decomposed letter (e + U+0301) may compose (NFC) into a GSM letter (é).
for (let unit = 0x0300; unit <= 0x036f; unit++) FLAGGED[unit] = 2;

let segmenter: Intl.Segmenter | undefined;

/**
 * Applies the table. Decomposed letters (base + combining mark, as some keyboards and macOS produce) are
 * also composed (Unicode NFC): canonically equivalent, so nothing visible changes. Returns the input string
 * itself when nothing applies.
 */
export function applySmartEncoding(text: string): { text: string; replacements: Replacement[] } {
  let first = -1;
  let combining = false;
  for (let i = 0; i < text.length; i++) {
    const flag = FLAGGED[text.charCodeAt(i)];
    if (flag) {
      if (first < 0) first = i;
      if (flag === 2) combining = true;
    }
  }
  if (first < 0) return { text, replacements: [] };

  const counts = new Map<string, Replacement>();
  const note = (from: string, to: string): void => {
    const key = `${from}\u0000${to}`;
    const existing = counts.get(key);
    if (existing) existing.count++;
    else counts.set(key, { from, to, count: 1 });
  };

  let source = text;
  if (combining) {
    segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
    let composed = '';
    for (const { segment } of segmenter.segment(text)) {
      // Only graphemes with a combining mark: NFC would also rewrite singletons such as U+2126, which the
      // table below replaces and reports itself.
      const nfc = /[\u0300-\u036f]/.test(segment) ? segment.normalize('NFC') : segment;
      if (nfc !== segment) note(segment, nfc);
      composed += nfc;
    }
    source = composed;
  }

  let out = '';
  let last = 0;
  for (let i = 0; i < source.length; i++) {
    const to = MAP.get(source.charCodeAt(i));
    if (to === undefined) continue;
    out += source.slice(last, i) + to;
    last = i + 1;
    note(source[i] ?? '', to);
  }
  out += source.slice(last);
  return { text: out, replacements: [...counts.values()] };
}
