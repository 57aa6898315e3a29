/**
 * Issue #3's vector table: every GSM 03.38 character and extension character with its septet, and the
 * boundary cases, each with its expected bytes (hex) or counts. Expected values come from
 * test/fixtures/codec/gsm-03-38.ts (the standard's own grid layout) and from working the capacities out by
 * hand from 3GPP TS 23.040 §9.2.3.24 — not from the codec's tables.
 */
import { describe, expect, it } from 'vitest';
import {
  analyseText,
  decodeShortMessage,
  splitMessage,
  type Encoding,
  type EncodingOptions,
} from '../../../src/codec/index.js';
import { char, defaultAlphabetEntries, EXTENSION_TABLE } from '../../fixtures/codec/gsm-03-38.js';
import { hex, referencePack } from './helpers.js';

const REF = 0x2a;
const UDH8 = (total: number, sequence: number): string =>
  `0500032A${total.toString(16).padStart(2, '0')}${sequence.toString(16).padStart(2, '0')}`.toUpperCase();
const UDH16 = (total: number, sequence: number): string =>
  `0608041234${total.toString(16).padStart(2, '0')}${sequence.toString(16).padStart(2, '0')}`.toUpperCase();
const x = (octetHex: string, n: number): string => octetHex.repeat(n);

interface Vector {
  name: string;
  text: string;
  options?: EncodingOptions & { reference?: number };
  encoding: Encoding;
  dataCoding?: number;
  perSegment: number[];
  characters?: number;
  /** short_message of each part (or message_payload in payload mode), hex. */
  hex?: string[];
  nonGsm?: string[];
  udhi?: boolean;
}

const charVectors: Vector[] = [
  ...defaultAlphabetEntries().map(({ septet, char: c }) => ({
    name: `default alphabet 0x${septet.toString(16).padStart(2, '0')} U+${c.codePointAt(0)?.toString(16).padStart(4, '0')}`,
    text: c,
    encoding: 'gsm7' as const,
    perSegment: [1],
    hex: [septet.toString(16).padStart(2, '0').toUpperCase()],
  })),
  ...EXTENSION_TABLE.map(([septet, codePoint]) => ({
    name: `extension 1B ${septet.toString(16).padStart(2, '0')} U+${codePoint}`,
    text: char(codePoint),
    encoding: 'gsm7' as const,
    perSegment: [2],
    characters: 1,
    hex: [`1B${septet.toString(16).padStart(2, '0').toUpperCase()}`],
  })),
];

const FAMILY = '\u{1F468}\u200d\u{1F469}\u200d\u{1F467}\u200d\u{1F466}'; // 👨‍👩‍👧‍👦, 11 UTF-16 units

