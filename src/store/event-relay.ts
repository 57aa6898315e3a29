// On a Redis Cluster the message scripts write each state change's event on their shard's own event
// stream (one slot with the message); the relay copies those events to the accounts' streams that SPEC §4
// names, exactly once (event-relay.lua keeps a cursor per shard beside each account stream), then deletes
// them from the shard. One instance relays a shard at a time (a lease); any instance takes over a lapsed one.
import type { Logger } from 'pino';
import type { RedisClient } from './connect.js';
import type { RedisKeys } from './keys.js';
import { scripts } from './scripts.js';

export interface EventRelayOptions {
  /** This instance's id (the lease holder). */
  holder: string;
  /** The account streams' cap (XADD MAXLEN ~), as the scripts use on one server. */
  maxLen: number;
  logger?: Logger;
  /** Pause between passes when a pass found nothing to copy. Default 20 ms. */
  idleMs?: number;
  /** Shard entries per pass. Default 500. */
  batch?: number;
  leaseMs?: number;
}

type Entry = [string, string[]];

export class EventRelay {
  private stopped = true;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly idleMs: number;
  private readonly batch: number;
  private readonly leaseMs: number;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly options: EventRelayOptions,
  ) {
    this.idleMs = options.idleMs ?? 20;
    this.batch = options.batch ?? 500;
    this.leaseMs = options.leaseMs ?? 5000;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  /** No more passes; resolves when the pass in progress has ended. Leases lapse by themselves. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let copied = 0;
      try {
        for (const shard of this.keys.shardList) copied += await this.relayShard(shard);
      } catch (error) {
        if (this.stopped) break;
        this.options.logger?.warn({ err: error }, 'event relay pass failed; retrying');
        await this.pause(500);
        continue;
      }
      if (copied === 0) await this.pause(this.idleMs);
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  /**
   * One pass over one shard, when this instance holds (or takes) its lease: the oldest `batch` entries,
   * copied account by account in their order, then deleted. Returns the entries handled.
   */
  async relayShard(shard: number): Promise<number> {
    const held = await scripts.lease.run(
      this.redis,
      [this.keys.relayLease(shard)],
      ['acquire', this.options.holder, this.leaseMs],
    );
    if (Number(held) !== 1) return 0;
    const source = this.keys.shardEvents(shard);
    const entries = (await this.redis.xrange(source, '-', '+', 'COUNT', this.batch)) as Entry[];
    if (entries.length === 0) return 0;
    const byAccount = new Map<string, Entry[]>();
    for (const entry of entries) {
      const account = accountOf(entry[1]);
      let list = byAccount.get(account);
      if (!list) byAccount.set(account, (list = []));
      list.push(entry);
    }
    const field = `s${shard}`;
    await Promise.all(
      [...byAccount].map(([account, list]) => {
        const args: Array<string | number> = [field, this.options.maxLen];
        for (const [id, fields] of list) args.push(id, fields.length, ...fields);
        return scripts.eventRelay.run(
          this.redis,
          [this.keys.events(account), this.keys.relayCursor(account)],
          args,
        );
      }),
    );
    await this.redis.xdel(source, ...entries.map(([id]) => id));
    return entries.length;
  }
}

function accountOf(fields: readonly string[]): string {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'account') return fields[i + 1]!;
  return '';
}
