// On a Redis Cluster the message scripts leave on their shard (one slot with the message) what belongs to
// an account's keys on other slots: each state change's event, on the shard's own event stream, and the
// credit they give back, on the shard's refund ledger. The relay moves both, exactly once: events to the
// accounts' streams that SPEC §4 names (event-relay.lua keeps a cursor per shard beside each account
// stream), refunds to the balances (MessageStore.applyRefunds); and ends the credit holds a crash left.
// One instance relays a shard at a time (a lease); any instance takes over a lapsed one.
import type { Logger } from 'pino';
import type { RedisClient } from './connect.js';
import { groupBy } from './group.js';
import type { RedisKeys } from './keys.js';
import type { MessageStore } from './message-store.js';
import { scripts } from './scripts.js';

/** How often the credit holds a crash left are looked for. */
const HOLD_SWEEP_MS = 5000;
/** How often the refunds a failed call left are looked for (the calls apply their own at once). */
const REFUND_SWEEP_MS = 1000;
/** The pause between passes grows from idleMs while nothing comes, up to this. */
const IDLE_MAX_MS = 100;

export interface ClusterRelayOptions {
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

export class ClusterRelay {
  private stopped = true;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly idleMs: number;
  private readonly batch: number;
  private readonly leaseMs: number;
  private lastSweep = 0;
  private lastRefundSweep = 0;
  /** Per shard, until when this instance holds its lease (renewed at a third of its time, not every pass). */
  private readonly heldUntil = new Map<number, number>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly messages: MessageStore,
    private readonly options: ClusterRelayOptions,
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

  /**
   * After the loop stopped, at shutdown: relay what the drain's last state changes left on the shards, so
   * the accounts' streams are whole when the daemon is gone (up to 10 passes; the rest waits for another
   * instance or the next start).
   */
  async flush(): Promise<void> {
    for (let pass = 0; pass < 10; pass++) {
      let copied = 0;
      for (const shard of this.keys.shardList) copied += await this.relayShard(shard);
      if (copied === 0) return;
    }
  }

  private async run(): Promise<void> {
    let idle = this.idleMs;
    while (!this.stopped) {
      let copied = 0;
      try {
        const refunds = Date.now() - this.lastRefundSweep >= REFUND_SWEEP_MS;
        if (refunds) this.lastRefundSweep = Date.now();
        for (const shard of this.keys.shardList) copied += await this.relayShard(shard, refunds);
        if (Date.now() - this.lastSweep >= HOLD_SWEEP_MS) {
          this.lastSweep = Date.now();
          await this.messages.sweepCreditHolds();
        }
      } catch (error) {
        if (this.stopped) break;
        this.options.logger?.warn({ err: error }, 'event relay pass failed; retrying');
        await this.pause(500);
        continue;
      }
      // Events follow their messages within idleMs under load; a quiet relay slows down to IDLE_MAX_MS.
      idle = copied > 0 ? this.idleMs : Math.min(IDLE_MAX_MS, idle * 2);
      if (copied === 0) await this.pause(idle);
    }
  }

  /** Take or keep shard's lease; asks Redis only when a third of the lease time has passed. */
  private async holdLease(shard: number): Promise<boolean> {
    const now = Date.now();
    if ((this.heldUntil.get(shard) ?? 0) - now > (2 * this.leaseMs) / 3) return true;
    const held = await scripts.lease.run(
      this.redis,
      [this.keys.relayLease(shard)],
      ['acquire', this.options.holder, this.leaseMs],
    );
    if (Number(held) !== 1) {
      this.heldUntil.delete(shard);
      return false;
    }
    this.heldUntil.set(shard, now + this.leaseMs);
    return true;
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
   * One pass over one shard, when this instance holds (or takes) its lease: its refunds applied (when
   * `refunds`), then the
   * oldest `batch` events copied account by account in their order, then deleted. Returns the events handled.
   */
  async relayShard(shard: number, refunds = true): Promise<number> {
    if (!(await this.holdLease(shard))) return 0;
    // Refunds left by a call that failed before it could apply them (the calls apply their own at once).
    if (refunds) await this.messages.applyRefunds(shard);
    const source = this.keys.shardEvents(shard);
    const entries = (await this.redis.xrange(source, '-', '+', 'COUNT', this.batch)) as Entry[];
    if (entries.length === 0) return 0;
    const byAccount = groupBy(entries, (entry) => accountOf(entry[1]));
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
