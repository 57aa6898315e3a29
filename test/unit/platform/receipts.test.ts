// Which final states a platform hears of (registered_delivery, SMPP 3.4 §5.2.17) and how an event of the
// account's stream reads as a final status.
import { describe, expect, it } from 'vitest';
import { dropReasonLabel, finalStatusOfEvent, receiptWanted } from '../../../src/platform/index.js';
import type { PlatformMessageStatus } from '../../../src/smpp-server/index.js';

const confirmed: PlatformMessageStatus = { state: 'confirmed' };
const undeliv: PlatformMessageStatus = { state: 'error', errorStage: 'receipt', errorCode: 'UNDELIV' };
const rejected: PlatformMessageStatus = { state: 'error', errorStage: 'policy', errorCode: 'OPTED_OUT' };
const expired: PlatformMessageStatus = { state: 'error', errorStage: 'submit', errorCode: 'EXPIRED' };
const cancelled: PlatformMessageStatus = { state: 'cancelled' };
const unconfirmed: PlatformMessageStatus = { state: 'delivered', unconfirmed: true };
const pending: PlatformMessageStatus = { state: 'delivered' };

describe('receiptWanted', () => {
  it.each([
    // [registered_delivery, status, wanted]
    [0, confirmed, false],
    [0, undeliv, false],
    [1, confirmed, true],
    [1, undeliv, true],
    [1, rejected, true],
    [1, expired, true],
    [1, cancelled, true],
    [1, unconfirmed, true],
    [1, pending, false],
    [2, confirmed, false],
    [2, unconfirmed, false],
    [2, undeliv, true],
    [2, rejected, true],
    [2, expired, true],
    [2, cancelled, true],
    // 3 is reserved: read as "success and failure".
    [3, confirmed, true],
    // Bits above 1-0 (SME acknowledgements, intermediate notifications) change nothing.
    [0x11, confirmed, true],
    [0x12, confirmed, false],
    [0x10, undeliv, false],
  ] as const)('registered_delivery %i, %o: %s', (rd, status, wanted) => {
    expect(receiptWanted(rd, status)).toBe(wanted);
  });
});

describe('finalStatusOfEvent', () => {
  it('reads the final states of an event, and nothing else', () => {
    expect(finalStatusOfEvent({ id: 'X', state: 'confirmed', at: '5' })).toEqual({
      state: 'confirmed',
      at: 5,
    });
    expect(
      finalStatusOfEvent({ id: 'X', state: 'error', at: '5', errorStage: 'receipt', errorCode: 'UNDELIV' }),
    ).toEqual({ state: 'error', at: 5, errorStage: 'receipt', errorCode: 'UNDELIV' });
    expect(finalStatusOfEvent({ id: 'X', state: 'cancelled', at: '5' })).toEqual({
      state: 'cancelled',
      at: 5,
    });
    expect(finalStatusOfEvent({ id: 'X', state: 'delivered', at: '5', detail: 'unconfirmed' })).toEqual({
      state: 'delivered',
      at: 5,
      unconfirmed: true,
    });
    expect(finalStatusOfEvent({ id: 'X', state: 'delivered', at: '5', detail: 'final' })).toMatchObject({
      unconfirmed: true,
    });
    for (const state of ['queued', 'scheduled', 'sending', 'delivered'])
      expect(finalStatusOfEvent({ id: 'X', state, at: '5' })).toBeUndefined();
  });
});

describe('dropReasonLabel', () => {
  it('keeps the metric label to a few values', () => {
    expect(dropReasonLabel('attempts exhausted: ESME_RSYSERR')).toBe('attempts');
    expect(dropReasonLabel('unencodable')).toBe('unencodable');
    expect(dropReasonLabel('something new')).toBe('other');
  });
});
