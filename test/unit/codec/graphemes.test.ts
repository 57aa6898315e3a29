/**
 * The codec counts characters and finds UCS-2 cut points without Intl.Segmenter for most text
 * (src/codec/graphemes.ts). These tests hold both shortcuts to Intl.Segmenter, the reference.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countGraphemes, fastGraphemeStarts, SIMPLE } from '../../../src/codec/graphemes.js';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const starts = (text: string): number[] => Array.from(segmenter.segment(text), (s) => s.index);

describe('SIMPLE code units', () => {
  it('every SIMPLE unit is a grapheme of its own next to letters and next to itself', () => {
    const wrong: string[] = [];
    for (let unit = 0; unit < 0x10000; unit++) {
      if (!SIMPLE[unit]) continue;
      const c = String.fromCharCode(unit);
      // CR CR and LF LF are two graphemes too; only CR LF joins (GB3), which countGraphemes handles.
      const around = [...segmenter.segment(`a${c}a`)].length;
      const doubled = [...segmenter.segment(c + c)].length;
      if (around !== 3 || doubled !== 2) wrong.push(unit.toString(16));
    }
    expect(wrong).toEqual([]);
  });

  it('countGraphemes counts CR LF once', () => {
    expect(countGraphemes('a\r\nb\n\rc')).toBe(6);
  });
});

describe('fast grapheme segmenter', () => {
  const pieces = [
    'a',
    'é',
    ' ',
    '\r',
    '\n',
    '\u0001',
    '\u00ad',
    '\u200b',
    '\u2028',
    '中',
    '한',
    'Ж',
    'Ω',
    '€',
    '#',
    '1',
    '*',
    '\u0301',
    '\u0308',
    '\u20e3',
    '\u200c',
    '\u200d',
    '\ufe0f',
    '\ufe0e',
    '©',
    '™',
    '‼',
    '↔',
    '☀',
    '✅',
    '❤',
    '⭐',
    '🏳',
    '🌈',
    '😀',
    '👍',
    '🏽',
    '🏿',
    '👨',
    '👩',
    '👧',
    '🧑',
    '🎄',
    '🇫',
    '🇷',
    '🇩',
    '🏴',
    '\u{E0067}',
    '\u{E0062}',
    '\u{E007F}',
    '\u{20000}',
    '\u{1F004}',
  ];

  it('agrees with Intl.Segmenter on emoji, flags, ZWJ sequences and combining marks', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 40, size: 'max' }), (parts) => {
        const text = parts.join('');
        const fast = fastGraphemeStarts(text);
        expect(fast).toBeDefined();
        expect(fast).toEqual(starts(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees on every modelled BMP code unit placed after emoji, letters and ZWJ', () => {
    const wrong: string[] = [];
    for (let unit = 0; unit < 0x10000; unit++) {
      if (unit >= 0xd800 && unit <= 0xdfff) continue;
      const c = String.fromCharCode(unit);
      for (const context of [
        `a${c}a`,
        `😀${c}😀`,
        `👍\u200d${c}`,
        `${c}\u0301`,
        `${c}\u200d😀`,
        `${c}\ufe0f`,
      ]) {
        const fast = fastGraphemeStarts(context);
        if (fast !== undefined && JSON.stringify(fast) !== JSON.stringify(starts(context))) {
          wrong.push(`U+${unit.toString(16)} in ${JSON.stringify(context)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('gives up on what it does not model, so the caller falls back to Intl.Segmenter', () => {
    expect(fastGraphemeStarts('नमस्ते')).toBeUndefined(); // Devanagari: SpacingMark, conjuncts
    expect(fastGraphemeStarts('\u1100\u1161')).toBeUndefined(); // Hangul jamo
    expect(fastGraphemeStarts('a\ud83d')).toBeUndefined(); // lone surrogate
    expect(countGraphemes('नमस्ते')).toBe(starts('नमस्ते').length);
  });
});
