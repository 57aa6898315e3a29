// The operator's throughput limit as a token bucket in Redis, shared by every daemon instance and
// counted in segments (carriers count PDUs). Locally one pump takes tokens in batches for all waiters
// of this instance, in FIFO order, so N waiting segments cost one Redis call, not N polls.
import type { BucketTake } from '../store/index.js';

/** The shared bucket itself (the store's RedisBucket). */
export interface BucketPort {
  take(rate: number, burst: number, n: number, mode: 'partial' | 'whole'): Promise<BucketTake>;
}

export interface RateSource {
  /** Segments per second allowed now. */
  current(): number;
}

/** Tokens taken ahead are used within this time or given up, so instances never hoard the limit. */
const SURPLUS_TTL_MS = 20;

interface Waiter {
  remaining: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class RedisTokenBucket {
  private readonly waiters: Waiter[] = [];
  private pumping = false;
  private refilling = false;
  // At high rates, one Redis call takes a few milliseconds' worth of tokens for the calls that follow.
  private surplus = 0;
  private surplusAt = 0;

  constructor(
    private readonly bucket: BucketPort,
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
    return this.bucket.take(rate, this.burst(rate), n, mode);
  }

  /** Resolves once `n` tokens are ours; rejects with the signal's reason when it aborts first. */
  take(n: number, signal?: AbortSignal): Promise<void> {
    if (n <= 0) return Promise.resolve();
    if (signal?.aborted) return Promise.reject(signal.reason ?? new Error('aborted'));
    if (this.waiters.length === 0 && this.takeSurplus(n)) {
      this.refillAhead();
      return Promise.resolve();
    }
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

  private takeSurplus(n: number): boolean {
    if (this.surplus >= n && Date.now() - this.surplusAt <= SURPLUS_TTL_MS) {
      this.surplus -= n;
      return true;
    }
    return false;
  }

  /**
   * Once the surplus is half spent or half its life is gone, ask for the next tokens while takes are still
   * served from what is left, so that under steady traffic no take waits for a round trip to Redis (it
   * did, 0.5 to 1.4 ms a segment on average in the benchmark). At most one such call at a time; with a
   * rate of under 200/s there is no surplus to keep warm.
   */
  private refillAhead(): void {
    if (this.refilling || this.pumping) return;
    const ahead = this.ahead();
    if (ahead < 1) return;
    if (this.surplus >= ahead / 2 && Date.now() - this.surplusAt < SURPLUS_TTL_MS / 2) return;
    this.refilling = true;
    void this.tryTake(ahead)
      .then(
        (result) => this.distribute(result.granted),
        // Ahead of need only: the take that finds no tokens calls Redis itself and fails with its error.
        () => undefined,
      )
      .finally(() => {
        this.refilling = false;
      });
  }

  /** Tokens asked for beyond the need of the moment: 5 ms of traffic at the current rate. */
  private ahead(): number {
    return Math.floor(this.rate.current() / 200);
  }

  /** Granted tokens go to the waiters first, in order; what is left is kept as the surplus. */
  private distribute(granted: number): void {
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
    if (granted > 0) {
      const fresh = Date.now() - this.surplusAt <= SURPLUS_TTL_MS;
      this.surplus = (fresh ? this.surplus : 0) + granted;
      this.surplusAt = Date.now();
    }
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.waiters.length > 0) {
        const wanted = this.waiters.reduce((sum, w) => sum + w.remaining, 0);
        // Ask for a little more than is waiting: the next takes need no call.
        const ahead = this.ahead();
        let result: { granted: number; waitMs: number };
        try {
          result = await this.tryTake(wanted + ahead);
        } catch (error) {
          // Redis away: every waiter fails now; the worker leaves its entries pending and retries.
          for (const w of this.waiters.splice(0)) w.reject(error);
          return;
        }
        this.distribute(result.granted);
        if (this.waiters.length > 0 && result.granted < wanted) {
          await new Promise((resolve) => setTimeout(resolve, Math.max(1, result.waitMs)));
        }
      }
    } finally {
      this.pumping = false;
    }
  }
}
