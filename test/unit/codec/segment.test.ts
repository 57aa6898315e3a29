import { describe, expect, it } from 'vitest';
import {
  analyseText,
  decodeGsm7,
  encodeGsm7,
  GSM7_DEFAULT_ALPHABET,
  splitMessage,
  type EncodingOptions,
} from '../../../src/codec/index.js';
import {
  char,
  defaultAlphabetEntries,
  EXTENSION_TABLE,
  SINGLE_SHIFT_EXTRA,
} from '../../fixtures/codec/gsm-03-38.js';
import { codecError, hex } from './helpers.js';

describe('GSM 03.38 tables against the fixture', () => {
  it('the default alphabet is the standard grid, septet for septet', () => {
    const fromGrid = defaultAlphabetEntries();
    expect(fromGrid).toHaveLength(127);
    for (const { septet, char: c } of fromGrid) expect(GSM7_DEFAULT_ALPHABET[septet]).toBe(c);
  });

  it('every default and extension character round-trips through encodeGsm7/decodeGsm7', () => {
    const text = defaultAlphabetEntries()
      .map((e) => e.char)
      .join('');
    const ext = EXTENSION_TABLE.map(([, codePoint]) => char(codePoint)).join('');
    expect(decodeGsm7(encodeGsm7(text + ext))).toBe(text + ext);
    expect(hex(encodeGsm7(ext))).toBe(EXTENSION_TABLE.map(([s]) => `1B${hex(Uint8Array.of(s))}`).join(''));
  });

  it('encodeGsm7 refuses a character outside the alphabet', () => {
    expect(codecError(() => encodeGsm7('aç')).code).toBe('INVALID_GSM7');
  });

  it.each(Object.entries(SINGLE_SHIFT_EXTRA))(
    '%s single shift encodes its characters as ESC + septet',
    (language, entries) => {
      for (const [septet, codePoint] of entries) {
        const options = { nationalLanguage: language as EncodingOptions['nationalLanguage'], reference: 1 };
        const split = splitMessage(char(codePoint), options);
        expect(split.encoding).toBe('gsm7');
        expect(split.nationalLanguage).toBe(language);
        expect(hex(split.segments[0]?.shortMessage ?? Buffer.alloc(0)).slice(8)).toBe(
          `1B${hex(Uint8Array.of(septet))}`,
        );
      }
    },
  );

  it('Portuguese: Φ and friends keep their one-septet default position', () => {
    const analysis = analyseText('ΦΓΩ ã', { nationalLanguage: 'portuguese' });
    expect(analysis.units).toBe(6);
  });
});

