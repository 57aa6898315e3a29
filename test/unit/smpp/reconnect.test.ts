import { describe, expect, it } from 'vitest';
import { ReconnectBackoff, backoffCeiling } from '../../../src/smpp/reconnect.js';

const options = { initialMs: 1000, maxMs: 60_000, bindRefusedMinMs: 30_000 };

describe('ReconnectBackoff', () => {
  it('doubles from initialMs to maxMs', () => {
    expect([0, 1, 2, 5, 6, 7, 100].map((n) => backoffCeiling(n, 1000, 60_000))).toEqual([
      1000, 2000, 4000, 32_000, 60_000, 60_000, 60_000,
    ]);
  });

  it('equal jitter stays within [ceiling/2, ceiling]', () => {
    const low = new ReconnectBackoff({ ...options, random: () => 0 });
    const high = new ReconnectBackoff({ ...options, random: () => 1 });
    expect([low.next('drop'), low.next('drop'), low.next('drop')]).toEqual([500, 1000, 2000]);
    expect([high.next('drop'), high.next('drop'), high.next('drop')]).toEqual([1000, 2000, 4000]);
  });

  it('full jitter spans [0, ceiling]', () => {
    const backoff = new ReconnectBackoff({ ...options, jitter: 'full', random: () => 0.25 });
    expect([backoff.next('drop'), backoff.next('drop'), backoff.next('drop')]).toEqual([250, 500, 1000]);
  });

  it('no jitter gives the ceiling', () => {
    const backoff = new ReconnectBackoff({ ...options, jitter: 'none' });
    expect([backoff.next('drop'), backoff.next('drop')]).toEqual([1000, 2000]);
  });

  it('a refused bind waits at least bindRefusedMinMs, and keeps growing past it', () => {
    const backoff = new ReconnectBackoff({ ...options, jitter: 'none' });
    const delays = Array.from({ length: 8 }, () => backoff.next('bindRefused'));
    expect(delays).toEqual([30_000, 30_000, 30_000, 30_000, 30_000, 32_000, 60_000, 60_000]);
  });

  it('reset starts again from initialMs', () => {
    const backoff = new ReconnectBackoff({ ...options, jitter: 'none' });
    backoff.next('drop');
    backoff.next('drop');
    expect(backoff.attempts).toBe(2);
    backoff.reset();
    expect(backoff.next('drop')).toBe(1000);
  });

  it('clamps a random source outside [0, 1]', () => {
    const backoff = new ReconnectBackoff({ ...options, jitter: 'full', random: () => 7 });
    expect(backoff.next('drop')).toBe(1000);
  });
});
