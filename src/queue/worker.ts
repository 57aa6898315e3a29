// The operator worker: reads its operator's streams through the consumer group (transactional lane
// first), claims what it read in one store call (to `sending`), takes tokens from the shared bucket,
// submits every part through the bind manager, and records each acceptance (batched with the others of
// the same moment) together with the entry's acknowledgement. An entry is never acknowledged before its
// fate is in Redis, so a crash leaves it pending for another instance (XAUTOCLAIM after the lease time).
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Config, OperatorConfig } from '../config/index.js';
import type { GatewayMetrics } from '../metrics/index.js';
import type { SegmentSubmit, SubmitResult } from '../smpp/types.js';
import {
  CONSUMER_GROUP,
  decodeRef,
  LANES,
  StreamConsumer,
  type HeldEntry,
  type Lane,
  type MessageStore,
  type NewMessage,
  type TakeResult,
} from '../store/index.js';
import { AdaptiveRate, RedisTokenBucket, type BucketPort } from '../throttle/index.js';
import type { PolicyCheck } from './enqueue.js';
import { Permits } from './permits.js';
import { planSubmits } from './submit-plan.js';

/** What the worker needs of the SMPP layer (the BindManager provides it). */
export interface SubmitPort {
  submit(segment: SegmentSubmit, options?: { signal?: AbortSignal }): Promise<SubmitResult>;
  whenBound(timeoutMs: number): Promise<boolean>;
  boundCount(): number;
}

export interface OperatorWorkerDeps {
  store: MessageStore;
  /** The operator's shared token bucket (the store's RedisBucket). */
  bucket: BucketPort;
  config: Config;
  operator: OperatorConfig;
  submitter: SubmitPort;
  logger: Logger;
  metrics?: GatewayMetrics;
  consumerName?: string;
  /** The campaign policy, checked again just before submission (an opt-out may have come meanwhile). */
  policy?: PolicyCheck;
}

type PartOutcome = { kind: 'ok' } | { kind: 'retry' | 'reject'; code: string } | { kind: 'aborted' };

export function consumerName(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Wait for `promise`, but at most `ms` (0: not at all). Never rejects. */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  if (ms <= 0) return;
  const timer = new AbortController();
  await Promise.race([
    promise.then(
      () => undefined,
      () => undefined,
    ),
    delay(ms, undefined, { signal: timer.signal }).catch(() => undefined),
  ]);
  timer.abort();
}

function heldEntry(stream: string, entryId: string, fields: Record<string, string>): HeldEntry {
  return { stream, entryId, ref: decodeRef(fields.r ?? '') };
}

export class OperatorWorker {
  private readonly consumer: StreamConsumer;
  private readonly log: Logger;
  private readonly name: string;
  private readonly abort = new AbortController();
  private readonly inProgress = new Map<string, HeldEntry>();
  private readonly tasks = new Set<Promise<void>>();
  private readonly bucket: RedisTokenBucket;
  readonly rate: AdaptiveRate;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private leaseTimer: NodeJS.Timeout | undefined;
  private slotFreed: (() => void) | undefined;
  private readonly maxConcurrent: number;
  private readonly inflight: Permits;
  private readonly streams: string[];

  constructor(private readonly deps: OperatorWorkerDeps) {
    this.name = deps.consumerName ?? consumerName();
    this.consumer = new StreamConsumer(deps.store.redis, CONSUMER_GROUP, this.name);
    this.log = deps.logger.child({ op: deps.operator.id, consumer: this.name });
    this.rate = new AdaptiveRate({ max: deps.operator.tps });
    this.bucket = new RedisTokenBucket(deps.bucket, this.rate);
    // Enough messages in progress to keep every window of every bind full.
    this.maxConcurrent = Math.max(1, deps.operator.window * deps.operator.binds * 2);
    // One permit per window slot: a segment holds it from submit until its acceptance is in Redis, so a
    // crash duplicates at most window × binds segments.
    this.inflight = new Permits(Math.max(1, deps.operator.window * deps.operator.binds));
    // Every message in progress listens on this one signal: that many listeners is the design, not a leak.
    setMaxListeners(0, this.abort.signal);
    this.streams = LANES.map((lane) => deps.store.keys.stream(deps.operator.id, lane));
  }

  get consumerId(): string {
    return this.name;
  }

