// The SMPP server's PlatformOutbox on Redis: receipts and MO due to an account's platforms, waiting until one
// binds, shared by every instance. Per account (one hash tag): the items, the set of those due (by the time
// they may go, then by sequence, so they go out in the order they were added), the set of those handed to an
// instance (leased: if it dies, they go back in their place), a sequence counter, and the recent origins
// against doubles. Bounded: past `maxItems` the oldest are dropped; an item older than `maxAgeMs` is dropped
// when met. Both are counted through `onDropped`. Scripts: lua/platform-outbox-*.lua.
import type { RedisClient } from './connect.js';
import type { OutboundItem, PlatformOutbox } from '../smpp-server/ports.js';
import type { RedisKeys } from './keys.js';
import { replyArray, scripts } from './scripts.js';

type Distribute<T> = T extends unknown ? Omit<T, 'itemId' | 'attempts'> : never;
/** An item as it is added: the outbox gives it its id and counts its attempts. */
export type NewOutboxItem = Distribute<OutboundItem>;

export interface OutboxEntry {
  /** Where the item comes from (`r:<message id>:<state>`, `mo:<MO id>`): the same origin twice is one item. */
  origin: string;
  item: NewOutboxItem;
}

export type OutboxDropReason = 'overflow' | 'expired';

export interface PlatformOutboxOptions {
  /** Items kept per account; past it the oldest waiting ones are dropped. */
  maxItems: number;
  /** An item not delivered this long after it was added is dropped. */
  maxAgeMs: number;
  /** How long an item handed out by next() stays with its caller before another instance may take it. */
  leaseMs: number;
  /**
   * How long an origin is remembered against doubles. Default 10 minutes: far longer than an event stays
   * pending before another instance takes it over (30 s), short enough that the set stays small at volume.
   */
  seenWindowMs?: number;
  onDropped?: (account: string, reason: OutboxDropReason, count: number) => void;
  now?: () => number;
}

export interface OutboxAddResult {
  added: number;
  /** Origins already given within the seen window: not added again. */
  doubles: number;
  /** Oldest items dropped to stay within maxItems. */
  dropped: number;
}

/** `<account>:<seq>`: account ids never hold a ":" (config slug). */
function itemIdOf(account: string, seq: string): string {
  return `${account}:${seq}`;
}

function parseItemId(itemId: string): { account: string; seq: string } {
  const i = itemId.lastIndexOf(':');
  return { account: itemId.slice(0, i), seq: itemId.slice(i + 1) };
}

export class RedisPlatformOutbox implements PlatformOutbox {
  private readonly now: () => number;
  private readonly seenWindowMs: number;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly options: PlatformOutboxOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.seenWindowMs = options.seenWindowMs ?? 600_000;
  }

  private keysOf(account: string): [string, string, string] {
    return [
      this.keys.platformOutboxItems(account),
      this.keys.platformOutboxDue(account),
      this.keys.platformOutboxLeased(account),
    ];
  }

  /** Add items for the account, in order, in one call. */
  async add(account: string, entries: readonly OutboxEntry[]): Promise<OutboxAddResult> {
    if (entries.length === 0) return { added: 0, doubles: 0, dropped: 0 };
    const args: Array<string | number> = [
      this.now(),
      this.options.maxItems,
      this.options.maxAgeMs,
      this.seenWindowMs,
    ];
    for (const e of entries) args.push(e.origin, JSON.stringify(e.item));
    const reply = replyArray(
      await scripts.platformOutboxAdd.run(
        this.redis,
        [
          ...this.keysOf(account),
          this.keys.platformOutboxSeq(account),
          this.keys.platformOutboxSeen(account),
        ],
        args,
      ),
    ).map(Number);
    const result = { added: reply[0] ?? 0, doubles: reply[1] ?? 0, dropped: reply[2] ?? 0 };
    if (result.dropped > 0) this.options.onDropped?.(account, 'overflow', result.dropped);
    return result;
  }

  async next(account: string, max: number): Promise<OutboundItem[]> {
    const reply = replyArray(
      await scripts.platformOutboxNext.run(this.redis, this.keysOf(account), [
        this.now(),
        max,
        this.options.leaseMs,
        this.options.maxAgeMs,
      ]),
    );
    const expired = Number(reply[0] ?? 0);
    if (expired > 0) this.options.onDropped?.(account, 'expired', expired);
    const items: OutboundItem[] = [];
    for (let i = 1; i + 2 < reply.length; i += 3) {
      const seq = String(reply[i]);
      const item = JSON.parse(String(reply[i + 2])) as NewOutboxItem;
      items.push({ ...item, itemId: itemIdOf(account, seq), attempts: Number(reply[i + 1]) } as OutboundItem);
    }
    return items;
  }

  private async settle(itemId: string, action: 'done' | 'drop' | 'retry', delayMs = 0): Promise<boolean> {
    const { account, seq } = parseItemId(itemId);
    const reply = await scripts.platformOutboxSettle.run(this.redis, this.keysOf(account), [
      action,
      seq,
      this.now(),
      delayMs,
    ]);
    return Number(reply) === 1;
  }

  async done(itemId: string): Promise<void> {
    await this.settle(itemId, 'done');
  }

  async retry(itemId: string, delayMs: number): Promise<void> {
    await this.settle(itemId, 'retry', delayMs);
  }

  async drop(itemId: string, _reason: string): Promise<void> {
    // The server reports this drop itself (onOutboxDropped), with its reason.
    await this.settle(itemId, 'drop');
  }

  /** Items waiting for the account's platforms (due, later, or handed out), for the depth metric. */
  async depth(account: string): Promise<number> {
    const [, due, leased] = this.keysOf(account);
    const [a, b] = await Promise.all([this.redis.zcard(due), this.redis.zcard(leased)]);
    return a + b;
  }
}
