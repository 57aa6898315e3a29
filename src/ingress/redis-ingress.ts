// The Redis ingress of aggregators (SPEC §4, docs/redis-ingress.md): an account's messages XADDed to
// `<prefix>:ingress:<account>`, read through one consumer group shared by every instance, checked like HTTP
// (validateMessage), queued in batches through MessageQueue.enqueueMany like every ingress, and each entry
// given its outcome on the account's event stream. The account's rate limit applies by reading no faster
// than it allows: the stream is the buffer, nothing is refused for speed. An entry is acknowledged (and
// deleted) only once its message is durable or it is dead-lettered, so a crash re-reads it; the clientRef
// (derived from the entry id when the entry has none) makes the re-read a duplicate, not a second message.
import type { Logger } from 'pino';
import { ApiError, validateMessage } from '../api/index.js';
import { CodecError } from '../codec/index.js';
import type { AccountConfig, Config } from '../config/index.js';
import type { GatewayMetrics } from '../metrics/index.js';
import { QueueError, type MessageQueue, type OperatorSelector } from '../queue/index.js';
import type {
  GatewayStore,
  IngressDuplicate,
  IngressRefusal,
  NewMessage,
  StreamConsumer,
  StreamEntry,
} from '../store/index.js';
import { RedisTokenBucket } from '../throttle/index.js';

/** The clientRef given to an entry that names none: unique per entry, so a re-read is a duplicate. */
export const DERIVED_CLIENT_REF_PREFIX = 'ingress:';

export interface RedisIngressOptions {
  /** Entries read at most per batch (and per account bucket call); smaller when the account's tps is. */
  batchSize?: number;
  /** How long a read waits for new entries. */
  blockMs?: number;
  /** A consumer's entries idle this long are taken over by another instance (the worker's `queue.leaseMs`). */
  reclaimIdleMs?: number;
  /** Pause after a failure (Redis away) or a full queue, before the entries are read again. */
  retryMs?: number;
  /** How often the lag and pending gauges are read. */
  backlogIntervalMs?: number;
}

export interface RedisIngressDeps {
  config: Config;
  store: GatewayStore;
  queue: Pick<MessageQueue, 'enqueueMany'>;
  selectOperator: OperatorSelector;
  metrics?: GatewayMetrics;
  logger: Logger;
  /** This instance's name in the consumer groups. */
  consumer: string;
  options?: RedisIngressOptions;
}

/** The entry's flat strings as the HTTP body would have them (validityMinutes is a number there). */
export function entryToInput(fields: Record<string, string>): Record<string, unknown> {
  const input: Record<string, unknown> = { ...fields };
  const v = fields.validityMinutes;
  if (v !== undefined && /^-?\d+$/.test(v.trim())) input.validityMinutes = Number(v);
  return input;
}

