import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CodecError,
  decodeShortMessage,
  interpretDataCoding,
  parseUdh,
  type DecodedMessage,
} from '../../../src/codec/index.js';
import { char, LOCKING_SHIFT_DIFF, SINGLE_SHIFT_EXTRA } from '../../fixtures/codec/gsm-03-38.js';
import { codecError, referencePack } from './helpers.js';

const b = (hexString: string): Buffer => Buffer.from(hexString.replace(/\s+/g, ''), 'hex');

describe('interpretDataCoding', () => {
  it.each([
    [0x00, 'gsm7', undefined],
    [0x01, 'gsm7', undefined],
    [0x02, 'binary', undefined],
    [0x03, 'latin1', undefined],
    [0x04, 'binary', undefined],
    [0x08, 'ucs2', undefined],
    // General data coding group with class (00x1xxxx): bits 3-2 alphabet, bits 1-0 class
    [0x10, 'gsm7', 0],
    [0x11, 'gsm7', 1],
    [0x16, 'binary', 2],
    [0x18, 'ucs2', 0],
    [0x1b, 'ucs2', 3],
    // Automatic deletion group (01xx), same layout
    [0x40, 'gsm7', undefined],
    [0x48, 'ucs2', undefined],
    [0x51, 'gsm7', 1],
    // Message waiting indication groups
    [0xc0, 'gsm7', undefined],
    [0xd8, 'gsm7', undefined],
    [0xe0, 'ucs2', undefined],
    // Data coding / message class (1111): bit 2 8-bit vs GSM, bits 1-0 class
    [0xf0, 'gsm7', 0],
    [0xf1, 'gsm7', 1],
    [0xf2, 'gsm7', 2],
    [0xf3, 'gsm7', 3],
    [0xf4, 'binary', 0],
    [0xf5, 'binary', 1],
    [0xf6, 'binary', 2],
    [0xf7, 'binary', 3],
  ] as const)('data_coding 0x%s', (dataCoding, alphabet, messageClass) => {
    const info = interpretDataCoding(dataCoding);
    expect(info.alphabet).toBe(alphabet);
    expect(info.messageClass).toBe(messageClass);
  });

  it.each([0x0b, 0x0c, 0x0f, 0x0c, 0x1c, 0x80, 0x9f, 0xbf, 256, -1, 1.5, Number.NaN])(
    'data_coding %s is invalid',
    (dataCoding) => {
      expect(codecError(() => interpretDataCoding(dataCoding)).code).toBe('INVALID_DATA_CODING');
    },
  );

  it.each([0x05, 0x06, 0x07, 0x09, 0x0a, 0x0d, 0x0e, 0x20, 0x30, 0x60])(
    'data_coding 0x%s is refused as unsupported',
    (dataCoding) => {
      expect(codecError(() => interpretDataCoding(dataCoding)).code).toBe('UNSUPPORTED_DATA_CODING');
    },
  );
});

