// Account credit balances in segments (SPEC §3 balance). The balance is charged by the enqueue script and
// given back by the state-change scripts (lib-record's set_state) in the same call as the change; this
// store reads it and tops it up. A balance key that does not exist yet reads as the configured credits.
import type { RedisClient } from './connect.js';
import type { RedisKeys } from './keys.js';
import { replyArray, scripts } from './scripts.js';

export class CreditStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  /** The balance; `initial` when the account never spent (nor was topped up). */
  async balance(account: string, initial: number): Promise<number> {
    const raw = await this.redis.get(this.keys.credit(account));
    return raw === null ? initial : Number(raw);
  }

  /**
   * Add `amount` segments (negative: take away, never under zero); re-arms the low-balance alert when the
   * balance is back at or over `threshold`.
   */
  async add(
    account: string,
    amount: number,
    initial: number,
    threshold?: number,
  ): Promise<{ balance: number; rearmed: boolean }> {
    const reply = replyArray(
      await scripts.creditAdd.run(
        this.redis,
        [this.keys.credit(account), this.keys.creditLow(account)],
        [amount, initial, threshold ?? ''],
      ),
    );
    return { balance: Number(reply[0]), rearmed: Number(reply[1]) === 1 };
  }
}