describe('splitMessage options and errors', () => {
  it('empty text: analyseText reports 0 parts, splitMessage throws EMPTY_TEXT', () => {
    expect(analyseText('')).toMatchObject({
      encoding: 'gsm7',
      segments: 0,
      units: 0,
      characters: 0,
      perSegment: [],
    });
    expect(codecError(() => splitMessage('', { reference: 0 })).code).toBe('EMPTY_TEXT');
    expect(codecError(() => splitMessage('\u200b', { reference: 0, smartEncoding: true })).code).toBe(
      'EMPTY_TEXT',
    );
  });

  it('more parts than maxParts: TOO_MANY_PARTS with both numbers in the message', () => {
    const error = codecError(() => splitMessage('a'.repeat(153 * 11 + 1), { reference: 0 }));
    expect(error.code).toBe('TOO_MANY_PARTS');
    expect(error.message).toBe('text needs 12 parts, the maximum is 10');
    expect(codecError(() => splitMessage('a'.repeat(161), { reference: 0, maxParts: 1 })).message).toBe(
      'text needs 2 parts, the maximum is 1',
    );
    expect(analyseText('a'.repeat(153 * 11 + 1))).toMatchObject({
      segments: 12,
      exceedsMaxParts: true,
      maxParts: 10,
    });
  });

  it('maxParts applies to the SMSC split in payload mode', () => {
    expect(
      codecError(() => splitMessage('a'.repeat(2000), { reference: 0, concatenation: 'payload' })).code,
    ).toBe('TOO_MANY_PARTS');
  });

  it.each([
    [{ reference: 256 }, 'udh8 reference above 255'],
    [{ reference: -1 }, 'negative reference'],
    [{ reference: 1.5 }, 'fractional reference'],
    [{ reference: 65536, concatenation: 'udh16' as const }, 'udh16 reference above 65535'],
    [{ reference: 65536, concatenation: 'sar' as const }, 'sar reference above 65535'],
  ])('INVALID_REFERENCE: %j (%s)', (options, _why) => {
    expect(codecError(() => splitMessage('hello', options)).code).toBe('INVALID_REFERENCE');
  });

  it.each([
    { gsm7DataCoding: 2 as 0 },
    { concatenation: 'udh7' as 'udh8' },
    { nationalLanguage: 'klingon' as 'turkish' },
    { maxParts: 0 },
    { maxParts: 256 },
    { maxParts: 2.5 },
  ])('INVALID_OPTION: %j', (options) => {
    expect(codecError(() => analyseText('hello', options)).code).toBe('INVALID_OPTION');
  });

  it('udh16 and sar take references up to 65535', () => {
    const udh16 = splitMessage('a'.repeat(200), { reference: 0xabcd, concatenation: 'udh16' });
    expect(hex(udh16.segments[1]?.shortMessage.subarray(0, 7) ?? Buffer.alloc(0))).toBe('060804ABCD0202');
    const sar = splitMessage('a'.repeat(200), { reference: 0xabcd, concatenation: 'sar' });
    expect(sar.segments.map((s) => s.sar)).toEqual([
      { reference: 0xabcd, total: 2, sequence: 1 },
      { reference: 0xabcd, total: 2, sequence: 2 },
    ]);
  });

  it('a single part carries no concatenation UDH and no SAR values', () => {
    for (const concatenation of ['udh8', 'udh16', 'sar'] as const) {
      const [segment, ...rest] = splitMessage('hello', { reference: 9, concatenation }).segments;
      expect(rest).toEqual([]);
      expect(segment).toEqual({ shortMessage: Buffer.from('hello'), udhi: false, units: 5, text: 'hello' });
    }
  });

  it('payload mode: one segment, empty short_message, the single shift UDH in the payload', () => {
    const split = splitMessage('ç'.repeat(100), {
      reference: 0,
      concatenation: 'payload',
      nationalLanguage: 'spanish',
    });
    expect(split.segments).toHaveLength(1);
    const [segment] = split.segments;
    expect(segment?.shortMessage.length).toBe(0);
    expect(segment?.udhi).toBe(true);
    expect(hex(segment?.messagePayload?.subarray(0, 6) ?? Buffer.alloc(0))).toBe('032401021B09');
    expect(segment?.messagePayload?.length).toBe(4 + 200);
    // 200 septets of escape pairs; udh8 + single shift leaves 149 per part, an odd number, so the SMSC's
    // first part takes 74 pairs.
    expect(split.perSegment).toEqual([148, 52]);
  });

  it('segments carry their slice of the text and the units in it', () => {
    const text = 'Votre code: ' + '€'.repeat(80);
    const split = splitMessage(text, { reference: 3 });
    expect(split.segments.map((s) => s.text).join('')).toBe(text);
    expect(split.segments.map((s) => s.units)).toEqual(split.perSegment);
    expect(split.units).toBe(12 + 160);
  });

  it('UCS-2 text with GSM extension characters counts them as one unit each', () => {
    expect(analyseText('€ç').units).toBe(2);
  });
});

describe('smart encoding', () => {
  it('replaces look-alikes only when the result is GSM-7', () => {
    const gsm = analyseText('« Salut » – c’est l’été… ', { smartEncoding: true });
    expect(gsm.encoding).toBe('gsm7');
    expect(gsm.text).toBe('" Salut " - c\'est l\'été... ');
    expect(gsm.replacements).toEqual([
      { from: '«', to: '"', count: 1 },
      { from: '»', to: '"', count: 1 },
      { from: '–', to: '-', count: 1 },
      { from: '’', to: "'", count: 2 },
      { from: '…', to: '...', count: 1 },
    ]);

    const stillUcs2 = analyseText('c’est la fête 🎉', { smartEncoding: true });
    expect(stillUcs2.encoding).toBe('ucs2');
    expect(stillUcs2.text).toBe('c’est la fête 🎉');
    expect(stillUcs2.replacements).toEqual([]);
  });

  it('composes decomposed letters when that makes the text GSM-7', () => {
    const analysis = analyseText('e\u0301te\u0301', { smartEncoding: true });
    expect(analysis).toMatchObject({ encoding: 'gsm7', text: 'été', units: 3 });
    expect(analysis.replacements).toEqual([{ from: 'e\u0301', to: 'é', count: 2 }]);
  });

  it('narrow no-break spaces of French typography become spaces', () => {
    const analysis = analyseText('Bonjour\u202f! Prêt\u00a0?', { smartEncoding: true });
    expect(analysis.encoding).toBe('ucs2'); // ê is not GSM: nothing is replaced
    const gsm = analyseText('Bonjour\u202f! A bientot\u00a0?', { smartEncoding: true });
    expect(gsm).toMatchObject({ encoding: 'gsm7', text: 'Bonjour ! A bientot ?' });
  });
});
