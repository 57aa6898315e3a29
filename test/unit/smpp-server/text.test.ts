// data_coding 0/1/3/8 of platform submits, refusals for the rest, and the joining of parts.
import { describe, expect, it } from 'vitest';
import { encodeGsm7, encodeUcs2 } from '../../../src/codec/index.js';
import { commandStatusName } from '../../../src/smpp/pdu/index.js';
import {
  decodePlatformParts,
  decodePlatformText,
  RequestRefusedError,
} from '../../../src/smpp-server/index.js';
import { encodeForPlatform } from '../../../src/smpp-server/text.js';

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof RequestRefusedError) return commandStatusName(error.status);
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('decodePlatformText', () => {
  it('0: GSM 7-bit default alphabet, one septet per octet, the extension table included', () => {
    const octets = Buffer.from(encodeGsm7('Prix: 5€ @ [ici] ÉÑ_$'));
    expect(decodePlatformText(octets, 0)).toBe('Prix: 5€ @ [ici] ÉÑ_$');
  });

  it('1: IA5 is ASCII ("@" is 0x40, "$" 0x24)', () => {
    expect(decodePlatformText(Buffer.from('Pay $5 @ shop_1', 'latin1'), 1)).toBe('Pay $5 @ shop_1');
  });

  it('3: ISO-8859-1', () => {
    expect(decodePlatformText(Buffer.from('Crème brûlée ¿', 'latin1'), 3)).toBe('Crème brûlée ¿');
  });

  it('8: UCS-2 big-endian, surrogate pairs kept', () => {
    expect(decodePlatformText(encodeUcs2('Привет 😀'), 8)).toBe('Привет 😀');
  });

  it.each([2, 4, 5, 6, 7, 9, 0x0e, 0x10, 0xf0, 0xf4])(
    'data_coding 0x%s is refused with ESME_RINVDCS',
    (dc) => {
      expect(refusal(() => decodePlatformText(Buffer.from('x'), dc))).toBe('0x00000104');
    },
  );

  it('an octet above 0x7F is not GSM-7 nor IA5: ESME_RINVDCS', () => {
    expect(refusal(() => decodePlatformText(Buffer.from([0x41, 0xe9]), 0))).toBe('0x00000104');
    expect(refusal(() => decodePlatformText(Buffer.from([0x41, 0xe9]), 1))).toBe('0x00000104');
  });

  it('UCS-2 of odd length: ESME_RINVMSGLEN', () => {
    expect(refusal(() => decodePlatformText(Buffer.from([0x00, 0x41, 0x00]), 8))).toBe('ESME_RINVMSGLEN');
  });
});

describe('decodePlatformParts', () => {
  it('joins parts of one coding before decoding, so a GSM escape split across parts comes out whole', () => {
    const septets = Buffer.from(encodeGsm7('ab€cd'));
    const cut = septets.indexOf(0x1b) + 1;
    const parts = [
      { payload: septets.subarray(0, cut), dataCoding: 0 },
      { payload: septets.subarray(cut), dataCoding: 0 },
    ];
    expect(decodePlatformParts(parts)).toBe('ab€cd');
  });

  it('joins a UTF-16 surrogate pair split across two UCS-2 parts', () => {
    const octets = encodeUcs2('a😀b');
    expect(
      decodePlatformParts([
        { payload: octets.subarray(0, 4), dataCoding: 8 },
        { payload: octets.subarray(4), dataCoding: 8 },
      ]),
    ).toBe('a😀b');
  });

  it('decodes parts of mixed codings one by one', () => {
    expect(
      decodePlatformParts([
        { payload: Buffer.from(encodeGsm7('Hello ')), dataCoding: 0 },
        { payload: encodeUcs2('мир'), dataCoding: 8 },
      ]),
    ).toBe('Hello мир');
  });
});

describe('encodeForPlatform', () => {
  it('GSM-7 unpacked (0) when the text fits the default alphabet, UCS-2 (8) otherwise', () => {
    expect(encodeForPlatform('STOP €')).toEqual({ dataCoding: 0, octets: Buffer.from(encodeGsm7('STOP €')) });
    expect(encodeForPlatform('Спасибо')).toEqual({ dataCoding: 8, octets: encodeUcs2('Спасибо') });
  });
});
