// The Redis ingress of aggregators (SPEC §4, docs/redis-ingress.md), on the store's side: the account's
// ingress stream read through one consumer group shared by every instance, the end of a batch (refused
// entries dead-lettered with their outcome, duplicates told, every entry acknowledged and deleted in one
// script), and the stream's lag for the metrics.
import type { RedisClient } from './connect.js';
import type { RedisKeys } from './keys.js';
import { scripts, type LuaArg } from './scripts.js';
import { StreamConsumer } from './stream-consumer.js';

/** The consumer group every instance joins on every account's ingress stream. */
export const INGRESS_GROUP = 'gateway';

export interface IngressRefusal {
  /** The ingress entry id. */
  ingressId: string;
  code: string;
  message: string;
  /** The entry as it was written, copied to the dead-letter stream with the reason. */
  fields: Record<string, string>;
}

export interface IngressDuplicate {
  ingressId: string;
  /** The message the clientRef already named. */
  id: string;
  clientRef?: string;
}

export interface IngressBacklog {
  /** Entries not yet read by the group (XINFO GROUPS `lag`; null when Redis cannot tell). */
  lag: number | null;
  /** Entries read but not yet acknowledged. */
  pending: number;
}

/** Run a pipeline or transaction, failing on the first command that failed. */
async function execAll(batch: {
  exec(): Promise<Array<[Error | null, unknown]> | null>;
}): Promise<unknown[]> {
  const replies = (await batch.exec()) ?? [];
  return replies.map(([error, reply]) => {
    if (error) throw error;
    return reply;
  });
}

export class IngressStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly eventsMaxLen: number,
    private readonly deadMaxLen = 100_000,
  ) {}

  stream(accountId: string): string {
    return this.keys.ingress(accountId);
  }

  /** A consumer of the group on the account's ingress stream (its own blocking connection). */
  consumer(consumerName: string): StreamConsumer {
    return new StreamConsumer(this.redis, INGRESS_GROUP, consumerName);
  }

  /**
   * The end of a batch: refusals (event `type=rejected`, a copy on the dead-letter stream), duplicates (event
   * `type=duplicate`), then `ack` (every entry of the batch) acknowledged and deleted, all in one call.
   */
  async settle(
    accountId: string,
    batch: {
      refused: readonly IngressRefusal[];
      duplicates: readonly IngressDuplicate[];
      ack: readonly string[];
    },
    now: number = Date.now(),
  ): Promise<number> {
    if (this.keys.cluster) return this.settleOnCluster(accountId, batch, now);
    const args: LuaArg[] = [INGRESS_GROUP, this.eventsMaxLen, this.deadMaxLen, now, batch.refused.length];
    for (const r of batch.refused) {
      const pairs = Object.entries(r.fields);
      args.push(r.ingressId, r.code, r.message, pairs.length);
      for (const [field, value] of pairs) args.push(field, value);
    }
    args.push(batch.duplicates.length);
    for (const d of batch.duplicates) args.push(d.ingressId, d.id, d.clientRef ?? '');
    args.push(...batch.ack);
    const keys = [
      this.keys.ingress(accountId),
      this.keys.ingressDead(accountId),
      this.keys.events(accountId),
    ];
    return Number(await scripts.ingressSettle.run(this.redis, keys, args));
  }

  /**
   * settle on a Redis Cluster, where the three streams SPEC §4 names sit on three slots: the same writes
   * as ingress-settle.lua, in three calls, in the order that loses nothing (dead letters, then outcomes,
   * then the acknowledgement). A crash between them repeats the batch's dead letters and outcomes at the
   * next read; it never drops one, and the entries' messages are not written twice (their derived clientRef).
   */
  private async settleOnCluster(
    accountId: string,
    batch: Parameters<IngressStore['settle']>[1],
    now: number,
  ): Promise<number> {
    const at = String(now);
    const dead = this.keys.ingressDead(accountId);
    const events = this.keys.events(accountId);
    if (batch.refused.length > 0) {
      const pipeline = this.redis.pipeline();
      for (const r of batch.refused) {
        const copy = ['ingressId', r.ingressId, 'code', r.code, 'message', r.message, 'at', at];
        for (const [field, value] of Object.entries(r.fields)) {
          // The reason's own fields win; an entry's field of the same name is kept under "entry.<name>".
          const own = field === 'ingressId' || field === 'code' || field === 'message' || field === 'at';
          copy.push(own ? `entry.${field}` : field, value);
        }
        pipeline.xadd(dead, 'MAXLEN', '~', this.deadMaxLen, '*', ...copy);
      }
      await execAll(pipeline);
    }
    if (batch.refused.length + batch.duplicates.length > 0) {
      const pipeline = this.redis.pipeline();
      for (const r of batch.refused) {
        pipeline.xadd(
          events,
          'MAXLEN',
          '~',
          this.eventsMaxLen,
          '*',
          'type',
          'rejected',
          'ingressId',
          r.ingressId,
          'code',
          r.code,
          'message',
          r.message,
          'at',
          at,
        );
      }
      for (const d of batch.duplicates) {
        const ev = ['type', 'duplicate', 'ingressId', d.ingressId, 'id', d.id, 'at', at];
        if (d.clientRef) ev.push('clientRef', d.clientRef);
        pipeline.xadd(events, 'MAXLEN', '~', this.eventsMaxLen, '*', ...ev);
      }
      await execAll(pipeline);
    }
    if (batch.ack.length === 0) return 0;
    const stream = this.keys.ingress(accountId);
    const replies = await execAll(
      this.redis
        .multi()
        .xack(stream, INGRESS_GROUP, ...batch.ack)
        .xdel(stream, ...batch.ack),
    );
    return Number(replies[0]);
  }

  /** How far the group is behind on the account's stream. */
  async backlog(accountId: string): Promise<IngressBacklog> {
    const stream = this.keys.ingress(accountId);
    let groups: unknown[];
    try {
      groups = (await this.redis.xinfo('GROUPS', stream)) as unknown[];
    } catch (error) {
      if (error instanceof Error && error.message.includes('no such key')) return { lag: 0, pending: 0 };
      throw error;
    }
    for (const group of groups) {
      const flat = group as unknown[];
      const info = new Map<string, unknown>();
      for (let i = 0; i + 1 < flat.length; i += 2) info.set(String(flat[i]), flat[i + 1]);
      if (info.get('name') !== INGRESS_GROUP) continue;
      const lag = info.get('lag');
      return {
        lag: lag === null || lag === undefined ? null : Number(lag),
        pending: Number(info.get('pending') ?? 0),
      };
    }
    return { lag: await this.redis.xlen(stream), pending: 0 };
  }
}