const boundaryVectors: Vector[] = [
  {
    name: '160 septets: one part',
    text: 'a'.repeat(160),
    encoding: 'gsm7',
    perSegment: [160],
    hex: [x('61', 160)],
  },
  {
    name: '161 septets: two parts of 153 + 8 with an 8-bit reference UDH',
    text: 'a'.repeat(161),
    encoding: 'gsm7',
    perSegment: [153, 8],
    hex: [UDH8(2, 1) + x('61', 153), UDH8(2, 2) + x('61', 8)],
  },
  { name: '153 septets: one part', text: 'a'.repeat(153), encoding: 'gsm7', perSegment: [153] },
  { name: '154 septets: one part', text: 'a'.repeat(154), encoding: 'gsm7', perSegment: [154] },
  {
    name: 'the cut falls between septet 153 and 154',
    text: 'a'.repeat(153) + 'b'.repeat(8),
    encoding: 'gsm7',
    perSegment: [153, 8],
    hex: [UDH8(2, 1) + x('61', 153), UDH8(2, 2) + x('62', 8)],
  },
  { name: '306 septets: two full parts', text: 'a'.repeat(306), encoding: 'gsm7', perSegment: [153, 153] },
  { name: '307 septets: three parts', text: 'a'.repeat(307), encoding: 'gsm7', perSegment: [153, 153, 1] },
  {
    name: '70 UCS-2 units: one part',
    text: 'ê'.repeat(70),
    encoding: 'ucs2',
    perSegment: [70],
    hex: [x('00EA', 70)],
  },
  {
    name: '71 UCS-2 units: 67 + 4',
    text: 'ê'.repeat(71),
    encoding: 'ucs2',
    perSegment: [67, 4],
    hex: [UDH8(2, 1) + x('00EA', 67), UDH8(2, 2) + x('00EA', 4)],
  },
  { name: '134 UCS-2 units: two full parts', text: 'ê'.repeat(134), encoding: 'ucs2', perSegment: [67, 67] },
  { name: '135 UCS-2 units: three parts', text: 'ê'.repeat(135), encoding: 'ucs2', perSegment: [67, 67, 1] },
  {
    name: '80 euro signs are 160 septets: one part',
    text: '€'.repeat(80),
    encoding: 'gsm7',
    perSegment: [160],
    characters: 80,
    hex: [x('1B65', 80)],
  },
  {
    name: '81 euro signs: the escape pair that would straddle septet 153 moves to part 2',
    text: '€'.repeat(81),
    encoding: 'gsm7',
    perSegment: [152, 10],
    hex: [UDH8(2, 1) + x('1B65', 76), UDH8(2, 2) + x('1B65', 5)],
  },
  {
    name: 'escape character at septet 153 goes to the next part',
    text: 'a'.repeat(152) + '€' + 'a'.repeat(7),
    encoding: 'gsm7',
    perSegment: [152, 9],
    hex: [UDH8(2, 1) + x('61', 152), UDH8(2, 2) + '1B65' + x('61', 7)],
  },
  {
    name: 'escape pair ending exactly at septet 153 stays in part 1',
    text: 'a'.repeat(151) + '€' + 'a'.repeat(8),
    encoding: 'gsm7',
    perSegment: [153, 8],
    hex: [UDH8(2, 1) + x('61', 151) + '1B65', UDH8(2, 2) + x('61', 8)],
  },
  {
    name: 'emoji at units 67/68: the surrogate pair moves whole to part 2',
    text: 'ê'.repeat(66) + '😀' + 'ê'.repeat(4),
    encoding: 'ucs2',
    perSegment: [66, 6],
    hex: [UDH8(2, 1) + x('00EA', 66), UDH8(2, 2) + 'D83DDE00' + x('00EA', 4)],
  },
  {
    name: 'emoji at units 66/67 fits in part 1',
    text: 'ê'.repeat(65) + '😀' + 'ê'.repeat(5),
    encoding: 'ucs2',
    perSegment: [67, 5],
    hex: [UDH8(2, 1) + x('00EA', 65) + 'D83DDE00', UDH8(2, 2) + x('00EA', 5)],
  },
  {
    name: 'ZWJ family sequence across the boundary starts part 2 whole',
    text: 'ê'.repeat(60) + FAMILY + 'ê'.repeat(10),
    encoding: 'ucs2',
    perSegment: [60, 21],
    characters: 71,
  },
  {
    name: 'ZWJ family sequence: 11 units, one character',
    text: FAMILY,
    encoding: 'ucs2',
    perSegment: [11],
    characters: 1,
    nonGsm: [FAMILY],
    hex: ['D83DDC68200DD83DDC69200DD83DDC67200DD83DDC66'],
  },
  { name: 'flag: 4 units, one character', text: '🇫🇷', encoding: 'ucs2', perSegment: [4], characters: 1 },
  {
    name: 'skin tone modifier: 4 units, one character',
    text: '👍🏽',
    encoding: 'ucs2',
    perSegment: [4],
    characters: 1,
  },
  {
    name: 'a grapheme longer than a part is cut between code points',
    text: 'e' + '\u0301'.repeat(80),
    encoding: 'ucs2',
    perSegment: [67, 14],
    characters: 1,
  },
  {
    name: 'an oversized emoji grapheme is cut between surrogate pairs, never inside one',
    text: '😀' + '🏽'.repeat(40),
    encoding: 'ucs2',
    perSegment: [66, 16],
    characters: 1,
  },
  {
    name: 'French: ç â ê œ force UCS-2; é è à ù Ç are GSM',
    text: 'é è à ù ç Ç â ê œ',
    encoding: 'ucs2',
    perSegment: [17],
    characters: 17,
    nonGsm: ['ç', 'â', 'ê', 'œ'],
    hex: ['00E9002000E8002000E0002000F9002000E7002000C7002000E2002000EA00200153'],
  },
  {
    name: 'French é è à ù Ç alone stay GSM-7',
    text: 'é è à ù Ç',
    encoding: 'gsm7',
    perSegment: [9],
    hex: ['05200420' + '7F20' + '0620' + '09'],
  },
  {
    name: 'lower-case ç is not GSM 03.38 (only Ç at 0x09)',
    text: 'ç',
    encoding: 'ucs2',
    perSegment: [1],
    hex: ['00E7'],
  },
  { name: 'â is not GSM', text: 'â', encoding: 'ucs2', perSegment: [1], hex: ['00E2'], nonGsm: ['â'] },
  { name: 'ê is not GSM', text: 'ê', encoding: 'ucs2', perSegment: [1], hex: ['00EA'] },
  { name: 'œ is not GSM', text: 'œ', encoding: 'ucs2', perSegment: [1], hex: ['0153'] },
  {
    name: 'Spanish single shift: ç as 1B 09 with UDH 24 01 02',
    text: 'ç',
    options: { nationalLanguage: 'spanish' },
    encoding: 'gsm7',
    perSegment: [2],
    udhi: true,
    hex: ['03240102' + '1B09'],
  },
  {
    name: 'Turkish single shift: ş as 1B 73 with UDH 24 01 01',
    text: 'ş',
    options: { nationalLanguage: 'turkish' },
    encoding: 'gsm7',
    perSegment: [2],
    hex: ['03240101' + '1B73'],
  },
  {
    name: 'Portuguese single shift: ã as 1B 7B with UDH 24 01 03',
    text: 'ã',
    options: { nationalLanguage: 'portuguese' },
    encoding: 'gsm7',
    perSegment: [2],
    hex: ['03240103' + '1B7B'],
  },
  {
    name: 'national table on but unused: no UDH',
    text: 'hola €',
    options: { nationalLanguage: 'spanish' },
    encoding: 'gsm7',
    perSegment: [7],
    udhi: false,
    hex: ['686F6C6120' + '1B65'],
  },
  {
    name: 'single shift UDH (4 octets = 5 septets) leaves 155 septets',
    text: 'ç' + 'a'.repeat(153),
    options: { nationalLanguage: 'spanish' },
    encoding: 'gsm7',
    perSegment: [155],
  },
  {
    name: 'single shift + 8-bit concatenation (9 octets = 11 septets) leaves 149',
    text: 'ç' + 'a'.repeat(154),
    options: { nationalLanguage: 'spanish' },
    encoding: 'gsm7',
    perSegment: [149, 7],
    hex: [
      '080003' + '2A0201' + '240102' + '1B09' + x('61', 147),
      '080003' + '2A0202' + '240102' + x('61', 7),
    ],
  },
  {
    name: 'single shift + 16-bit concatenation (10 octets = 12 septets) leaves 148',
    text: 'ç' + 'a'.repeat(154),
    options: { nationalLanguage: 'spanish', concatenation: 'udh16', reference: 0x1234 },
    encoding: 'gsm7',
    perSegment: [148, 8],
  },
  {
    name: '16-bit reference: 152 septets per part',
    text: 'a'.repeat(161),
    options: { concatenation: 'udh16', reference: 0x1234 },
    encoding: 'gsm7',
    perSegment: [152, 9],
    hex: [UDH16(2, 1) + x('61', 152), UDH16(2, 2) + x('61', 9)],
  },
  {
    name: '16-bit reference: 66 UCS-2 units per part',
    text: 'ê'.repeat(71),
    options: { concatenation: 'udh16', reference: 0x1234 },
    encoding: 'ucs2',
    perSegment: [66, 5],
  },
  {
    name: 'SAR: no UDH, udh8 capacities',
    text: 'a'.repeat(161),
    options: { concatenation: 'sar' },
    encoding: 'gsm7',
    perSegment: [153, 8],
    udhi: false,
    hex: [x('61', 153), x('61', 8)],
  },
  {
    name: 'payload: the whole text in message_payload',
    text: 'a'.repeat(400),
    options: { concatenation: 'payload' },
    encoding: 'gsm7',
    perSegment: [153, 153, 94],
    hex: [x('61', 400)],
  },
  {
    name: 'Latin-1 option: â as E2, data_coding 3',
    text: 'â',
    options: { latin1: true },
    encoding: 'latin1',
    dataCoding: 3,
    perSegment: [1],
    hex: ['E2'],
  },
  {
    name: 'Latin-1: 140 octets in one part',
    text: 'â'.repeat(140),
    options: { latin1: true },
    encoding: 'latin1',
    perSegment: [140],
  },
  {
    name: 'Latin-1: 141 octets → 134 + 7',
    text: 'â'.repeat(141),
    options: { latin1: true },
    encoding: 'latin1',
    perSegment: [134, 7],
  },
  {
    name: 'Latin-1 option, text beyond U+00FF: UCS-2',
    text: 'â😀',
    options: { latin1: true },
    encoding: 'ucs2',
    perSegment: [3],
  },
  {
    name: 'Latin-1 option, GSM text: GSM-7',
    text: 'é',
    options: { latin1: true },
    encoding: 'gsm7',
    perSegment: [1],
    hex: ['05'],
  },
  {
    name: 'GSM-7 with data_coding 1',
    text: 'Hi',
    options: { gsm7DataCoding: 1 },
    encoding: 'gsm7',
    dataCoding: 1,
    perSegment: [2],
    hex: ['4869'],
  },
  {
    name: 'packed "hello world"',
    text: 'hello world',
    options: { packed: true },
    encoding: 'gsm7',
    perSegment: [11],
    hex: ['E8329BFD06DDDF723619'],
  },
  {
    name: 'packed, 7 septets: the 7 spare bits carry CR',
    text: 'abcdefg',
    options: { packed: true },
    encoding: 'gsm7',
    perSegment: [7],
    hex: [hex(Uint8Array.from(referencePack([0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67])))],
  },
  {
    name: 'packed with UDH: one fill bit after the 6-octet UDH',
    text: 'a'.repeat(161),
    options: { packed: true },
    encoding: 'gsm7',
    perSegment: [153, 8],
    hex: [
      hex(Uint8Array.from(referencePack(Array<number>(153).fill(0x61), [5, 0, 3, REF, 2, 1]))),
      hex(Uint8Array.from(referencePack(Array<number>(8).fill(0x61), [5, 0, 3, REF, 2, 2]))),
    ],
  },
  {
    name: 'CR LF: two septets, one character',
    text: '\r\n',
    encoding: 'gsm7',
    perSegment: [2],
    characters: 1,
    hex: ['0D0A'],
  },
  {
    name: 'form feed is an extension character',
    text: '\f',
    encoding: 'gsm7',
    perSegment: [2],
    hex: ['1B0A'],
  },
  { name: 'tab is not GSM', text: 'a\tb', encoding: 'ucs2', perSegment: [3], nonGsm: ['\t'] },
  {
    name: 'grave accent is not GSM (0x60 is ¿)',
    text: '`',
    encoding: 'ucs2',
    perSegment: [1],
    hex: ['0060'],
  },
  {
    name: 'U+001B in text is not a character of GSM-7',
    text: '\u001b',
    encoding: 'ucs2',
    perSegment: [1],
    hex: ['001B'],
  },
  { name: 'lone surrogate is sent as is', text: '\ud83d', encoding: 'ucs2', perSegment: [1], hex: ['D83D'] },
  {
    name: 'Greek capitals of GSM 03.38',
    text: 'ΔΦΓΛΩΠΨΣΘΞ',
    encoding: 'gsm7',
    perSegment: [10],
    hex: ['1012131415161718191A'],
  },
  { name: 'Greek small letters are not GSM', text: 'αβγ', encoding: 'ucs2', perSegment: [3] },
  { name: 'Cyrillic', text: 'Привет', encoding: 'ucs2', perSegment: [6], hex: ['041F04400438043204350442'] },
  { name: '@ £ $ ¥', text: '@£$¥', encoding: 'gsm7', perSegment: [4], hex: ['00010203'] },
  {
    name: 'smart encoding: ’ becomes an apostrophe',
    text: 'l’été',
    options: { smartEncoding: true },
    encoding: 'gsm7',
    perSegment: [5],
    hex: ['6C27057405'],
  },
  {
    name: 'without smart encoding ’ forces UCS-2',
    text: 'l’été',
    encoding: 'ucs2',
    perSegment: [5],
    nonGsm: ['’'],
  },
  {
    name: 'ten full parts are allowed',
    text: 'a'.repeat(1530),
    encoding: 'gsm7',
    perSegment: Array<number>(10).fill(153),
  },
];

