// The one stream consumer of the gateway: a consumer group member that reads new entries (streams in
// priority order), takes over entries another consumer left pending past the lease, keeps its own
// entries from looking idle, and acknowledges them. The worker, the state notifier and the ingress use it.
import { setTimeout as delay } from 'node:timers/promises';
import { Cluster } from 'ioredis';
import { closeNow, duplicateClient, type RedisClient } from './connect.js';
import { groupBy } from './group.js';

/**
 * How soon a Cluster read of streams on several slots looks again while it would block: 5 ms after entries
 * came, doubling while none come, up to 100 ms. Work arriving after a quiet spell waits up to 100 ms; a
 * quiet daemon asks each slot ten times a second instead of forty.
 */
const CLUSTER_POLL_MIN_MS = 5;
const CLUSTER_POLL_MAX_MS = 100;

/** What Redis Cluster hashes a key by: the first non-empty `{tag}`, else the whole name. */
function hashTagOf(key: string): string {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return key.slice(open + 1, close);
  }
  return key;
}

export interface StreamEntry {
  stream: string;
  id: string;
  fields: Record<string, string>;
}

type StreamReply = Array<[string, Array<[string, string[]]>]> | null;

function toFields(flat: readonly string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  return fields;
}

export class StreamConsumer {
  private readonly reader: RedisClient;
  private pollMs = CLUSTER_POLL_MIN_MS;

  /**
   * `redis` serves the short commands; a duplicate connection is kept for the blocking reads, so a
   * read waiting for entries never holds back the acknowledgements behind it.
   */
  constructor(
    private readonly redis: RedisClient,
    readonly group: string,
    readonly consumer: string,
  ) {
    this.reader = duplicateClient(redis, { enableAutoPipelining: false });
    // Connection errors surface on the commands; the main client logs the connection's state.
    this.reader.on('error', () => undefined);
  }

  async connect(): Promise<void> {
    if (this.reader.status === 'ready' || this.reader.status === 'connecting') return;
    await this.reader.connect().catch((error: unknown) => {
      if (!(error instanceof Error) || !error.message.includes('already')) throw error;
    });
  }

  /** Close the reading connection now: a blocking read in progress fails at once, even if Redis is away. */
  disconnect(): void {
    closeNow(this.reader);
  }

  /** Create the group on each stream (and the stream), from `start` ("0": entries already there too). */
  async ensureGroup(streams: readonly string[], start: '0' | '$' = '0'): Promise<void> {
    for (const stream of streams) {
      try {
        await this.redis.xgroup('CREATE', stream, this.group, start, 'MKSTREAM');
      } catch (error) {
        if (!(error instanceof Error) || !error.message.includes('BUSYGROUP')) throw error;
      }
    }
  }

  /**
   * New entries by priority, the streams of one group alike (the shards of a lane): the first group with
   * entries is read, each of its streams up to its share of `count`; when none has any, all are read,
   * blocking up to `blockMs`.
   */
  async readByPriority(
    groups: ReadonlyArray<readonly string[]>,
    count: number,
    blockMs: number,
  ): Promise<StreamEntry[]> {
    for (let i = 0; i < groups.length - 1; i++) {
      const group = groups[i]!;
      const entries = await this.readOnce(group, Math.ceil(count / group.length), undefined, '>');
      if (entries.length > 0) return entries;
    }
    const all = groups.flat();
    return this.readOnce(all, Math.ceil(count / Math.max(1, groups.at(-1)?.length ?? 1)), blockMs, '>');
  }

  /** New entries of all the streams alike, blocking up to `blockMs` when there are none. */
  async readAll(streams: readonly string[], count: number, blockMs: number): Promise<StreamEntry[]> {
    return this.readOnce(streams, count, blockMs, '>');
  }

  /** This consumer's own entries still pending (after a restart under the same name). */
  async readOwnPending(streams: readonly string[], count: number): Promise<StreamEntry[]> {
    return this.readOnce(streams, count, undefined, '0');
  }

  /**
   * One XREADGROUP where the streams share a slot. On a Cluster, streams on several slots (the shards, the
   * accounts' ingress streams) are read one slot at a time, in parallel, without blocking: a blocking
   * read holds its node's connection, so instead they are read again, ever less often while they stay
   * empty (CLUSTER_POLL_MIN_MS to CLUSTER_POLL_MAX_MS), until `blockMs`.
   */
  private async readOnce(
    streams: readonly string[],
    count: number,
    blockMs: number | undefined,
    from: '>' | '0',
  ): Promise<StreamEntry[]> {
    if (!(this.reader instanceof Cluster)) return this.readSlot(streams, count, blockMs, from);
    const groups = [...groupBy(streams, hashTagOf).values()];
    if (groups.length === 1) return this.readSlot(groups[0]!, count, blockMs, from);
    const readAll = async () =>
      (await Promise.all(groups.map((group) => this.readSlot(group, count, undefined, from)))).flat();
    const deadline = Date.now() + (blockMs ?? 0);
    let entries = await readAll();
    while (entries.length === 0 && blockMs !== undefined && Date.now() < deadline) {
      await delay(Math.min(this.pollMs, Math.max(1, deadline - Date.now())));
      this.pollMs = Math.min(CLUSTER_POLL_MAX_MS, this.pollMs * 2);
      entries = await readAll();
    }
    if (entries.length > 0) this.pollMs = CLUSTER_POLL_MIN_MS;
    return entries;
  }

  private async readSlot(
    streams: readonly string[],
    count: number,
    blockMs: number | undefined,
    from: '>' | '0',
  ): Promise<StreamEntry[]> {
    const args: Array<string | number> = ['GROUP', this.group, this.consumer, 'COUNT', count];
    if (blockMs !== undefined) args.push('BLOCK', blockMs);
    args.push('STREAMS', ...streams, ...streams.map(() => from));
    // The typed method, not call(): it turns the reply into [stream, entries] pairs.
    const xreadgroup = this.reader.xreadgroup as unknown as (
      ...a: Array<string | number>
    ) => Promise<StreamReply>;
    const reply = await xreadgroup.apply(this.reader, args);
    const entries: StreamEntry[] = [];
    for (const [stream, items] of reply ?? []) {
      for (const [id, flat] of items) entries.push({ stream, id, fields: toFields(flat ?? []) });
    }
    return entries;
  }

  /** Take over entries another consumer left pending longer than `minIdleMs` (a dead instance's work). */
  async reclaim(stream: string, minIdleMs: number, count: number): Promise<StreamEntry[]> {
    const reply = (await this.redis.xautoclaim(
      stream,
      this.group,
      this.consumer,
      minIdleMs,
      '0-0',
      'COUNT',
      count,
    )) as [string, Array<[string, string[]] | null>, string[]?];
    const entries: StreamEntry[] = [];
    for (const item of reply[1]) {
      if (item) entries.push({ stream, id: item[0], fields: toFields(item[1] ?? []) });
    }
    return entries;
  }

  /** Reset the idle time of entries we are still working on, so no other consumer takes them over. */
  async renew(stream: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.redis.call('XCLAIM', stream, this.group, this.consumer, '0', ...ids, 'JUSTID');
  }

  /** Acknowledge entries; `remove` also deletes them (queues), otherwise they stay (event streams). */
  async ack(stream: string, ids: readonly string[], remove: boolean): Promise<void> {
    if (ids.length === 0) return;
    if (remove) {
      await this.redis
        .multi()
        .xack(stream, this.group, ...ids)
        .xdel(stream, ...ids)
        .exec();
    } else {
      await this.redis.xack(stream, this.group, ...ids);
    }
  }
}
