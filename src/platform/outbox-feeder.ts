// Fills the platforms' outbox from the accounts' event streams (`<prefix>:events:<account>`, consumer group
// `platform-outbox`): a final state of a message submitted over SMPP becomes a receipt item when its
// registered_delivery asked for it, and an MO for one of the account's short codes (`type=mo`) an MO item.
// Why the stream and not the store's final-state hook: the hook runs in this process after the Redis write,
// so a crash between the two would lose the receipt; an event is in Redis in the same script as the state
// change, and is acknowledged here only once its item is in the outbox, so a crash re-reads it (the outbox
// knows the item's origin and does not add it twice). Several instances share the streams through the group;
// entries a dead instance left pending are taken over after `reclaimIdleMs`.
import type { Logger } from 'pino';
import type { AccountConfig } from '../config/index.js';
import type { GatewayMetrics } from '../metrics/index.js';
import {
  platformStatusOf,
  StreamConsumer,
  type GatewayStore,
  type OutboxEntry,
  type RedisPlatformOutbox,
  type StreamEntry,
} from '../store/index.js';
import { finalStatusOfEvent, receiptWanted } from './receipts.js';

export const PLATFORM_OUTBOX_GROUP = 'platform-outbox';

export interface OutboxFeederOptions {
  store: GatewayStore;
  outbox: RedisPlatformOutbox;
  /** Accounts whose platforms bind over SMPP (`accounts[].smpp`). */
  accounts: readonly AccountConfig[];
  /** New items for the account: the SMPP server delivers them now rather than at its next poll. */
  wake: (account: string) => void;
  logger: Logger;
  metrics?: GatewayMetrics;
  /** Consumer name in the group, unique per instance. */
  consumer: string;
  blockMs?: number;
  /** Entries another consumer left pending this long are taken over (its instance died). Default 30 s. */
  reclaimIdleMs?: number;
  /** How often the outbox depth per account is sampled for the metric. Default 5 s. */
  depthEveryMs?: number;
}

export class PlatformOutboxFeeder {
  private readonly consumer: StreamConsumer;
  private readonly streams: string[];
  private readonly accountOfStream = new Map<string, string>();
  private running = false;
  private loop: Promise<void> | undefined;
  private lastReclaim = 0;
  private lastDepth = 0;
  private readonly log: Logger;

  constructor(private readonly options: OutboxFeederOptions) {
    this.consumer = new StreamConsumer(options.store.redis, PLATFORM_OUTBOX_GROUP, options.consumer);
    this.streams = options.accounts.map((a) => {
      const stream = options.store.keys.events(a.id);
      this.accountOfStream.set(stream, a.id);
      return stream;
    });
    this.log = options.logger.child({ component: 'platform-outbox' });
  }

  async start(): Promise<void> {
    if (this.streams.length === 0) return;
    // "$": a new deployment sends receipts for what happens from now on, not for the streams' whole past.
    await this.consumer.ensureGroup(this.streams, '$');
    await this.consumer.connect();
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop?.catch(() => undefined);
    this.consumer.disconnect();
  }

  private async run(): Promise<void> {
    let pendingFirst = true;
    const reclaimIdleMs = this.options.reclaimIdleMs ?? 30_000;
    while (this.running) {
      try {
        // After a restart, or a failed round, our own entries not yet acknowledged come first.
        let entries = pendingFirst
          ? await this.consumer.readOwnPending(this.streams, 100)
          : await this.consumer.readAll(this.streams, 100, this.options.blockMs ?? 500);
        if (pendingFirst && entries.length === 0) pendingFirst = false;
        const now = Date.now();
        if (now - this.lastReclaim >= Math.min(reclaimIdleMs, 10_000)) {
          this.lastReclaim = now;
          for (const stream of this.streams) {
            entries = entries.concat(await this.consumer.reclaim(stream, reclaimIdleMs, 100));
          }
        }
        if (entries.length > 0) await this.feed(entries);
        if (now - this.lastDepth >= (this.options.depthEveryMs ?? 5_000)) {
          this.lastDepth = now;
          await this.sampleDepth();
        }
      } catch (error) {
        if (!this.running) break;
        pendingFirst = true;
        this.log.warn({ err: error }, 'platform outbox: reading the event streams failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  /** Turn a batch of events into outbox items, add them per account, then acknowledge the events. */
  async feed(entries: readonly StreamEntry[]): Promise<void> {
    const byStream = new Map<string, StreamEntry[]>();
    for (const e of entries) {
      const list = byStream.get(e.stream) ?? [];
      list.push(e);
      byStream.set(e.stream, list);
    }
    for (const [stream, list] of byStream) {
      const account = this.accountOfStream.get(stream);
      if (account === undefined) continue;
      const items = await this.itemsOf(list);
      if (items.length > 0) {
        const { added } = await this.options.outbox.add(account, items);
        if (added > 0) this.options.wake(account);
      }
      await this.consumer.ack(
        stream,
        list.map((e) => e.id),
        false,
      );
    }
  }

  private async itemsOf(entries: readonly StreamEntry[]): Promise<OutboxEntry[]> {
    const slots: Array<OutboxEntry | Promise<OutboxEntry | undefined> | undefined> = entries.map((entry) => {
      const f = entry.fields;
      if (f.type === 'mo') {
        if (!f.from || !f.to) return undefined;
        return {
          origin: `mo:${f.id ?? entry.id}`,
          item: { kind: 'mo', from: f.from, to: f.to, text: f.text ?? '' },
        };
      }
      if (f.type || !f.id) return undefined;
      const status = finalStatusOfEvent(f);
      if (!status) return undefined;
      return this.receiptOf(f.id, status);
    });
    const resolved = await Promise.all(slots);
    return resolved.filter((e): e is OutboxEntry => e !== undefined);
  }

  /** A receipt for a final state, when the message came over SMPP and its registered_delivery asks for it. */
  private async receiptOf(
    id: string,
    status: NonNullable<ReturnType<typeof finalStatusOfEvent>>,
  ): Promise<OutboxEntry | undefined> {
    const record = await this.options.store.messages.record(id);
    // Messages from HTTP or the Redis ingress have no registered_delivery; a record past its retention is gone.
    const registeredDelivery = record?.meta.registeredDelivery;
    if (!record || registeredDelivery === undefined) return undefined;
    const networkError = platformStatusOf(record).networkError;
    if (networkError !== undefined) status.networkError = networkError;
    if (!receiptWanted(registeredDelivery, status)) return undefined;
    const submitAt = record.history[0]?.at ?? status.at ?? Date.now();
    return {
      origin: `r:${id}:${status.state}`,
      item: {
        kind: 'receipt',
        messageId: id,
        to: record.context.to,
        from: record.meta.from,
        status,
        submitAt,
        doneAt: status.at ?? submitAt,
        textStart: record.meta.textStart ?? '',
      },
    };
  }

  private async sampleDepth(): Promise<void> {
    const gauge = this.options.metrics?.platformOutboxDepth;
    if (!gauge) return;
    for (const account of this.options.accounts) {
      gauge.set({ account: account.id }, await this.options.outbox.depth(account.id));
    }
  }
}
