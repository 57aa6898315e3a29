import { describe, expect, it } from 'vitest';
import { analyseText, applySmartEncoding, SMART_ENCODING_TABLE } from '../../../src/codec/index.js';

describe('smart encoding table', () => {
  it('every replacement is GSM-7 and every source is not', () => {
    for (const entry of SMART_ENCODING_TABLE) {
      expect(analyseText(entry.from).encoding, entry.name).toBe('ucs2');
      if (entry.to !== '') expect(analyseText(entry.to).encoding, entry.name).toBe('gsm7');
    }
  });

  it('maps each source once', () => {
    const sources = SMART_ENCODING_TABLE.map((e) => e.from);
    expect(new Set(sources).size).toBe(sources.length);
  });

  it.each([
    ['\u2019', "'"],
    ['\u201c\u201d', '""'],
    ['\u00ab\u00a0oui\u00a0\u00bb', '" oui "'],
    ['\u2013\u2014\u2212', '---'],
    ['\u2026', '...'],
    ['\u202f', ' '],
    ['\u200b\u00ad\ufeff', ''],
    ['\uff21\uff42\uff11', 'Ab1'],
    ['\u2126', 'Ω'],
    ['`', "'"],
    ['\t', ' '],
  ])('%j → %j', (from, to) => {
    expect(applySmartEncoding(from).text).toBe(to);
  });

  it('leaves text without look-alikes untouched, the same string', () => {
    const text = 'Bonjour à tous';
    expect(applySmartEncoding(text)).toEqual({ text, replacements: [] });
  });

  it('does not transliterate letters', () => {
    expect(applySmartEncoding('ç â ê œ').text).toBe('ç â ê œ');
  });

  it('counts replacements per pair', () => {
    expect(applySmartEncoding('’a’b…').replacements).toEqual([
      { from: '’', to: "'", count: 2 },
      { from: '…', to: '...', count: 1 },
    ]);
  });
});
