// Issue 7: who may be answered and opted out: phone numbers only, in E.164.
import { describe, expect, it } from 'vitest';
import { isPhoneOriginator, originatorE164 } from '../../../src/mo/index.js';

describe('isPhoneOriginator', () => {
  it.each([
    ['33612345678', 1, true],
    ['+33612345678', 0, true],
    ['ACME', 5, false],
    ['ACME', 0, false],
    ['36180', 3, false],
    ['36180', 1, false],
    ['12345678', 1, false],
    ['33612345678', 5, false],
  ])('%s (TON %i) → %s', (addr, ton, expected) => {
    expect(isPhoneOriginator(addr, ton)).toBe(expected);
  });
});

describe('originatorE164', () => {
  it.each([
    ['33612345678', 1, '+33612345678'],
    ['33612345678', 0, '+33612345678'],
    ['+33612345678', 0, '+33612345678'],
    ['0033612345678', 0, '+33612345678'],
    ['0612345678', 2, '+33612345678'],
    ['0612345678', 0, '+33612345678'],
    ['ACME', 5, undefined],
    ['36180', 0, undefined],
  ])('%s (TON %i) → %s', (addr, ton, expected) => {
    expect(originatorE164(addr, ton, 'FR')).toBe(expected);
  });

  it('keeps the + form of an international number the metadata does not know, so its STOP counts', () => {
    expect(originatorE164('999123456789', 1, 'FR')).toBe('+999123456789');
  });
});
