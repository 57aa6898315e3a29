// Webhook deliveries in Redis: a hash per delivery and one sorted set of due times, both under the
// `{webhooks}` hash tag. The sender (api/webhooks.ts) decides when and what; this is where it is kept.
import type { RedisClient } from './connect.js';
import type { RedisKeys } from './keys.js';
import { replyArray, scripts } from './scripts.js';

export class WebhookStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  /** Queue a delivery, due now, unless one with this id is pending. Returns true when queued. */
  async enqueue(id: string, now: number, ttlSeconds: number, fields: readonly string[]): Promise<boolean> {
    const reply = await scripts.webhookEnqueue.run(
      this.redis,
      [this.keys.webhookDelivery(id), this.keys.webhookQueue()],
      [id, now, ttlSeconds, ...fields],
    );
    return Number(reply) === 1;
  }

  /** Take up to `max` due deliveries by pushing their due time one lease ahead. */
  async claim(now: number, leaseMs: number, max: number): Promise<string[]> {
    return replyArray(
      await scripts.webhookClaim.run(this.redis, [this.keys.webhookQueue()], [now, leaseMs, max]),
    ).map(String);
  }

  async load(id: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.keys.webhookDelivery(id));
  }

  /** Delivered, abandoned or gone: the delivery leaves Redis. */
  async remove(id: string): Promise<void> {
    await this.redis.multi().del(this.keys.webhookDelivery(id)).zrem(this.keys.webhookQueue(), id).exec();
  }

  /** Due again at `dueMs` (only if still queued), with the given fields updated. */
  async reschedule(id: string, dueMs: number, fields: Record<string, string> = {}): Promise<void> {
    const tx = this.redis.multi();
    if (Object.keys(fields).length > 0) tx.hset(this.keys.webhookDelivery(id), fields);
    await tx.zadd(this.keys.webhookQueue(), 'XX', dueMs, id).exec();
  }
}
