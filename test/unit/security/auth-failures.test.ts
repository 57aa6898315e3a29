// Issue 15: failed authentications per address, on a clock the test moves.
import { describe, expect, it } from 'vitest';
import { AuthFailureLimiter } from '../../../src/security/index.js';

function limiter(max = 3, windowSeconds = 60) {
  const clock = { now: 1_000_000 };
  return { clock, limits: new AuthFailureLimiter({ max, windowSeconds }, () => clock.now) };
}

describe('AuthFailureLimiter', () => {
  it('blocks an address at the max-th failure within the window, for the window, then lets it in', () => {
    const { clock, limits } = limiter(3, 60);
    expect(limits.fail('10.0.0.1')).toBe(false);
    expect(limits.fail('10.0.0.1')).toBe(false);
    expect(limits.retryAfterSeconds('10.0.0.1')).toBe(0);
    expect(limits.fail('10.0.0.1')).toBe(true);
    expect(limits.retryAfterSeconds('10.0.0.1')).toBe(60);
    // Another address is not affected.
    expect(limits.retryAfterSeconds('10.0.0.2')).toBe(0);
    clock.now += 59_500;
    expect(limits.retryAfterSeconds('10.0.0.1')).toBe(1);
    // Failures while blocked neither extend the block nor count for the next window.
    expect(limits.fail('10.0.0.1')).toBe(false);
    clock.now += 500;
    expect(limits.retryAfterSeconds('10.0.0.1')).toBe(0);
    expect(limits.fail('10.0.0.1')).toBe(false);
    expect(limits.retryAfterSeconds('10.0.0.1')).toBe(0);
  });

  it('forgets failures older than the window', () => {
    const { clock, limits } = limiter(3, 10);
    limits.fail('a');
    limits.fail('a');
    clock.now += 10_001;
    expect(limits.fail('a')).toBe(false);
    expect(limits.fail('a')).toBe(false);
    expect(limits.retryAfterSeconds('a')).toBe(0);
    expect(limits.fail('a')).toBe(true);
  });

  it('treats an unknown address as one address, not as a free pass', () => {
    const { limits } = limiter(1);
    expect(limits.fail(undefined)).toBe(true);
    expect(limits.retryAfterSeconds(undefined)).toBeGreaterThan(0);
  });
});