  get activeEntries(): number {
    return this.inProgress.size;
  }

  /** Called by the app when the bind manager reports a carrier throttle. */
  onThrottle(): void {
    const rate = this.rate.onThrottle();
    this.deps.metrics?.throttleRate.set({ operator: this.deps.operator.id }, rate);
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.ensureGroup(this.streams, '0');
    this.deps.metrics?.throttleRate.set({ operator: this.deps.operator.id }, this.rate.current());
    this.loop = this.run();
    // Entries we are still working on must not look idle to other instances' XAUTOCLAIM.
    const leaseMs = this.deps.config.queue.leaseMs;
    this.leaseTimer = setInterval(() => void this.renewLeases(), Math.max(100, Math.floor(leaseMs / 3)));
  }

  /**
   * Let running messages finish their in-flight parts for at most `drainTimeoutMs` (0: Redis is gone, nothing
   * could be recorded), then abort the rest: they stay pending for another instance or the next start.
   * What is still running `settleTimeoutMs` after the abort (a Redis call that never answers) is left behind:
   * the caller closes Redis, which fails it, quietly.
   */
  async stop(
    drainTimeoutMs: number = this.deps.config.shutdown.drainTimeoutMs,
    options: { settleTimeoutMs?: number } = {},
  ): Promise<void> {
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    this.leaseTimer = undefined;
    this.stopping = true;
    const wake = this.slotFreed;
    this.slotFreed = undefined;
    wake?.();
    await within(Promise.allSettled([...this.tasks]), drainTimeoutMs);
    this.abort.abort();
    // Ends a blocking read at once; entries it had read stay pending (reclaimed after the lease time).
    this.consumer.disconnect();
    await within(
      Promise.allSettled([...this.tasks, this.loop ?? Promise.resolve()]),
      options.settleTimeoutMs ?? 1000,
    );
  }

  private async run(): Promise<void> {
    const leaseMs = this.deps.config.queue.leaseMs;
    let lastClaim = 0;
    while (!this.stopping) {
      try {
        if (this.deps.submitter.boundCount() === 0) {
          await this.deps.submitter.whenBound(1000);
          continue;
        }
        // Read in whole batches: waiting for room for a batch costs less than reading one entry at a time.
        const batch = Math.min(this.deps.config.queue.batchSize, Math.ceil(this.maxConcurrent / 2));
        if (this.maxConcurrent - this.inProgress.size < batch) {
          await new Promise<void>((resolve) => {
            this.slotFreed = resolve;
          });
          continue;
        }
        const room = Math.min(this.maxConcurrent - this.inProgress.size, this.deps.config.queue.batchSize);
        let entries: HeldEntry[] = [];
        if (Date.now() - lastClaim >= Math.min(leaseMs, 5000)) {
          lastClaim = Date.now();
          entries = await this.reclaim(room);
        }
        if (entries.length === 0) {
          const read = await this.consumer.read(this.streams, room, 500);
          entries = read.map((e) => heldEntry(e.stream, e.id, e.fields));
        }
        // Entries read while stopping stay pending: another instance (or the next start) takes them.
        if (!this.stopping && entries.length > 0) await this.dispatch(entries);
      } catch (error) {
        if (this.stopping) break;
        this.log.warn({ err: error }, 'queue read failed; retrying');
        await delay(500);
      }
    }
  }

  /** Claim a batch in one call, then send each message on its own. */
  private async dispatch(entries: HeldEntry[]): Promise<void> {
    const fresh = entries.filter((e) => !this.inProgress.has(`${e.stream}\u0000${e.entryId}`));
    if (fresh.length === 0) return;
    for (const e of fresh) this.inProgress.set(`${e.stream}\u0000${e.entryId}`, e);
    let taken: TakeResult[];
    try {
      taken = await this.deps.store.take(fresh, {
        transactionalHonoursOptOut: this.deps.config.policy.transactionalHonoursOptOut,
      });
    } catch (error) {
      for (const e of fresh) this.inProgress.delete(`${e.stream}\u0000${e.entryId}`);
      throw error;
    }
    fresh.forEach((entry, i) => {
      const key = `${entry.stream}\u0000${entry.entryId}`;
      const take = taken[i]!;
      if (take.status !== 'send' && take.status !== 'optout') {
        // Gone (retention), already settled (a duplicate entry after a crash, or cancelled), or expired.
        this.inProgress.delete(key);
        return;
      }
      const task = this.process(entry, take)
        .catch((error: unknown) => {
          // The entry stays pending: another pass (or instance) picks it up after the lease time. While
          // stopping, Redis closing under a task is expected: no alarm.
          this.log[this.stopping ? 'debug' : 'error'](
            { err: error, msgId: entry.ref.id },
            'processing failed; entry left pending',
          );
        })
        .finally(() => {
          this.inProgress.delete(key);
          this.tasks.delete(task);
          const wake = this.slotFreed;
          this.slotFreed = undefined;
          wake?.();
        });
      this.tasks.add(task);
    });
  }

