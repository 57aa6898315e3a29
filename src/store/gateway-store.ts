// One handle on everything the gateway keeps in Redis, built once by the composition root and handed to
// each module as the part it needs (messages, opt-outs, MO, webhooks, buckets, leases, and the SMPP server's
// binds, gathered parts, outbox and message lookups).
import { Cluster } from 'ioredis';
import type { RedisClient } from './connect.js';
import { IngressStore } from './ingress-store.js';
import { RedisBindLeases, type BindLeaseOptions } from './bind-leases.js';
import { CampaignStore } from './campaign-store.js';
import { CreditStore } from './credit-store.js';
import { writeRefusalOf, type WriteRefusal } from './errors.js';
import { RedisKeys } from './keys.js';
import { scripts } from './scripts.js';
import { MessageStore, type MessageStoreOptions } from './message-store.js';
import { MoStore } from './mo-store.js';
import { OptOutStore } from './opt-out-store.js';
import { RedisPlatformBinds, type PlatformBindsOptions } from './platform-binds.js';
import { StorePlatformMessages } from './platform-messages.js';
import { RedisPlatformOutbox, type PlatformOutboxOptions } from './platform-outbox.js';
import { RedisPartGatherer, type PlatformPartsOptions } from './platform-parts.js';
import { RedisBucket } from './token-bucket-store.js';
import { WebhookStore } from './webhook-store.js';

export class GatewayStore {
  readonly keys: RedisKeys;
  readonly messages: MessageStore;
  readonly optOuts: OptOutStore;
  readonly mo: MoStore;
  readonly webhooks: WebhookStore;
  /** The aggregators' Redis ingress streams (docs/redis-ingress.md). */
  readonly ingress: IngressStore;
  readonly credits: CreditStore;
  readonly campaigns: CampaignStore;

  /**
   * Record `configured` as this Redis' shard count when it is more than any before, and return the most
   * ever recorded, which the daemon then uses: the count only grows, since fewer shards than before would
   * strand the messages on the others (a message id names its shard).
   */
  static async registerShards(redis: RedisClient, keyPrefix: string, configured: number): Promise<number> {
    // One script, so two daemons starting together with different counts cannot leave the smaller one.
    const reply = await scripts.shardCount.run(redis, [new RedisKeys(keyPrefix).shardCount()], [configured]);
    return Number(reply);
  }

  constructor(
    readonly redis: RedisClient,
    keyPrefix: string,
    options: MessageStoreOptions & { shards?: number } = {},
  ) {
    this.keys = new RedisKeys(keyPrefix, options.shards ?? 1, { cluster: redis instanceof Cluster });
    this.messages = new MessageStore(redis, this.keys, options);
    this.optOuts = new OptOutStore(redis, this.keys);
    this.mo = new MoStore(redis, this.keys, this.messages.eventsMaxLen);
    this.webhooks = new WebhookStore(redis, this.keys);
    this.ingress = new IngressStore(redis, this.keys, this.messages.eventsMaxLen);
    this.credits = new CreditStore(redis, this.keys);
    this.campaigns = new CampaignStore(redis, this.keys, Math.round((options.retentionDays ?? 7) * 86_400));
  }

  private refusal: WriteRefusal | undefined;

  /** Can Redis be reached now? (The connection is up; reads work.) */
  get available(): boolean {
    return this.redis.status === 'ready';
  }

  /**
   * Can a write succeed now? Reachable, and no write refused since the last successful probe (Redis out of
   * memory, its disk failing, a replica). A write may still fail, and says so.
   */
  get writable(): boolean {
    return this.available && this.refusal === undefined;
  }

  /** Why writes are refused (OOM, MISCONF, READONLY, NOREPLICAS, NOTREPLICATED), until a probe write succeeds. */
  get writeRefusal(): WriteRefusal | undefined {
    return this.refusal;
  }

  /** Look at a failed Redis call: a write refusal marks the store unwritable (until probeWrite succeeds). */
  noteError(error: unknown): WriteRefusal | undefined {
    const refusal = writeRefusalOf(error);
    if (refusal) this.refusal = refusal;
    return refusal;
  }

  /**
   * One small write (a key with a short TTL): clears the refusal when Redis takes it, sets it when Redis
   * refuses. Other failures (Redis unreachable) leave it as it was. Resolves whether the write went through.
   */
  async probeWrite(instance: string, ttlMs = 10_000): Promise<boolean> {
    try {
      await this.redis.set(this.keys.writeProbe(instance), String(Date.now()), 'PX', ttlMs);
      // With redis.waitReplicas, writes are refused until the replicas are back: the probe asks them too.
      if ((await this.messages.replicasAcknowledged()) < this.messages.replicasWanted) {
        this.refusal = 'NOTREPLICATED';
        return false;
      }
      this.refusal = undefined;
      return true;
    } catch (error) {
      this.noteError(error);
      return false;
    }
  }

  operatorBucket(operatorId: string): RedisBucket {
    return new RedisBucket(this.redis, this.keys.bucket(operatorId));
  }

  accountBucket(accountId: string): RedisBucket {
    return new RedisBucket(this.redis, this.keys.accountBucket(accountId));
  }

  bindLeases(
    holder: string,
    bindsByOperator: ReadonlyMap<string, number>,
    options: BindLeaseOptions = {},
  ): RedisBindLeases {
    return new RedisBindLeases(this.redis, this.keys, holder, bindsByOperator, options);
  }

  // --- The SMPP server's ports (src/smpp-server/ports.ts) ---

  platformBinds(options: PlatformBindsOptions = {}): RedisPlatformBinds {
    return new RedisPlatformBinds(this.redis, this.keys, options);
  }

  platformParts(options: PlatformPartsOptions): RedisPartGatherer {
    return new RedisPartGatherer(this.redis, this.keys, options);
  }

  platformOutbox(options: PlatformOutboxOptions): RedisPlatformOutbox {
    return new RedisPlatformOutbox(this.redis, this.keys, options);
  }

  platformMessages(): StorePlatformMessages {
    return new StorePlatformMessages(this.messages);
  }
}
