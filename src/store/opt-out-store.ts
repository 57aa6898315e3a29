// Opt-out lists in Redis: one hash per account, E.164 number → JSON {at, source}. The rules (who is
// refused, normalisation, CSV) live in policy/opt-out.ts; this is only where the list is kept.
import type { RedisClient } from './connect.js';
import type { RedisKeys } from './keys.js';

export class OptOutStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  async has(account: string, number: string): Promise<boolean> {
    return (await this.redis.hexists(this.keys.optOuts(account), number)) === 1;
  }

  async get(account: string, number: string): Promise<string | null> {
    return this.redis.hget(this.keys.optOuts(account), number);
  }

  /** Adds each number not already listed; returns how many were added (an existing entry is kept). */
  async addMissing(account: string, entries: ReadonlyArray<readonly [string, string]>): Promise<number> {
    if (entries.length === 0) return 0;
    const key = this.keys.optOuts(account);
    const pipeline = this.redis.pipeline();
    for (const [number, value] of entries) pipeline.hsetnx(key, number, value);
    let added = 0;
    for (const [error, reply] of (await pipeline.exec()) ?? []) {
      if (error) throw error;
      if (reply === 1) added += 1;
    }
    return added;
  }

  async remove(account: string, number: string): Promise<boolean> {
    return (await this.redis.hdel(this.keys.optOuts(account), number)) === 1;
  }

  async count(account: string): Promise<number> {
    return this.redis.hlen(this.keys.optOuts(account));
  }

  /** One HSCAN page: [next cursor ("0" at the end), flat number/value pairs]. */
  async scan(account: string, cursor: string, count: number): Promise<[string, string[]]> {
    return this.redis.hscan(this.keys.optOuts(account), cursor, 'COUNT', count);
  }
}