  /** Take over entries another consumer left pending longer than the lease (a dead instance's work). */
  private async reclaim(count: number): Promise<HeldEntry[]> {
    for (const stream of this.streams) {
      const entries = await this.consumer.reclaim(stream, this.deps.config.queue.leaseMs, count);
      if (entries.length > 0) {
        this.log.info({ count: entries.length, stream }, 'reclaimed pending entries of another consumer');
        return entries.map((e) => heldEntry(e.stream, e.id, e.fields));
      }
    }
    return [];
  }

  private async renewLeases(): Promise<void> {
    const byStream = new Map<string, string[]>();
    for (const entry of this.inProgress.values()) {
      const ids = byStream.get(entry.stream) ?? [];
      ids.push(entry.entryId);
      byStream.set(entry.stream, ids);
    }
    for (const [stream, ids] of byStream) {
      try {
        await this.consumer.renew(stream, ids);
      } catch (error) {
        if (!this.stopping) this.log.warn({ err: error }, 'lease renewal failed');
      }
    }
  }

  private laneOf(entry: HeldEntry): Lane {
    return entry.stream === this.streams[0] ? 'transactional' : 'marketing';
  }

  private async process(entry: HeldEntry, take: TakeResult): Promise<void> {
    const { store, operator } = this.deps;
    const log = this.log.child({ msgId: entry.ref.id });
    const meta = take.meta!;
    const context = take.context!;
    // A message already `sending` (taken over after a crash) may have parts on the air: finish it.
    if (take.previous !== 'sending' && (await this.refusedByPolicy(entry, take, log))) return;
    const submits = planSubmits(
      {
        from: meta.from,
        to: context.to,
        dataCoding: meta.dataCoding,
        segments: meta.segs,
        ...(meta.validUntil !== undefined ? { validUntil: meta.validUntil } : {}),
      },
      operator,
    );
    const done = new Set(take.acceptedParts);
    const pending = submits
      .map((submit, i) => ({ submit, part: i + 1 }))
      .filter(({ part }) => !done.has(part));
    const outcomes = await Promise.all(
      pending.map(({ submit, part }) => this.submitPart(entry, part, submit)),
    );
    if (outcomes.some((o) => o.kind === 'aborted')) return;
    const reject = outcomes.find((o) => o.kind === 'reject');
    const retry = outcomes.find((o) => o.kind === 'retry');
    if (reject && reject.kind === 'reject') {
      await store.settle([
        {
          ref: entry.ref,
          to: 'error',
          error: {
            stage: 'submit',
            code: reject.code,
            message: `operator ${operator.id} refused submit_sm: ${reject.code}`,
          },
          entry,
        },
      ]);
      log.info({ code: reject.code }, 'submit rejected');
    } else if (retry && retry.kind === 'retry') {
      await this.scheduleRetry(entry, take.attempts, retry.code, log);
    } else if (pending.length === 0) {
      // Every part was accepted before a crash, but the entry was never acknowledged: settle it now.
      await store.settle([{ ref: entry.ref, to: 'sending', entry }]);
    }
  }

