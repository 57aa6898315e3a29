/**
 * National language shift tables of 3GPP TS 23.038 Annex A, for the three languages the gateway offers.
 *
 * A single shift table (A.2.x, UDH IEI 0x24, 3GPP TS 23.040 §9.2.3.24.15) replaces the default extension
 * table: its characters cost two septets (ESC + septet) like `€`. A locking shift table (A.3.x, IEI 0x25,
 * §9.2.3.24.16) replaces the whole default alphabet. The encoder only ever uses single shift (one septet per
 * ordinary character, and the default alphabet stays readable on handsets that ignore the IE); the decoder
 * understands both because handsets send either.
 */

export type NationalLanguage = 'turkish' | 'spanish' | 'portuguese';

/** National language identifiers, 3GPP TS 23.038 §6.2.1.2.4. */
export const NATIONAL_LANGUAGE_ID: Readonly<Record<NationalLanguage, number>> = Object.freeze({
  turkish: 1,
  spanish: 2,
  portuguese: 3,
});

export const NATIONAL_LANGUAGES: readonly NationalLanguage[] = Object.freeze([
  'turkish',
  'spanish',
  'portuguese',
]);

export function nationalLanguageFromId(id: number): NationalLanguage | undefined {
  for (const language of NATIONAL_LANGUAGES) {
    if (NATIONAL_LANGUAGE_ID[language] === id) return language;
  }
  return undefined;
}

/**
 * The characters every shift table shares with the default extension table (§6.2.1.1), at the same
 * positions: form feed, `^ { } \ [ ~ ] |` and `€`. Text using only these needs no national IE.
 */
export const DEFAULT_EXTENSION: Readonly<Record<number, string>> = Object.freeze({
  0x0a: '\f',
  0x14: '^',
  0x28: '{',
  0x29: '}',
  0x2f: '\\',
  0x3c: '[',
  0x3d: '~',
  0x3e: ']',
  0x40: '|',
  0x65: '€',
});

/** Annex A.2: single shift tables, septet → character (positions not listed are empty). */
export const SINGLE_SHIFT_TABLES: Readonly<Record<NationalLanguage, Readonly<Record<number, string>>>> =
  Object.freeze({
    // A.2.1 Turkish National Language Single Shift Table
    turkish: Object.freeze({
      ...DEFAULT_EXTENSION,
      0x47: 'Ğ',
      0x49: 'İ',
      0x53: 'Ş',
      0x63: 'ç',
      0x67: 'ğ',
      0x69: 'ı',
      0x73: 'ş',
    }),
    // A.2.2 Spanish National Language Single Shift Table
    spanish: Object.freeze({
      ...DEFAULT_EXTENSION,
      0x09: 'ç',
      0x41: 'Á',
      0x49: 'Í',
      0x4f: 'Ó',
      0x55: 'Ú',
      0x61: 'á',
      0x69: 'í',
      0x6f: 'ó',
      0x75: 'ú',
    }),
    // A.2.3 Portuguese National Language Single Shift Table. Φ Γ Ω Π Ψ Σ Θ are also in the default
    // alphabet; the encoder prefers the one-septet default position.
    portuguese: Object.freeze({
      ...DEFAULT_EXTENSION,
      0x05: 'ê',
      0x09: 'ç',
      0x0b: 'Ô',
      0x0c: 'ô',
      0x0e: 'Á',
      0x0f: 'á',
      0x12: 'Φ',
      0x13: 'Γ',
      0x15: 'Ω',
      0x16: 'Π',
      0x17: 'Ψ',
      0x18: 'Σ',
      0x19: 'Θ',
      0x1f: 'Ê',
      0x41: 'À',
      0x49: 'Í',
      0x4f: 'Ó',
      0x55: 'Ú',
      0x5b: 'Ã',
      0x5c: 'Õ',
      0x61: 'Â',
      0x69: 'í',
      0x6f: 'ó',
      0x75: 'ú',
      0x7b: 'ã',
      0x7c: 'õ',
      0x7f: 'â',
    }),
  });

/**
 * Annex A.3: locking shift tables, 128 characters in septet order; `\u001b` marks the escape position.
 * A.3.2 (Spanish) is void: a Spanish locking shift means the default alphabet.
 */
export const LOCKING_SHIFT_TABLES: Readonly<Partial<Record<NationalLanguage, string>>> = Object.freeze({
  // A.3.1 Turkish National Language Locking Shift Table
  turkish:
    '@£$¥€éùıòÇ\nĞğ\rÅå' +
    'Δ_ΦΓΛΩΠΨΣΘΞ\u001bŞşßÉ' +
    ' !"#¤%&\'()*+,-./' +
    '0123456789:;<=>?' +
    'İABCDEFGHIJKLMNO' +
    'PQRSTUVWXYZÄÖÑÜ§' +
    'çabcdefghijklmno' +
    'pqrstuvwxyzäöñüà',
  // A.3.3 Portuguese National Language Locking Shift Table
  portuguese:
    '@£$¥êéúíóç\nÔô\rÁá' +
    'Δ_ªÇÀ∞^\\€Ó|\u001bÂâÊÉ' +
    ' !"#º%&\'()*+,-./' +
    '0123456789:;<=>?' +
    'ÍABCDEFGHIJKLMNO' +
    'PQRSTUVWXYZÃÕÚÜ§' +
    '~abcdefghijklmno' +
    'pqrstuvwxyzãõ`üà',
});
