// Bind-slot leases in Redis: an instance binds slot N of an operator only while it holds that slot's
// lease, so `binds: N` is the operator's total across all instances; a dead instance's lease expires.
// Instances also share the slots fairly: each registers itself, and holds at most ceil(binds / live
// instances) slots, giving extras back on renewal so a newly started instance gets its share.
import type { RedisClient } from './connect.js';
import type { BindLeaseProvider } from '../smpp/types.js';
import type { RedisKeys } from './keys.js';
import { scripts } from './scripts.js';

export interface BindLeaseOptions {
  /** Lease time to live; the bind manager renews well within it. Default 15 s. */
  ttlMs?: number;
  /** How often this instance says it is alive. Default 5 s; an instance silent 3× as long is dead. */
  heartbeatMs?: number;
}

export class RedisBindLeases implements BindLeaseProvider {
  private readonly ttlMs: number;
  private readonly heartbeatMs: number;
  private readonly held = new Map<string, Set<number>>();
  private timer: NodeJS.Timeout | undefined;
  /** Set when Redis is gone at shutdown: nothing more is asked of it; the leases expire by themselves. */
  private abandoned = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly holder: string,
    private readonly bindsByOperator: ReadonlyMap<string, number>,
    options: BindLeaseOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 15_000;
    this.heartbeatMs = options.heartbeatMs ?? 5_000;
  }

  async start(): Promise<void> {
    await this.heartbeat();
    this.timer = setInterval(() => void this.heartbeat().catch(() => undefined), this.heartbeatMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.abandoned) return;
    await this.redis.zrem(this.keys.instances(), this.holder).catch(() => undefined);
  }

  /**
   * Redis is unreachable and the daemon is stopping: no heartbeat, and release()/stop() no longer call
   * Redis (the leases and the registration expire by themselves within their TTL).
   */
  abandon(): void {
    this.abandoned = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async heartbeat(): Promise<void> {
    const now = Date.now();
    await this.redis
      .multi()
      .zadd(this.keys.instances(), now, this.holder)
      .zremrangebyscore(this.keys.instances(), '-inf', now - 3 * this.heartbeatMs)
      .exec();
  }

  private async fairShare(operatorId: string): Promise<number> {
    const binds = this.bindsByOperator.get(operatorId) ?? 1;
    const live = await this.redis.zcount(this.keys.instances(), Date.now() - 3 * this.heartbeatMs, '+inf');
    return Math.max(1, Math.ceil(binds / Math.max(1, live)));
  }

  private slots(operatorId: string): Set<number> {
    let set = this.held.get(operatorId);
    if (!set) {
      set = new Set();
      this.held.set(operatorId, set);
    }
    return set;
  }

  private async run(
    action: 'acquire' | 'renew' | 'release',
    operatorId: string,
    slot: number,
  ): Promise<boolean> {
    const reply = await scripts.lease.run(
      this.redis,
      [this.keys.bindLease(operatorId, slot)],
      [action, this.holder, this.ttlMs],
    );
    return Number(reply) === 1;
  }

  /**
   * After abandon(), no Redis call is made, and one already waiting when Redis was closed under it resolves
   * `whenAbandoned` instead of failing: the daemon is stopping, there is nothing to report.
   */
  private async guarded(whenAbandoned: boolean, call: () => Promise<boolean>): Promise<boolean> {
    if (this.abandoned) return whenAbandoned;
    try {
      return await call();
    } catch (error) {
      if (this.abandoned) return whenAbandoned;
      throw error;
    }
  }

  acquire(operatorId: string, slot: number): Promise<boolean> {
    return this.guarded(false, () => this.doAcquire(operatorId, slot));
  }

  /** Keeps the slot as far as we can tell when abandoned: the stop unbinds it anyway. */
  renew(operatorId: string, slot: number): Promise<boolean> {
    return this.guarded(true, () => this.doRenew(operatorId, slot));
  }

  private async doAcquire(operatorId: string, slot: number): Promise<boolean> {
    const mine = this.slots(operatorId);
    if (!mine.has(slot) && mine.size >= (await this.fairShare(operatorId))) return false;
    const ok = await this.run('acquire', operatorId, slot);
    if (ok) mine.add(slot);
    return ok;
  }

  private async doRenew(operatorId: string, slot: number): Promise<boolean> {
    const mine = this.slots(operatorId);
    // Over our share (another instance started): give back the highest slot first, one per renewal.
    if (mine.size > (await this.fairShare(operatorId)) && slot === Math.max(...mine)) {
      await this.release(operatorId, slot);
      return false;
    }
    const ok = await this.run('renew', operatorId, slot);
    if (!ok) mine.delete(slot);
    return ok;
  }

  async release(operatorId: string, slot: number): Promise<void> {
    this.slots(operatorId).delete(slot);
    await this.guarded(false, () => this.run('release', operatorId, slot));
  }
}
