// One token bucket in Redis, shared by every daemon instance (an operator's throughput, an account's
// ingress limit). The refill arithmetic runs in lua/token-bucket.lua on the server's clock.
import type { RedisClient } from './connect.js';
import { replyArray, scripts } from './scripts.js';

export interface BucketTake {
  granted: number;
  waitMs: number;
}

export class RedisBucket {
  constructor(
    private readonly redis: RedisClient,
    readonly key: string,
  ) {}

  /** `partial`: as many of `n` as exist now; `whole`: all of `n` or none. */
  async take(rate: number, burst: number, n: number, mode: 'partial' | 'whole'): Promise<BucketTake> {
    const reply = replyArray(await scripts.tokenBucket.run(this.redis, [this.key], [rate, burst, n, mode]));
    return { granted: Number(reply[0]), waitMs: Number(reply[1]) };
  }
}
