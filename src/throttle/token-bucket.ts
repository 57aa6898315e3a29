// The operator's throughput limit as a token bucket in Redis, shared by every daemon instance and
// counted in segments (carriers count PDUs). Locally one pump takes tokens in batches for all waiters
// of this instance, in FIFO order, so N waiting segments cost one Redis call, not N polls.
import type { Redis } from 'ioredis';
import { replyArray, scripts } from '../queue/scripts.js';

export interface RateSource {
  /** Segments per second allowed now. */
  current(): number;
}

interface Waiter {
  remaining: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class RedisTokenBucket {
  private readonly waiters: Waiter[] = [];
  private pumping = false;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly rate: RateSource,
    /** Bucket size: how many segments may leave at once after an idle period. */
    // 10 ms of tokens: enough to batch at high rates, little enough that no second sees much over the limit.
    private readonly burst: (rate: number) => number = (r) => Math.max(1, Math.ceil(r / 100)),
  ) {}

  /**
   * One raw attempt. `partial`: as many of `n` as exist now. `whole`: all of `n` or none (an ingress
   * request is accepted or refused as one).
   */
  async tryTake(
    n: number,
    mode: 'partial' | 'whole' = 'partial',
  ): Promise<{ granted: number; waitMs: number }> {
    const rate = this.rate.current();
    const reply = replyArray(
      await scripts.tokenBucket.run(this.redis, [this.key], [rate, this.burst(rate), n, mode]),
    );
    return { granted: Number(reply[0]), waitMs: Number(reply[1]) };
  }

  /** Resolves once `n` tokens are ours; rejects with the signal's reason when it aborts first. */
  take(n: number, signal?: AbortSignal): Promise<void> {
    if (n <= 0) return Promise.resolve();
    if (signal?.aborted) return Promise.reject(signal.reason ?? new Error('aborted'));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { remaining: n, resolve, reject };
      if (signal) {
        const onAbort = () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(signal.reason ?? new Error('aborted'));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        const done = resolve;
        waiter.resolve = () => {
          signal.removeEventListener('abort', onAbort);
          done();
        };
      }
      this.waiters.push(waiter);
      if (!this.pumping) void this.pump();
    });
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.waiters.length > 0) {
        const wanted = this.waiters.reduce((sum, w) => sum + w.remaining, 0);
        let result: { granted: number; waitMs: number };
        try {
          result = await this.tryTake(wanted);
        } catch (error) {
          // Redis away: every waiter fails now; the worker leaves its entries pending and retries.
          for (const w of this.waiters.splice(0)) w.reject(error);
          return;
        }
        let granted = result.granted;
        while (granted > 0 && this.waiters.length > 0) {
          const head = this.waiters[0]!;
          const give = Math.min(granted, head.remaining);
          head.remaining -= give;
          granted -= give;
          if (head.remaining === 0) {
            this.waiters.shift();
            head.resolve();
          }
        }
        if (this.waiters.length > 0 && result.granted < wanted) {
          await new Promise((resolve) => setTimeout(resolve, Math.max(1, result.waitMs)));
        }
      }
    } finally {
      this.pumping = false;
    }
  }
}
