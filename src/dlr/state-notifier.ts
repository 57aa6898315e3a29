// Sends every state change of a message to its owner's webhook (the message's callbackUrl, else the
// account's webhook URL), at least once. It reads the event stream through its own consumer group, so
// several instances share the work and an event is acknowledged only once its delivery is queued.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { WebhookSender } from '../api/webhooks.js';
import type { AccountConfig } from '../config/index.js';
import type { RedisKeys } from '../queue/keys.js';

export const NOTIFIER_GROUP = 'notifier';

type StreamReply = Array<[string, Array<[string, string[]]>]> | null;

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
  private readonly reader: Redis;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly accounts: Map<string, AccountConfig>;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    accounts: readonly AccountConfig[],
    private readonly webhooks: WebhookSender,
    private readonly deps: { logger: Logger; consumer: string },
  ) {
    this.reader = redis.duplicate({ enableAutoPipelining: false });
    this.reader.on('error', () => undefined);
    this.accounts = new Map(accounts.map((a) => [a.id, a]));
  }

  async start(): Promise<void> {
    try {
      // "$": a new deployment notifies changes from now on, not the stream's whole past.
      await this.redis.xgroup('CREATE', this.keys.events(), NOTIFIER_GROUP, '$', 'MKSTREAM');
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes('BUSYGROUP')) throw error;
    }
    await this.reader.connect().catch((error: unknown) => {
      if (!(error instanceof Error) || !error.message.includes('already')) throw error;
    });
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop?.catch(() => undefined);
    this.reader.disconnect();
  }

  private async run(): Promise<void> {
    let pendingFirst = true;
    while (this.running) {
      try {
        // After a restart, our own unacknowledged events first ("0"), then new ones (">").
        const reply = (await this.reader.xreadgroup(
          'GROUP',
          NOTIFIER_GROUP,
          this.deps.consumer,
          'COUNT',
          100,
          'BLOCK',
          500,
          'STREAMS',
          this.keys.events(),
          pendingFirst ? '0' : '>',
        )) as StreamReply;
        const entries = reply?.[0]?.[1] ?? [];
        if (pendingFirst && entries.length === 0) pendingFirst = false;
        for (const [entryId, fields] of entries) await this.notify(entryId, fields);
        if (entries.length > 0) {
          await this.redis.xack(this.keys.events(), NOTIFIER_GROUP, ...entries.map(([entryId]) => entryId));
        }
      } catch (error) {
        if (!this.running) break;
        this.deps.logger.warn({ err: error }, 'state notifier: read failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  private async notify(entryId: string, fields: string[]): Promise<void> {
    const f = new Map<string, string>();
    for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
    // MO and other event types have their own forwarding.
    if (f.has('type') || !f.get('id') || !f.get('state')) return;
    const id = f.get('id')!;
    const account = this.accounts.get(f.get('account') ?? '');
    // The event says whether the message has its own callbackUrl: read the record only then.
    const callbackUrl =
      f.get('callback') === '1' ? await this.redis.hget(this.keys.message(id), 'callbackUrl') : null;
    const url = callbackUrl ?? account?.webhook?.url;
    if (!url) return;
    const event: StateEvent = {
      event: 'message.state',
      id,
      state: f.get('state')!,
      at: new Date(Number(f.get('at'))).toISOString(),
      account: f.get('account') ?? '',
    };
    if (f.get('clientRef')) event.clientRef = f.get('clientRef')!;
    if (f.get('campaignId')) event.campaignId = f.get('campaignId')!;
    if (f.get('errorCode')) event.error = { stage: f.get('errorStage') ?? '', code: f.get('errorCode')! };
    if (f.get('detail')) event.detail = f.get('detail')!;
    // The event id makes the delivery idempotent if this event is processed twice.
    await this.webhooks.enqueue(url, account?.webhook?.secret, event, { id: `state-${entryId}` });
  }
}
