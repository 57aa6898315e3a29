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
  type SettleItem,
  type TakeResult,
} from '../store/index.js';
import { AdaptiveRate, RedisTokenBucket, type BucketPort } from '../throttle/index.js';
import {
  isPolicyMistake,
  verdictLabels,
  verdictOfError,
  type PolicyCheck,
  type PolicyVerdict,
} from './enqueue.js';
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
  /**
   * The campaign policy, asked again just before a marketing message is claimed (quiet hours and holidays:
   * a message released early, a holiday configured since). The opt-out is read by the claim itself.
   */
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
  private readonly lanes: string[][];
  private readonly transactional: Set<string>;

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
    // Each lane's streams, one per shard, read alike; transactional before marketing.
    this.lanes = LANES.map((lane) =>
      deps.store.keys.shardList.map((shard) => deps.store.keys.stream(deps.operator.id, lane, shard)),
    );
    this.streams = this.lanes.flat();
    this.transactional = new Set(this.lanes[0]);
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
  /** Take no new entries from now on (the stop has begun); stop() then drains and ends. */
  quiesce(): void {
    this.stopping = true;
    const wake = this.slotFreed;
    this.slotFreed = undefined;
    wake?.();
  }

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
          const read = await this.consumer.readByPriority(this.lanes, room, 500);
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
        holdMarketing: this.deps.policy !== undefined,
      });
      taken = await this.checkPolicy(fresh, taken);
    } catch (error) {
      for (const e of fresh) this.inProgress.delete(`${e.stream}\u0000${e.entryId}`);
      throw error;
    }
    fresh.forEach((entry, i) => {
      const key = `${entry.stream}\u0000${entry.entryId}`;
      const take = taken[i]!;
      if (take.status !== 'send' && take.status !== 'optout') {
        // Gone (retention), already settled (a duplicate entry after a crash, cancelled, or settled by the
        // policy just now), or expired.
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

  /**
   * The policy at send time, for the marketing the claim held back (`check`): a deferral puts the message
   * back on the schedule and a refusal ends it (both in one settle call, which acknowledges their entries),
   * before either was ever `sending`; what may go is claimed with a second take. Returns the final claim
   * result of every entry.
   */
  private async checkPolicy(entries: HeldEntry[], taken: TakeResult[]): Promise<TakeResult[]> {
    const { policy, store, operator, metrics } = this.deps;
    const held = taken.flatMap((take, i) => (take.status === 'check' ? [i] : []));
    if (!policy || held.length === 0) return taken;
    const now = Date.now();
    const verdicts = await Promise.all(
      held.map(async (i): Promise<PolicyVerdict> => {
        const { context, meta } = taken[i]!;
        try {
          return await policy(
            {
              account: entries[i]!.ref.account,
              to: context!.to,
              class: context!.class,
              ...(meta!.zone !== undefined ? { zone: meta!.zone } : {}),
              ...(meta!.validUntil !== undefined ? { validUntil: meta!.validUntil } : {}),
            },
            now,
          );
        } catch (error) {
          if (isPolicyMistake(error)) return verdictOfError(error);
          throw error;
        }
      }),
    );
    const settles: SettleItem[] = [];
    const allowed: number[] = [];
    held.forEach((i, j) => {
      const entry = entries[i]!;
      const verdict = verdicts[j]!;
      metrics?.policyDecisions.inc({ stage: 'send', ...verdictLabels(verdict) });
      if (verdict.action === 'send') {
        allowed.push(i);
      } else if (verdict.action === 'refuse') {
        settles.push({
          ref: entry.ref,
          to: 'error',
          error: { stage: 'policy', code: verdict.code, message: verdict.message },
          entry,
        });
        this.log.info({ msgId: entry.ref.id, code: verdict.code }, 'refused by policy at send time');
      } else {
        settles.push({
          ref: entry.ref,
          to: 'scheduled',
          detail: verdict.reason,
          schedule: { operatorId: operator.id, lane: this.laneOf(entry), dueMs: verdict.until },
          entry,
        });
        this.log.debug(
          { msgId: entry.ref.id, reason: verdict.reason, until: verdict.until },
          'deferred by policy at send time',
        );
      }
    });
    const cap = this.deps.config.policy.frequencyCap;
    const [, claimed] = await Promise.all([
      store.settle(settles),
      // The frequency cap is counted by this claim, atomically (docs/policy.md#frequency-cap).
      store.take(
        allowed.map((i) => entries[i]!),
        {
          transactionalHonoursOptOut: this.deps.config.policy.transactionalHonoursOptOut,
          ...(cap
            ? {
                frequencyCap: {
                  maxPerRecipient: cap.maxPerRecipient,
                  windowMs: cap.windowDays * 86_400_000,
                  recipients: allowed.map((i) => taken[i]!.context?.to),
                },
              }
            : {}),
        },
      ),
    ]);
    const result = [...taken];
    const gone: TakeResult = { status: 'settled', previous: '', attempts: 0, acceptedParts: [] };
    for (const i of held) result[i] = gone;
    const capped: SettleItem[] = [];
    allowed.forEach((i, j) => {
      const claim = claimed[j]!;
      if (claim.status === 'capped' && cap) {
        const entry = entries[i]!;
        capped.push({
          ref: entry.ref,
          to: 'error',
          error: {
            stage: 'policy',
            code: 'FREQUENCY_CAP',
            message:
              `to: ${claim.context?.to ?? ''} already had ${cap.maxPerRecipient} marketing messages in the ` +
              `last ${cap.windowDays} days (at most ${cap.maxPerRecipient})`,
          },
          entry,
        });
        metrics?.policyDecisions.inc({ stage: 'send', decision: 'refuse', reason: 'FREQUENCY_CAP' });
        this.log.info({ msgId: entry.ref.id, code: 'FREQUENCY_CAP' }, 'refused by policy at send time');
        return;
      }
      result[i] = claim;
    });
    if (capped.length > 0) await store.settle(capped);
    return result;
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
    return this.transactional.has(entry.stream) ? 'transactional' : 'marketing';
  }

  private async process(entry: HeldEntry, take: TakeResult): Promise<void> {
    const { store, operator } = this.deps;
    // A child logger per message costs more than the rest of its bookkeeping: made only when it logs.
    let child: Logger | undefined;
    const log = (): Logger => (child ??= this.log.child({ msgId: entry.ref.id }));
    const meta = take.meta!;
    const context = take.context!;
    // A message already `sending` (taken over after a crash) may have parts on the air: finish it.
    if (take.previous !== 'sending' && (await this.refuseOptedOut(entry, take, log))) return;
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
      log().info({ code: reject.code }, 'submit rejected');
    } else if (retry && retry.kind === 'retry') {
      await this.scheduleRetry(entry, take.attempts, retry.code, log());
    } else if (pending.length === 0) {
      // Every part was accepted before a crash, but the entry was never acknowledged: settle it now.
      await store.settle([{ ref: entry.ref, to: 'sending', entry }]);
    }
  }

  /** The claim found the recipient opted out (read atomically by store.take): the message ends OPTED_OUT. */
  private async refuseOptedOut(entry: HeldEntry, take: TakeResult, log: () => Logger): Promise<boolean> {
    if (take.status !== 'optout') return false;
    await this.deps.store.settle([
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
    this.deps.metrics?.policyDecisions.inc({ stage: 'send', decision: 'refuse', reason: 'OPTED_OUT' });
    log().info({ code: 'OPTED_OUT' }, 'refused by policy at send time');
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
            // No receipt asked (registered_delivery 0): nothing will look the SMSC id up.
            indexTtlSeconds: operator.receipts ? Math.ceil(operator.receiptTimeoutHours * 3600) + 86_400 : 0,
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