const VECTORS: Vector[] = [...charVectors, ...boundaryVectors];

describe('codec vector table (issue #3)', () => {
  it('has at least 150 vectors', () => {
    expect(VECTORS.length).toBeGreaterThanOrEqual(150);
  });

  it.each(VECTORS.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const { reference = REF, ...options } = v.options ?? {};
    const analysis = analyseText(v.text, options);
    expect(analysis.encoding).toBe(v.encoding);
    expect(analysis.perSegment).toEqual(v.perSegment);
    expect(analysis.segments).toBe(v.perSegment.length);
    expect(analysis.units).toBe(v.perSegment.reduce((a, b) => a + b, 0));
    if (v.characters !== undefined) expect(analysis.characters).toBe(v.characters);
    if (v.nonGsm !== undefined) expect(analysis.nonGsmCharacters).toEqual(v.nonGsm);
    if (v.encoding === 'gsm7') expect(analysis.nonGsmCharacters).toEqual([]);
    const expectedDataCoding = v.dataCoding ?? (v.encoding === 'gsm7' ? 0 : v.encoding === 'ucs2' ? 8 : 3);
    expect(analysis.dataCoding).toBe(expectedDataCoding);

    const split = splitMessage(v.text, { ...options, reference });
    expect(split.encoding).toBe(v.encoding);
    expect(split.dataCoding).toBe(expectedDataCoding);
    expect(split.perSegment).toEqual(v.perSegment);
    if (v.hex !== undefined) {
      expect(split.segments.map((s) => hex(s.messagePayload ?? s.shortMessage))).toEqual(v.hex);
    }
    if (v.udhi !== undefined) expect(split.segments.every((s) => s.udhi === v.udhi)).toBe(true);

    // Round trip: each part decodes to its slice of the text, and the slices join to the text.
    const packed = v.options?.packed ?? false;
    const decoded = split.segments.map(
      (s) =>
        decodeShortMessage(s.messagePayload ?? s.shortMessage, split.dataCoding, { udhi: s.udhi, packed })
          .text,
    );
    expect(decoded).toEqual(split.segments.map((s) => s.text));
    expect(decoded.join('')).toBe(split.text);
  });
});