describe('decodeShortMessage', () => {
  it('decodes unpacked GSM with data_coding 0 and 1', () => {
    expect(decodeShortMessage(b('48656C6C6F201B65'), 0).text).toBe('Hello €');
    expect(decodeShortMessage(b('48656C6C6F201B65'), 1).text).toBe('Hello €');
  });

  it('decodes packed GSM', () => {
    expect(decodeShortMessage(b('E8329BFD06DDDF723619'), 0, { packed: true }).text).toBe('hello world');
  });

  it('drops the CR that pads 7 spare bits, keeps zero-padded septets otherwise', () => {
    const septets = [...'abcdefg'].map((c) => c.charCodeAt(0));
    expect(decodeShortMessage(Buffer.from(referencePack(septets)), 0, { packed: true }).text).toBe('abcdefg');
  });

  it('decodes packed GSM after a UDH, skipping the fill bits', () => {
    const udh = [0x05, 0x00, 0x03, 0x07, 0x02, 0x01];
    const septets = [...'Bonjour'].map((c) => c.charCodeAt(0));
    const decoded = decodeShortMessage(Buffer.from(referencePack(septets, udh)), 0, {
      udhi: true,
      packed: true,
    });
    expect(decoded.text).toBe('Bonjour');
    expect(decoded.udh?.concat).toEqual({ reference: 7, total: 2, sequence: 1, referenceBits: 8 });
  });

  it('decodes UCS-2 and Latin-1', () => {
    expect(decodeShortMessage(b('00E700E2D83DDE00'), 8).text).toBe('çâ😀');
    expect(decodeShortMessage(b('E7E2'), 3).text).toBe('çâ');
  });

  it('keeps a lone surrogate so split halves can be joined again', () => {
    const first = decodeShortMessage(b('0041D83D'), 8).text;
    const second = decodeShortMessage(b('DE000042'), 8).text;
    expect(first + second).toBe('A😀B');
  });

  it('reads the message class from the coding group', () => {
    const flash: DecodedMessage = decodeShortMessage(b('48'), 0xf0);
    expect(flash).toMatchObject({ text: 'H', encoding: 'gsm7', messageClass: 0 });
    expect(decodeShortMessage(b('0048'), 0x18)).toMatchObject({
      text: 'H',
      encoding: 'ucs2',
      messageClass: 0,
    });
  });

  it('returns binary data as userData with an empty text', () => {
    const decoded = decodeShortMessage(b('0605040B8423F0'), 0x04);
    expect(decoded.encoding).toBe('binary');
    expect(decoded.text).toBe('');
    expect(decoded.userData.toString('hex')).toBe('0605040b8423f0');
    const withUdh = decodeShortMessage(b('0605040B8423F0DEAD'), 0xf5, { udhi: true });
    expect(withUdh.userData.toString('hex')).toBe('dead');
    expect(withUdh.udh?.elements).toEqual([{ iei: 0x05, data: b('0B8423F0') }]);
    expect(withUdh.messageClass).toBe(1);
  });

  it('ESC followed by a septet the extension table leaves empty shows the main-table character', () => {
    expect(decodeShortMessage(b('1B41'), 0).text).toBe('A');
  });

  it('ESC ESC and a trailing lone ESC show a space', () => {
    expect(decodeShortMessage(b('411B1B42'), 0).text).toBe('A B');
    expect(decodeShortMessage(b('411B'), 0).text).toBe('A ');
  });

  it('an octet above 0x7F in unpacked GSM is INVALID_GSM7', () => {
    expect(codecError(() => decodeShortMessage(b('4180'), 0)).code).toBe('INVALID_GSM7');
    expect(codecError(() => decodeShortMessage(b('1BFF'), 0)).code).toBe('INVALID_GSM7');
  });

  it('odd-length UCS-2 is INVALID_UCS2', () => {
    expect(codecError(() => decodeShortMessage(b('004100'), 8)).code).toBe('INVALID_UCS2');
  });

  it('uses the single shift table named in the UDH', () => {
    for (const [language, entries] of Object.entries(SINGLE_SHIFT_EXTRA)) {
      const id = { turkish: 1, spanish: 2, portuguese: 3 }[language] ?? 0;
      for (const [septet, codePoint] of entries) {
        const bytes = Buffer.from([0x03, 0x24, 0x01, id, 0x1b, septet]);
        expect(
          decodeShortMessage(bytes, 0, { udhi: true }).text,
          `${language} 0x${septet.toString(16)}`,
        ).toBe(char(codePoint));
      }
    }
  });

  it('uses the locking shift table named in the UDH', () => {
    for (const [language, entries] of Object.entries(LOCKING_SHIFT_DIFF)) {
      const id = language === 'turkish' ? 1 : 3;
      for (const [septet, codePoint] of entries) {
        const bytes = Buffer.from([0x03, 0x25, 0x01, id, septet]);
        expect(
          decodeShortMessage(bytes, 0, { udhi: true }).text,
          `${language} 0x${septet.toString(16)}`,
        ).toBe(char(codePoint));
      }
    }
  });

  it('Spanish locking shift (A.3.2 void) and unknown languages fall back to the default tables', () => {
    expect(decodeShortMessage(b('032501020440'), 0, { udhi: true }).text).toBe('è¡');
    const bengali = decodeShortMessage(b('0324010404 1B65'), 0, { udhi: true });
    expect(bengali.text).toBe('è€');
    expect(bengali.udh?.singleShiftId).toBe(4);
    expect(bengali.udh?.singleShift).toBeUndefined();
  });
});

describe('parseUdh', () => {
  it('parses 8- and 16-bit concatenation and the shift IEs', () => {
    expect(parseUdh(b('050003FF0302'))).toEqual({
      elements: [{ iei: 0, data: b('FF0302') }],
      concat: { reference: 255, total: 3, sequence: 2, referenceBits: 8 },
      length: 6,
    });
    expect(parseUdh(b('0C08041234050524010125010161'))).toMatchObject({
      concat: { reference: 0x1234, total: 5, sequence: 5, referenceBits: 16 },
      singleShift: 'turkish',
      lockingShift: 'turkish',
      length: 13,
    });
  });

  it('ignores a concatenation IE with total 0, sequence 0 or sequence above total (23.040 §9.2.3.24.1)', () => {
    expect(parseUdh(b('050003010000')).concat).toBeUndefined();
    expect(parseUdh(b('050003010200')).concat).toBeUndefined();
    expect(parseUdh(b('050003010203')).concat).toBeUndefined();
  });

  it('keeps unknown IEs and an empty UDH', () => {
    expect(parseUdh(b('00'))).toEqual({ elements: [], length: 1 });
    expect(parseUdh(b('047002AABB')).elements).toEqual([{ iei: 0x70, data: b('AABB') }]);
  });

  it.each([
    ['empty', ''],
    ['UDHL beyond the data', '05000301'],
    ['truncated IE header', '0300030100'],
    ['IE longer than the UDH', '0400050102'],
    ['concatenation IE with 2 octets', '0400020102'],
    ['16-bit concatenation IE with 3 octets', '050803010203'],
    ['single shift IE with 2 octets', '0424020102'],
  ])('%s is MALFORMED_UDH', (_name, hexString) => {
    expect(codecError(() => parseUdh(b(hexString))).code).toBe('MALFORMED_UDH');
  });

  it('never throws anything but a CodecError, whatever the octets', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 0, max: 255 }),
        fc.boolean(),
        fc.boolean(),
        (bytes, dataCoding, udhi, packed) => {
          try {
            const decoded = decodeShortMessage(Buffer.from(bytes), dataCoding, { udhi, packed });
            expect(typeof decoded.text).toBe('string');
          } catch (error) {
            expect(error).toBeInstanceOf(CodecError);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
