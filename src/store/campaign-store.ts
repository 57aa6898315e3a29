// Campaign records (SPEC §3, §4): one hash per campaign (`acct:<account>:campaign:<id>`) with what it was
// created with and its state, and the list of its messages' ids (`…:messages`) for a cancel. Its figures
// are the messages' own (`figures:campaign:<account>:<id>`, kept by the state-change scripts), read with
// MessageStore.figures(account, id). Both keys expire with the messages (`retentionDays` after the last
// send time).
import type { RedisClient } from './connect.js';
import type { RedisKeys } from './keys.js';

export type CampaignState = 'scheduled' | 'sending' | 'cancelled';

export interface CampaignRecord {
  id: string;
  account: string;
  name: string;
  from: string;
  class: 'marketing' | 'transactional';
  template: string;
  state: CampaignState;
  createdAt: number;
  /** Epoch ms; absent: sent at creation. */
  sendAt?: number;
  zone?: string;
  recipients: number;
  duplicates: number;
  invalid: number;
  segmentsMin: number;
  segmentsMax: number;
  credits: number;
}

export class CampaignStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly retentionSeconds: number,
  ) {}

  private listKey(account: string, id: string): string {
    return `${this.keys.campaign(account, id)}:messages`;
  }

  private ttl(record: Pick<CampaignRecord, 'createdAt' | 'sendAt'>, now: number): number {
    const end = Math.max(record.sendAt ?? record.createdAt, now);
    return Math.ceil((end - now) / 1000) + this.retentionSeconds;
  }

  async save(record: CampaignRecord, now: number = Date.now()): Promise<void> {
    const key = this.keys.campaign(record.account, record.id);
    await this.redis
      .multi()
      .hset(key, { json: JSON.stringify(record), state: record.state })
      .expire(key, this.ttl(record, now))
      .exec();
  }

  /** Append message ids (in chunks as they are enqueued). */
  async addMessages(record: CampaignRecord, ids: readonly string[], now: number = Date.now()): Promise<void> {
    if (ids.length === 0) return;
    const key = this.listKey(record.account, record.id);
    await this.redis
      .multi()
      .rpush(key, ...ids)
      .expire(key, this.ttl(record, now))
      .exec();
  }

  async get(account: string, id: string): Promise<CampaignRecord | undefined> {
    const [json, state] = await this.redis.hmget(this.keys.campaign(account, id), 'json', 'state');
    if (!json) return undefined;
    return { ...(JSON.parse(json) as CampaignRecord), state: (state as CampaignState | null) ?? 'sending' };
  }

  async setState(account: string, id: string, state: CampaignState): Promise<void> {
    await this.redis.hset(this.keys.campaign(account, id), 'state', state);
  }

  /** The campaign's message ids, `count` at a time from `start`. */
  async messages(account: string, id: string, start: number, count: number): Promise<string[]> {
    return this.redis.lrange(this.listKey(account, id), start, start + count - 1);
  }
}