  /** Policy at send time: a refusal ends the message (stage policy); a deferral puts it back on the schedule. */
  private async refusedByPolicy(entry: HeldEntry, take: TakeResult, log: Logger): Promise<boolean> {
    const { policy, store, operator } = this.deps;
    if (take.status === 'optout') {
      await store.settle([
        {
          ref: entry.ref,
          to: 'error',
          error: {
            stage: 'policy',
            code: 'OPTED_OUT',
            message: 'to: opted out of messages from this account',
          },
          entry,
        },
      ]);
      log.info({ code: 'OPTED_OUT' }, 'refused by policy at send time');
      return true;
    }
    if (!policy) return false;
    const meta = take.meta!;
    const context = take.context!;
    const message: NewMessage = {
      account: entry.ref.account,
      to: context.to,
      from: meta.from,
      text: '',
      class: context.class,
      ...(meta.zone ? { zone: meta.zone } : {}),
      ...(entry.ref.campaignId ? { campaignId: entry.ref.campaignId } : {}),
    };
    const verdict = await policy(message, Date.now());
    if (verdict.action === 'send') return false;
    if (verdict.action === 'refuse') {
      await store.settle([
        {
          ref: entry.ref,
          to: 'error',
          error: { stage: 'policy', code: verdict.code, message: verdict.message },
          entry,
        },
      ]);
      log.info({ code: verdict.code }, 'refused by policy at send time');
    } else {
      await store.settle([
        {
          ref: entry.ref,
          to: 'scheduled',
          detail: verdict.reason,
          schedule: { operatorId: operator.id, lane: this.laneOf(entry), dueMs: verdict.until },
          entry,
        },
      ]);
    }
    return true;
  }

  private async scheduleRetry(
    entry: HeldEntry,
    previousAttempts: number,
    code: string,
    log: Logger,
  ): Promise<void> {
    const { store, operator, config } = this.deps;
    const attempts = previousAttempts + 1;
    if (attempts >= config.queue.maxAttempts) {
      await store.settle([
        {
          ref: entry.ref,
          to: 'error',
          error: { stage: 'submit', code, message: `gave up after ${attempts} attempts: ${code}` },
          entry,
          attempts,
        },
      ]);
      log.warn({ code, attempts }, 'submit failed; no attempts left');
      return;
    }
    const base = Math.min(config.queue.retryMaxMs, config.queue.retryInitialMs * 2 ** (attempts - 1));
    const due = Date.now() + Math.round(base / 2 + (Math.random() * base) / 2);
    await store.settle([
      {
        ref: entry.ref,
        to: 'scheduled',
        detail: `retry ${attempts}: ${code}`,
        schedule: { operatorId: operator.id, lane: this.laneOf(entry), dueMs: due },
        entry,
        attempts,
      },
    ]);
    log.info({ code, attempts, due }, 'submit failed; retry scheduled');
  }

  /** Submit one part until it has a definite outcome. Throttles and lost answers retry in place. */
  private async submitPart(entry: HeldEntry, part: number, submit: SegmentSubmit): Promise<PartOutcome> {
    const { submitter, store, operator } = this.deps;
    for (;;) {
      if (this.abort.signal.aborted) return { kind: 'aborted' };
      let release: () => void;
      try {
        release = await this.inflight.acquire(this.abort.signal);
      } catch (error) {
        if (this.abort.signal.aborted) return { kind: 'aborted' };
        throw error;
      }
      let result: SubmitResult;
      try {
        // Tokens are taken per part just before it leaves (and after its window permit, so tokens
        // never wait on a full window): the limit is measured close to the wire.
        await this.bucket.take(1, this.abort.signal);
        result = await submitter.submit(submit, { signal: this.abort.signal });
        if (result.outcome === 'ok') {
          await store.acceptPart({
            ref: entry.ref,
            entry,
            part,
            operatorId: operator.id,
            smscId: result.messageId,
            format: operator.messageIdFormat,
            receiptTimeoutMs: operator.receipts ? Math.round(operator.receiptTimeoutHours * 3_600_000) : 0,
            indexTtlSeconds: Math.ceil(operator.receiptTimeoutHours * 3600) + 86_400,
          });
          return { kind: 'ok' };
        }
      } catch (error) {
        if (this.abort.signal.aborted) return { kind: 'aborted' };
        throw error;
      } finally {
        release();
      }
      switch (result.outcome) {
        case 'throttle':
          // Not an attempt: the carrier asked us to slow down; the bucket now runs slower.
          this.onThrottle();
          continue;
        case 'timeout':
        case 'disconnected':
          // The SMSC may or may not have it; resending is the only way not to lose it.
          if (submitter.boundCount() === 0) await submitter.whenBound(1000);
          continue;
        case 'retry':
          return { kind: 'retry', code: result.statusName };
        case 'reject':
          return { kind: 'reject', code: result.statusName };
      }
    }
  }
}
