// Issue 7: joining the parts of a concatenated MO exactly, including characters split across parts.
import { describe, expect, it } from 'vitest';
import { encodeUcs2 } from '../../../src/codec/index.js';
import { assembleText } from '../../../src/mo/index.js';

type Part = Parameters<typeof assembleText>[0][number];

function ucs2Part(n: number, octets: Buffer): Part {
  return { n, dc: 8, enc: 'ucs2', t: 'per-part text', ud: octets.toString('base64') };
}

describe('assembleText', () => {
  it('joins UCS-2 user data before decoding, so an emoji split across two parts comes out whole', () => {
    const all = Buffer.from(encodeUcs2('ok 😀 fin'));
    // Cut between the two halves of the surrogate pair (octet 6 starts the high surrogate).
    const parts = [ucs2Part(1, all.subarray(0, 8)), ucs2Part(2, all.subarray(8))];
    expect(assembleText(parts, true)).toEqual({ text: 'ok 😀 fin', encoding: 'ucs2' });
  });

  it('joins GSM-7 septets before decoding, so an escape pair split across parts is one character', () => {
    const parts: Part[] = [
      {
        n: 1,
        dc: 0,
        enc: 'gsm7',
        t: 'prix ',
        ud: Buffer.from([0x70, 0x72, 0x69, 0x78, 0x20, 0x1b]).toString('base64'),
      },
      { n: 2, dc: 0, enc: 'gsm7', t: 'e', ud: Buffer.from([0x65]).toString('base64') },
    ];
    expect(assembleText(parts, true).text).toBe('prix €');
  });

  it('joins the per-part texts of an incomplete message', () => {
    const parts: Part[] = [
      { n: 1, dc: 0, enc: 'gsm7', t: 'first ', ud: '' },
      { n: 3, dc: 0, enc: 'gsm7', t: 'third', ud: '' },
    ];
    expect(assembleText(parts, false)).toEqual({ text: 'first third', encoding: 'gsm7' });
  });

  it('joins the per-part texts when the parts differ in coding', () => {
    const parts: Part[] = [
      { n: 1, dc: 0, enc: 'gsm7', t: 'abc ', ud: Buffer.from('abc ').toString('base64') },
      ucs2Part(2, Buffer.from(encodeUcs2('é'))),
    ];
    parts[1]!.t = 'é';
    expect(assembleText(parts, true)).toEqual({ text: 'abc é', encoding: 'gsm7+ucs2' });
  });
});
