// The outbox back-off: initial delay, doubling per failed attempt, capped.
import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../../src/smpp-server/outbox-pump.js';

describe('retryDelayMs', () => {
  it.each([
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [6, 32_000],
    [7, 60_000],
    [30, 60_000],
  ])('after %i failed attempts: %i ms', (attempt, ms) => {
    expect(retryDelayMs(attempt, 1000, 60_000)).toBe(ms);
  });
});