/** A refusal's code and message, for the typed errors of validation and enqueue; undefined for anything else. */
function refusalOf(error: unknown): { code: string; message: string; retry: boolean } | undefined {
  if (error instanceof ApiError) return { code: error.code, message: error.message, retry: false };
  if (error instanceof QueueError)
    return { code: error.code, message: error.message, retry: error.retryable };
  if (error instanceof CodecError)
    return { code: error.code, message: `text: ${error.message}`, retry: false };
  return undefined;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class AccountIngress {
  private readonly consumer: StreamConsumer;
  private readonly stream: string;
  private readonly bucket: RedisTokenBucket | undefined;
  private readonly batchSize: number;
  private running = false;
  private loop: Promise<void> | undefined;
  private held: string[] = [];
  private leaseTimer: NodeJS.Timeout | undefined;
  private failing = false;

  constructor(
    private readonly account: AccountConfig,
    private readonly deps: RedisIngressDeps,
    private readonly opts: Required<RedisIngressOptions>,
  ) {
    this.consumer = deps.store.ingress.consumer(deps.consumer);
    this.stream = deps.store.ingress.stream(account.id);
    const tps = account.tps;
    // The account bucket HTTP and the SMPP server take from, with the same one-second burst.
    this.bucket =
      tps === undefined
        ? undefined
        : new RedisTokenBucket(deps.store.accountBucket(account.id), { current: () => tps }, (r) =>
            Math.ceil(r),
          );
    // Never read more than a second's worth: what is read waits for its tokens while pending here.
    this.batchSize = Math.max(1, Math.min(opts.batchSize, tps === undefined ? Infinity : Math.ceil(tps)));
  }

  async start(): Promise<void> {
    await this.consumer.ensureGroup([this.stream], '0');
    await this.consumer.connect();
    this.running = true;
    // What this instance holds stays its own while it works (waiting for tokens, enqueuing).
    this.leaseTimer = setInterval(
      () => void this.renew(),
      Math.max(100, Math.floor(this.opts.reclaimIdleMs / 3)),
    );
    this.loop = this.run();
  }

  /** Redis is gone at shutdown: nothing to finish; close the reader now (entries stay pending in Redis). */
  abandon(): void {
    this.running = false;
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    this.consumer.disconnect();
  }

  /** Stop reading; the batch in hand is finished. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop?.catch(() => undefined);
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    this.consumer.disconnect();
  }

  private async renew(): Promise<void> {
    if (this.held.length === 0) return;
    try {
      await this.consumer.renew(this.stream, this.held);
    } catch {
      // Redis away: the loop reports it.
    }
  }

  private async run(): Promise<void> {
    let pendingFirst = true;
    let lastReclaim = 0;
    const log = this.deps.logger;
    while (this.running) {
      try {
        if (!this.deps.store.available) {
          await sleep(this.opts.retryMs);
          continue;
        }
        let entries: StreamEntry[] = [];
        if (pendingFirst) {
          // After a restart or a failure, our own entries read and not yet settled first.
          entries = await this.consumer.readOwnPending([this.stream], this.batchSize);
          if (entries.length === 0) pendingFirst = false;
        }
        if (entries.length === 0 && Date.now() - lastReclaim >= Math.min(this.opts.reclaimIdleMs, 5000)) {
          lastReclaim = Date.now();
          entries = await this.consumer.reclaim(this.stream, this.opts.reclaimIdleMs, this.batchSize);
          if (entries.length > 0) {
            log.info(
              { account: this.account.id, count: entries.length },
              'ingress: took over pending entries',
            );
          }
        }
        if (entries.length === 0) {
          entries = await this.consumer.readAll([this.stream], this.batchSize, this.opts.blockMs);
        }
        if (this.failing) {
          this.failing = false;
          log.info({ account: this.account.id }, 'ingress: reading again');
        }
        if (entries.length === 0) continue;
        this.held = entries.map((e) => e.id);
        // The account's rate: wait for the batch's tokens before it is processed (never refused for speed).
        await this.bucket?.take(entries.length);
        const retry = await this.process(entries);
        this.held = [];
        if (retry) {
          pendingFirst = true;
          await sleep(this.opts.retryMs);
        }
      } catch (error) {
        this.held = [];
        pendingFirst = true;
        if (!this.running) break;
        // Redis came back without its data (no persistence): the group is gone, make it again.
        if (error instanceof Error && error.message.includes('NOGROUP')) {
          await this.consumer.ensureGroup([this.stream], '0').catch(() => undefined);
        }
        if (!this.failing) {
          this.failing = true;
          log.warn(
            { err: error, account: this.account.id },
            'ingress: paused (Redis unavailable?); retrying',
          );
        }
        await sleep(this.opts.retryMs);
      }
    }
  }

  /** Validate, enqueue and settle one batch; true when some entries stay pending to be retried (queue full). */
  private async process(entries: readonly StreamEntry[]): Promise<boolean> {
    const { deps, account } = this;
    const now = Date.now();
    const refused: IngressRefusal[] = [];
    const duplicates: IngressDuplicate[] = [];
    const valid: Array<{ entry: StreamEntry; message: NewMessage; derived: boolean }> = [];
    const refuse = (entry: StreamEntry, code: string, message: string) => {
      refused.push({ ingressId: entry.id, code, message, fields: entry.fields });
      deps.metrics?.ingressRejected.inc({ ingress: 'redis', code });
      deps.metrics?.ingressEntries.inc({ account: account.id, outcome: 'rejected' });
    };
    for (const entry of entries) {
      try {
        const input = entryToInput(entry.fields);
        const message = validateMessage(input, account, {
          now,
          defaultValidityMinutes: this.defaultValidity(entry.fields),
        });
        const derived = message.clientRef === undefined;
        message.clientRef ??= `${DERIVED_CLIENT_REF_PREFIX}${entry.id}`;
        message.ingressId = entry.id;
        valid.push({ entry, message, derived });
      } catch (error) {
        const refusal = refusalOf(error) ?? this.internal(entry, error);
        refuse(entry, refusal.code, refusal.message);
      }
    }
    // Redis going away fails the whole call: nothing is acknowledged, every entry is read again.
    const outcomes =
      valid.length > 0
        ? await deps.queue.enqueueMany(
            valid.map((v) => v.message),
            now,
          )
        : [];
    const retry = new Set<string>();
    outcomes.forEach((outcome, i) => {
      const { entry, message, derived } = valid[i]!;
      if (outcome.ok) {
        if (outcome.result.duplicate) {
          deps.metrics?.ingressEntries.inc({ account: account.id, outcome: 'duplicate' });
          // A derived clientRef matched: this very entry was queued before (a crash before its ack) and its
          // first event already carried this ingressId.
          if (!derived) {
            duplicates.push({
              ingressId: entry.id,
              id: outcome.result.id,
              ...(message.clientRef !== undefined ? { clientRef: message.clientRef } : {}),
            });
          }
          return;
        }
        deps.metrics?.enqueued.inc({ ingress: 'redis', class: message.class });
        deps.metrics?.ingressEntries.inc({ account: account.id, outcome: 'accepted' });
        return;
      }
      // A per-message error is never Redis going away (that fails the whole call): an unexpected one is this
      // entry's alone, dead-lettered as INTERNAL rather than left to block the stream.
      const refusal = refusalOf(outcome.error) ?? this.internal(entry, outcome.error);
      if (refusal.retry) {
        // Queue full: the stream is the buffer; the entry stays pending and is read again.
        retry.add(entry.id);
        deps.metrics?.ingressEntries.inc({ account: account.id, outcome: 'retried' });
        return;
      }
      refuse(entry, refusal.code, refusal.message);
    });
    const ack = entries.filter((e) => !retry.has(e.id)).map((e) => e.id);
    await deps.store.ingress.settle(account.id, { refused, duplicates, ack }, now);
    return retry.size > 0;
  }

  /** An error that is no refusal (a bug): logged, and the entry dead-lettered so the stream goes on. */
  private internal(entry: StreamEntry, error: unknown): { code: string; message: string; retry: false } {
    this.deps.logger.error(
      { err: error, account: this.account.id, ingressId: entry.id },
      'ingress: unexpected error on an entry; dead-lettered as INTERNAL',
    );
    return { code: 'INTERNAL', message: 'internal error', retry: false };
  }

  private defaultValidity(fields: Record<string, string>): number | undefined {
    if (fields.to === undefined) return undefined;
    const operatorId = this.deps.selectOperator(fields.to, fields.from ?? '');
    return this.deps.config.operators.find((o) => o.id === operatorId)?.validityMinutes;
  }

  async readBacklog(): Promise<void> {
    const metrics = this.deps.metrics;
    if (!metrics || !this.deps.store.available) return;
    try {
      const { lag, pending } = await this.deps.store.ingress.backlog(this.account.id);
      if (lag !== null) metrics.ingressLag.set({ account: this.account.id }, lag);
      metrics.ingressPending.set({ account: this.account.id }, pending);
    } catch {
      // Redis away: the gauges keep their last value; smppgw_redis_up says why.
    }
  }
}

export class RedisIngress {
  private readonly accounts: AccountIngress[];
  private backlogTimer: NodeJS.Timeout | undefined;
  private readonly opts: Required<RedisIngressOptions>;

  constructor(private readonly deps: RedisIngressDeps) {
    this.opts = {
      batchSize: 500,
      blockMs: 1000,
      reclaimIdleMs: deps.config.queue.leaseMs,
      retryMs: 500,
      backlogIntervalMs: 5000,
      ...deps.options,
    };
    this.accounts = deps.config.accounts.map((account) => new AccountIngress(account, deps, this.opts));
  }

  async start(): Promise<void> {
    for (const account of this.accounts) await account.start();
    const read = () => void Promise.all(this.accounts.map((a) => a.readBacklog()));
    this.backlogTimer = setInterval(read, this.opts.backlogIntervalMs);
    this.backlogTimer.unref();
    read();
  }

  /** Redis is gone at shutdown: every reader closes now; what they had read stays pending in Redis. */
  abandon(): void {
    if (this.backlogTimer) clearInterval(this.backlogTimer);
    for (const account of this.accounts) account.abandon();
  }

  /** Stop reading every account's stream; batches in hand are finished (they end acknowledged or pending). */
  async stop(): Promise<void> {
    if (this.backlogTimer) clearInterval(this.backlogTimer);
    await Promise.all(this.accounts.map((a) => a.stop()));
  }
}
