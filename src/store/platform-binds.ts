// The SMPP server's BindRegistry on Redis: an account's platform binds across every daemon instance, so
// `accounts[].smpp.maxBinds` is the total of all of them. Each bind is a lease (lua/platform-bind.lua, on
// the Redis clock) that this instance refreshes while its session lives; an instance that dies stops
// refreshing, and its binds lapse within one lease time.
import type { RedisClient } from './connect.js';
import type { BindRegistry } from '../smpp-server/ports.js';
import type { RedisKeys } from './keys.js';
import { replyArray, scripts } from './scripts.js';

export interface PlatformBindsOptions {
  /** Lease time to live. Default 15 s: a dead instance's binds are free again within it. */
  ttlMs?: number;
  /** How often this instance refreshes its leases. Default a third of the TTL. */
  refreshMs?: number;
  /** A lease found lapsed at refresh (Redis was away longer than the TTL) and not regained. */
  onLost?: (account: string, sessionId: string) => void;
}

export class RedisPlatformBinds implements BindRegistry {
  private readonly ttlMs: number;
  private readonly refreshMs: number;
  /** The binds this instance granted: account → session id → maxBinds (to take a lapsed one again). */
  private readonly held = new Map<string, Map<string, number>>();
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly options: PlatformBindsOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 15_000;
    this.refreshMs = options.refreshMs ?? Math.max(50, Math.floor(this.ttlMs / 3));
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.refreshing) return;
      this.refreshing = this.refresh()
        .catch(() => undefined)
        .finally(() => {
          this.refreshing = undefined;
        });
    }, this.refreshMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.refreshing;
  }

  async acquire(account: string, sessionId: string, maxBinds: number): Promise<boolean> {
    const reply = await scripts.platformBind.run(
      this.redis,
      [this.keys.platformBinds(account)],
      ['acquire', this.ttlMs, maxBinds, sessionId],
    );
    if (Number(reply) !== 1) return false;
    let sessions = this.held.get(account);
    if (!sessions) {
      sessions = new Map();
      this.held.set(account, sessions);
    }
    sessions.set(sessionId, maxBinds);
    return true;
  }

  async release(account: string, sessionId: string): Promise<void> {
    const sessions = this.held.get(account);
    sessions?.delete(sessionId);
    if (sessions?.size === 0) this.held.delete(account);
    await scripts.platformBind.run(
      this.redis,
      [this.keys.platformBinds(account)],
      ['release', this.ttlMs, 0, sessionId],
    );
  }

  /** Extend every lease this instance holds; one that lapsed meanwhile is taken again if there is room. */
  async refresh(): Promise<void> {
    for (const [account, sessions] of [...this.held]) {
      if (sessions.size === 0) continue;
      const lost = replyArray(
        await scripts.platformBind.run(
          this.redis,
          [this.keys.platformBinds(account)],
          ['refresh', this.ttlMs, 0, ...sessions.keys()],
        ),
      ).map(String);
      for (const sessionId of lost) {
        const maxBinds = sessions.get(sessionId);
        // Released while the refresh ran.
        if (maxBinds === undefined) continue;
        if (!(await this.acquire(account, sessionId, maxBinds))) this.options.onLost?.(account, sessionId);
      }
    }
  }

  /** Binds of the account on every instance now (tests, status). */
  async count(account: string): Promise<number> {
    const key = this.keys.platformBinds(account);
    const [seconds, micros] = await this.redis.time();
    return this.redis.zcount(key, `(${Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)}`, '+inf');
  }
}
