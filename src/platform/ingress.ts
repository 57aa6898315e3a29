// The SMPP server's PlatformIngress on the gateway: a platform's submit_sm checked like an HTTP message
// (validateMessage: sender, number, text), limited by the account's own rate (the account bucket HTTP uses),
// and queued through MessageQueue.enqueueMany like every ingress. The submits of one turn of the event loop
// (a platform keeps up to maxOutstanding in flight) share one bucket call per account and one enqueue call.
// Answers come only once Redis has the message, so the platform's message id is durable.
import type { Logger } from 'pino';
import { ApiError, validateMessage } from '../api/index.js';
import { CodecError } from '../codec/index.js';
import type { AccountConfig, Config } from '../config/index.js';
import type { GatewayMetrics } from '../metrics/index.js';
import { QueueError, type MessageQueue, type OperatorSelector } from '../queue/index.js';
import type {
  AbandonedMessage,
  IngressRefusalCode,
  PlatformIngress,
  PlatformMessage,
  SubmitOutcome,
} from '../smpp-server/index.js';
import { Batcher, type GatewayStore, type NewMessage, type NewRecord } from '../store/index.js';
import { RedisTokenBucket } from '../throttle/index.js';

export interface PlatformIngressDeps {
  config: Config;
  store: GatewayStore;
  queue: Pick<MessageQueue, 'enqueueMany'>;
  selectOperator: OperatorSelector;
  metrics?: GatewayMetrics;
  logger: Logger;
}

interface Pending {
  account: AccountConfig;
  message: NewMessage;
  now: number;
}

function refused(code: string, message?: string): SubmitOutcome {
  // A code the server's status table does not know is answered ESME_RSUBMITFAIL (status-map.ts).
  return { ok: false, code: code as IngressRefusalCode, ...(message !== undefined ? { message } : {}) };
}

export class PlatformIngressAdapter implements PlatformIngress {
  private readonly accounts: Map<string, AccountConfig>;
  private readonly buckets = new Map<string, RedisTokenBucket>();
  private readonly batcher: Batcher<Pending, SubmitOutcome>;
  private accepting = true;

  constructor(private readonly deps: PlatformIngressDeps) {
    this.accounts = new Map(deps.config.accounts.map((a) => [a.id, a]));
    for (const account of deps.config.accounts) {
      const tps = account.tps;
      // The account's own limit, shared with HTTP and every instance, with a one-second burst.
      if (tps !== undefined) {
        this.buckets.set(
          account.id,
          new RedisTokenBucket(deps.store.accountBucket(account.id), { current: () => tps }, (r) =>
            Math.ceil(r),
          ),
        );
      }
    }
    this.batcher = new Batcher((items) => this.flush(items));
  }

  /** Drain: refuse new messages (ESME_RSYSERR) while what was accepted goes on. */
  stopAccepting(): void {
    this.accepting = false;
  }

  async submit(accountId: string, platform: PlatformMessage): Promise<SubmitOutcome> {
    const account = this.accounts.get(accountId);
    if (!account) return this.refuse('smpp', 'SENDER_NOT_ALLOWED', `unknown account ${accountId}`);
    if (!this.accepting) return this.refuse('smpp', 'DRAINING', 'the gateway is shutting down');
    const now = Date.now();
    let message: NewMessage;
    try {
      message = this.toNewMessage(account, platform, now);
    } catch (error) {
      if (error instanceof ApiError) return this.refuse('smpp', error.code, error.message);
      throw error;
    }
    if (!this.deps.store.available) {
      return this.refuse('smpp', 'UNAVAILABLE', 'the message store is unreachable');
    }
    return this.batcher.add({ account, message, now });
  }

  /** The platform's message as HTTP would have it: the same checks, the same errors, each naming its field. */
  private toNewMessage(account: AccountConfig, platform: PlatformMessage, now: number): NewMessage {
    const operatorId = this.deps.selectOperator(platform.to, platform.from);
    const operator = this.deps.config.operators.find((o) => o.id === operatorId);
    const message = validateMessage(
      {
        to: platform.to,
        from: platform.from,
        text: platform.text,
        class: platform.class,
        ...(platform.sendAt !== undefined ? { sendAt: new Date(platform.sendAt).toISOString() } : {}),
      },
      account,
      {
        now,
        // The platform's own validity_period wins over the operator's default.
        defaultValidityMinutes: platform.validUntil === undefined ? operator?.validityMinutes : undefined,
      },
    );
    if (platform.validUntil !== undefined) message.validUntil = platform.validUntil;
    if (platform.id !== undefined) message.id = platform.id;
    message.registeredDelivery = platform.registeredDelivery;
    return message;
  }

