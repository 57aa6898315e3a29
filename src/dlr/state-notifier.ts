// Sends every state change of a message to its owner's webhook (the message's callbackUrl, else the
// account's webhook URL), at least once. It reads the store's notification stream (the state changes of
// the messages someone is to be told of, written by the same scripts as the accounts' events) through its
// own consumer group, so several instances share the work and an entry leaves only once its delivery is queued.
import type { Logger } from 'pino';
import type { WebhookSender } from '../api/webhooks.js';
import type { AccountConfig } from '../config/index.js';
import { StreamConsumer, type MessageStore, type StreamEntry } from '../store/index.js';

export const NOTIFIER_GROUP = 'notifier';

export interface StateEvent {
  event: 'message.state';
  id: string;
  state: string;
  at: string;
  account: string;
  clientRef?: string;
  campaignId?: string;
  error?: { stage: string; code: string };
  detail?: string;
}

export class StateNotifier {
  private readonly consumer: StreamConsumer;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly accounts: Map<string, AccountConfig>;
  private readonly streams: string[];

  constructor(
    private readonly store: MessageStore,
    accounts: readonly AccountConfig[],
    private readonly webhooks: WebhookSender,
    private readonly deps: {
      logger: Logger;
      consumer: string;
      /**
       * Events another consumer (a dead instance) has left pending this long are taken over. Default 30 s;
       * the daemon passes queue.leaseMs.
       */
      reclaimIdleMs?: number;
    },
  ) {
    this.consumer = new StreamConsumer(store.redis, NOTIFIER_GROUP, deps.consumer);
    this.accounts = new Map(accounts.map((a) => [a.id, a]));
    this.streams = store.keys.shardList.map((shard) => store.keys.notifications(shard));
  }

  async start(): Promise<void> {
    // From "0": the stream holds only work to do (entries leave once their delivery is queued).
    await this.consumer.ensureGroup(this.streams, '0');
    await this.consumer.connect();
    this.running = true;
    this.loop = this.run();
  }

  /** No new read; the read in progress (a blocking read ends within 500 ms) is notified and acknowledged. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop?.catch(() => undefined);
    this.consumer.disconnect();
  }

  /** Redis is gone: close the reading connection at once, ending a read that would never return. */
  abandon(): void {
    this.running = false;
    this.consumer.disconnect();
  }

  /** Events a dead instance's notifier had read but not acknowledged: ours now. */
  private async reclaim(): Promise<StreamEntry[]> {
    const idleMs = this.deps.reclaimIdleMs ?? 30_000;
    for (const stream of this.streams) {
      const entries = await this.consumer.reclaim(stream, idleMs, 100);
      if (entries.length > 0) return entries;
    }
    return [];
  }

  private async run(): Promise<void> {
    let pendingFirst = true;
    let lastReclaim = 0;
    while (this.running) {
      try {
        // After a restart, our own unacknowledged events first; now and then, those a dead instance left
        // pending; then new ones.
        let entries: StreamEntry[] = [];
        if (pendingFirst) {
          entries = await this.consumer.readOwnPending(this.streams, 100);
          if (entries.length === 0) pendingFirst = false;
        } else {
          const reclaimEveryMs = Math.min(this.deps.reclaimIdleMs ?? 30_000, 5000);
          if (Date.now() - lastReclaim >= reclaimEveryMs) {
            lastReclaim = Date.now();
            entries = await this.reclaim();
          }
          if (entries.length === 0) entries = await this.consumer.readAll(this.streams, 100, 500);
        }
        for (const entry of entries) await this.notify(entry);
        const byStream = new Map<string, string[]>();
        for (const e of entries) byStream.set(e.stream, [...(byStream.get(e.stream) ?? []), e.id]);
        for (const [stream, ids] of byStream) await this.consumer.ack(stream, ids, true);
      } catch (error) {
        if (!this.running) break;
        this.deps.logger.warn({ err: error }, 'state notifier: read failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  private async notify(entry: StreamEntry): Promise<void> {
    const f = entry.fields;
    // MO and other event types have their own forwarding.
    if (f.type || !f.id || !f.state) return;
    const account = this.accounts.get(f.account ?? '');
    // The event says whether the message has its own callbackUrl: read the record only then.
    const callbackUrl = f.callback === '1' ? (await this.store.record(f.id))?.meta.callbackUrl : undefined;
    const url = callbackUrl ?? account?.webhook?.url;
    if (!url) return;
    const event: StateEvent = {
      event: 'message.state',
      id: f.id,
      state: f.state,
      at: new Date(Number(f.at)).toISOString(),
      account: f.account ?? '',
    };
    if (f.clientRef) event.clientRef = f.clientRef;
    if (f.campaignId) event.campaignId = f.campaignId;
    if (f.errorCode) event.error = { stage: f.errorStage ?? '', code: f.errorCode };
    if (f.detail) event.detail = f.detail;
    // The event id makes the delivery idempotent if this event is processed twice.
    await this.webhooks.enqueue(url, account?.webhook?.secret, event, {
      id: `state-${event.account}-${entry.id}`,
    });
  }
}
