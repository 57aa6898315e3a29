// The local side of the operator throttle (src/throttle/token-bucket.ts) against a stand-in for the shared
// bucket that answers after a delay and counts what it granted: under steady traffic the surplus is
// refilled before it runs out or expires, so no take waits for a round trip; tokens are never created
// locally (every take was granted by the bucket); waiters are served in order when the bucket runs dry.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RedisTokenBucket, type BucketPort } from '../../../src/throttle/index.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A shared bucket that answers `delayMs` later with up to `available` tokens. */
class SlowBucket implements BucketPort {
  calls = 0;
  granted = 0;
  available = Number.POSITIVE_INFINITY;
  constructor(private readonly delayMs: number) {}

  async take(_rate: number, _burst: number, n: number): Promise<{ granted: number; waitMs: number }> {
    this.calls += 1;
    await sleep(this.delayMs);
    const granted = Math.min(n, this.available);
    this.available -= granted;
    this.granted += granted;
    return { granted, waitMs: granted < n ? 5 : 0 };
  }
}

/**
 * `count` takes of one token, one per millisecond of a fake clock (Date and timers are vi's, so a loaded
 * machine changes nothing). Returns how many did not resolve at once: they waited for the shared bucket.
 */
async function steadyTakes(bucket: RedisTokenBucket, count: number): Promise<number> {
  let waited = 0;
  for (let i = 0; i < count; i++) {
    let done = false;
    void bucket.take(1).then(() => {
      done = true;
    });
    // A take served from the surplus resolves within these microtasks; one that waits needs the clock.
    for (let k = 0; k < 5; k++) await Promise.resolve();
    if (!done) {
      waited += 1;
      while (!done) await vi.advanceTimersByTimeAsync(1);
    }
    await vi.advanceTimersByTimeAsync(1);
  }
  return waited;
}

describe('operator throttle, local surplus', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('under steady traffic no take waits for the shared bucket once the first has', async () => {
    // 100,000/s: 500 tokens asked ahead per call, kept at most 20 ms. The stand-in answers in 4 ms.
    const shared = new SlowBucket(4);
    const bucket = new RedisTokenBucket(shared, { current: () => 100_000 });
    // Only the first take waits. Without the refill ahead of need, a take waited a whole answer each
    // time the surplus expired: 15 times in these 300 ms.
    expect(await steadyTakes(bucket, 300)).toBe(1);
    // Every token used was granted by the shared bucket, with a few calls per surplus lifetime.
    expect(shared.granted).toBeGreaterThanOrEqual(300);
    expect(shared.calls).toBeLessThanOrEqual(40);
  });

  it('with the bucket dry, waiters are served in order from what comes, and none is served twice', async () => {
    const shared = new SlowBucket(2);
    shared.available = 0;
    const bucket = new RedisTokenBucket(shared, { current: () => 100_000 });
    const order: number[] = [];
    const takes = [0, 1, 2, 3, 4].map((i) => bucket.take(2).then(() => order.push(i)));
    await vi.advanceTimersByTimeAsync(20);
    expect(order).toEqual([]);
    shared.available = 5;
    await vi.advanceTimersByTimeAsync(40);
    // 5 tokens: the first two waiters (2 each) and half of the third.
    expect(order).toEqual([0, 1]);
    shared.available = 5;
    await vi.advanceTimersByTimeAsync(40);
    await Promise.all(takes);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(shared.granted).toBe(10);
  });
});