  private refuse(ingress: 'smpp', code: string, message?: string): SubmitOutcome {
    this.deps.metrics?.ingressRejected.inc({ ingress, code });
    return refused(code, message);
  }

  private async flush(items: Pending[]): Promise<SubmitOutcome[]> {
    const outcomes = new Array<SubmitOutcome | undefined>(items.length);
    // One bucket call per account for the whole batch; past the limit, the later ones are refused.
    const byAccount = new Map<string, number[]>();
    items.forEach((item, i) => {
      const list = byAccount.get(item.account.id) ?? [];
      list.push(i);
      byAccount.set(item.account.id, list);
    });
    try {
      await Promise.all(
        [...byAccount].map(async ([accountId, indexes]) => {
          const bucket = this.buckets.get(accountId);
          if (!bucket) return;
          const { granted } = await bucket.tryTake(indexes.length, 'partial');
          for (const i of indexes.slice(granted)) {
            const tps = items[i]!.account.tps ?? 0;
            outcomes[i] = this.refuse(
              'smpp',
              'RATE_LIMITED',
              `account ${accountId} is limited to ${tps} messages per second`,
            );
          }
        }),
      );
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'account rate limit unavailable: submits refused');
      return items.map(() => this.refuse('smpp', 'UNAVAILABLE', 'the message store is unreachable'));
    }
    const go = items.map((_, i) => i).filter((i) => outcomes[i] === undefined);
    if (go.length > 0) {
      let results;
      try {
        results = await this.deps.queue.enqueueMany(
          go.map((i) => items[i]!.message),
          Math.max(...go.map((i) => items[i]!.now)),
        );
      } catch (error) {
        // Redis went away during the write: nothing of this batch is known to be durable.
        this.deps.logger.warn({ err: error }, 'enqueue failed: submits refused');
        for (const i of go)
          outcomes[i] = this.refuse('smpp', 'UNAVAILABLE', 'the message store is unreachable');
        return outcomes as SubmitOutcome[];
      }
      go.forEach((index, j) => {
        const result = results[j]!;
        if (result.ok) {
          this.deps.metrics?.enqueued.inc({ ingress: 'smpp', class: items[index]!.message.class });
          outcomes[index] = { ok: true, id: result.result.id };
          return;
        }
        const error = result.error;
        if (error instanceof QueueError) {
          outcomes[index] = this.refuse(
            'smpp',
            error.code === 'REDIS_UNAVAILABLE' ? 'UNAVAILABLE' : error.code,
            error.message,
          );
        } else if (error instanceof CodecError) {
          outcomes[index] = this.refuse('smpp', error.code, error.message);
        } else {
          this.deps.logger.warn({ err: error }, 'submit failed');
          outcomes[index] = this.refuse('smpp', 'UNAVAILABLE', 'the message could not be stored');
        }
      });
    }
    return outcomes as SubmitOutcome[];
  }

  /**
   * A pre-split message whose parts were acknowledged with `id` but that will never be sent: recorded as final
   * `error` at stage policy, so its receipt (REJECTD) reaches the platform. A message already written under
   * that id (the whole was queued, then this instance died before the gatherer forgot the parts) stays as it is.
   */
  async abandon(accountId: string, id: string, abandoned: AbandonedMessage): Promise<void> {
    const account = this.accounts.get(accountId);
    const messageClass = account?.smpp?.class ?? 'transactional';
    const detail =
      abandoned.code === 'PARTS_MISSING'
        ? `${abandoned.received} of ${abandoned.total} parts arrived in time`
        : `every part arrived (${abandoned.total}) but the message was never accepted`;
    const record: NewRecord = {
      context: {
        id,
        account: accountId,
        hasCallback: false,
        segments: 0,
        to: abandoned.to,
        class: messageClass,
      },
      meta: {
        from: abandoned.from,
        operator: this.deps.selectOperator(abandoned.to, abandoned.from) ?? '',
        encoding: '',
        dataCoding: 0,
        segs: [],
        registeredDelivery: abandoned.registeredDelivery,
        textStart: '',
      },
      lane: messageClass,
      state: 'error',
      error: { code: abandoned.code, message: detail },
      preallocated: true,
    };
    await this.deps.store.messages.write([record]);
  }
}
