// The operator worker: reads its operator's streams through the consumer group (transactional lane
// first), takes tokens from the shared bucket, submits every part through the bind manager, records
// the outcome, and only then acknowledges the entry. An entry is never acknowledged before its fate is
// in Redis, so a crash leaves it pending for another instance (XAUTOCLAIM after the lease time).
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config, OperatorConfig } from '../config/index.js';
import type { MessageStore } from '../dlr/message-store.js';
import type { GatewayMetrics } from '../metrics/index.js';
import type { SegmentSubmit, SubmitResult } from '../smpp/types.js';
import { AdaptiveRate, RedisTokenBucket } from '../throttle/index.js';
import { CONSUMER_GROUP, LANES, type Lane, type RedisKeys } from './keys.js';
import type { NewMessage, StoredSegment } from './message.js';
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
  redis: Redis;
  keys: RedisKeys;
  config: Config;
  operator: OperatorConfig;
  submitter: SubmitPort;
  store: MessageStore;
  logger: Logger;
  metrics?: GatewayMetrics;
  consumerName?: string;
  /** The campaign policy, checked again just before submission (an opt-out may have come meanwhile). */
  policy?: PolicyCheck;
}

interface Entry {
  stream: string;
  entryId: string;
  messageId: string;
}

type PartOutcome =
  | { kind: 'ok'; settled: boolean; state: string }
  | { kind: 'retry' | 'reject'; code: string }
  | { kind: 'aborted' };

export function consumerName(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export async function ensureConsumerGroups(redis: Redis, keys: RedisKeys, operatorId: string): Promise<void> {
  for (const lane of LANES) {
    try {
      // From "0": entries added before the group existed are still consumed.
      await redis.xgroup('CREATE', keys.stream(operatorId, lane), CONSUMER_GROUP, '0', 'MKSTREAM');
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes('BUSYGROUP')) throw error;
    }
  }
}

type StreamReply = Array<[string, Array<[string, string[]]>]> | null;

export class OperatorWorker {
  private readonly reader: Redis;
  private readonly log: Logger;
  private readonly name: string;
  private readonly abort = new AbortController();
  private readonly inProgress = new Map<string, Entry>();
  private readonly tasks = new Set<Promise<void>>();
  private readonly bucket: RedisTokenBucket;
  readonly rate: AdaptiveRate;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private leaseTimer: NodeJS.Timeout | undefined;
  private slotFreed: (() => void) | undefined;
  private readonly maxConcurrent: number;
  private readonly inflight: Permits;

  constructor(private readonly deps: OperatorWorkerDeps) {
    this.reader = deps.redis.duplicate({ enableAutoPipelining: false });
    this.reader.on('error', () => undefined);
    this.name = deps.consumerName ?? consumerName();
    this.log = deps.logger.child({ op: deps.operator.id, consumer: this.name });
    this.rate = new AdaptiveRate({ max: deps.operator.tps });
    this.bucket = new RedisTokenBucket(deps.redis, deps.keys.bucket(deps.operator.id), this.rate);
    // Enough messages in progress to keep every window of every bind full.
    this.maxConcurrent = Math.max(1, deps.operator.window * deps.operator.binds * 2);
    // One permit per window slot: a segment holds it from submit until its acceptance is in Redis, so a
    // crash duplicates at most window × binds segments.
    this.inflight = new Permits(Math.max(1, deps.operator.window * deps.operator.binds));
    // Every message in progress listens on this one signal: that many listeners is the design, not a leak.
    setMaxListeners(0, this.abort.signal);
  }

  get consumer(): string {
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
    await this.reader.connect().catch((error: unknown) => {
      if (!(error instanceof Error) || !error.message.includes('already')) throw error;
    });
    await ensureConsumerGroups(this.deps.redis, this.deps.keys, this.deps.operator.id);
    this.deps.metrics?.throttleRate.set({ operator: this.deps.operator.id }, this.rate.current());
    this.loop = this.run();
    // Entries we are still working on must not look idle to other instances' XAUTOCLAIM.
    const leaseMs = this.deps.config.queue.leaseMs;
    this.leaseTimer = setInterval(() => void this.renewLeases(), Math.max(100, Math.floor(leaseMs / 3)));
  }

  async stop(drainTimeoutMs: number = this.deps.config.shutdown.drainTimeoutMs): Promise<void> {
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    this.leaseTimer = undefined;
    // Let running messages finish their in-flight parts, bounded; then abort the rest (left pending).
    this.stopping = true;
    this.slotFreed?.();
    const timer = new AbortController();
    await Promise.race([
      Promise.allSettled([...this.tasks]),
      delay(drainTimeoutMs, undefined, { signal: timer.signal }).catch(() => undefined),
    ]);
    timer.abort();
    this.abort.abort();
    await Promise.allSettled([...this.tasks]);
    this.reader.disconnect();
    await this.loop?.catch(() => undefined);
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
        if (this.inProgress.size >= this.maxConcurrent) {
          await new Promise<void>((resolve) => {
            this.slotFreed = resolve;
          });
          continue;
        }
        const room = Math.min(this.maxConcurrent - this.inProgress.size, this.deps.config.queue.batchSize);
        let entries: Entry[] = [];
        if (Date.now() - lastClaim >= Math.min(leaseMs, 5000)) {
          lastClaim = Date.now();
          entries = await this.reclaim(room);
        }
        if (entries.length === 0) entries = await this.read(room);
        // Entries read while stopping stay pending: another instance (or the next start) takes them.
        if (!this.stopping) for (const entry of entries) this.dispatch(entry);
      } catch (error) {
        if (this.stopping) break;
        this.log.warn({ err: error }, 'queue read failed; retrying');
        await delay(500);
      }
    }
  }

  private dispatch(entry: Entry): void {
    const key = `${entry.stream}\u0000${entry.entryId}`;
    if (this.inProgress.has(key)) return;
    this.inProgress.set(key, entry);
    const task = this.process(entry)
      .catch((error: unknown) => {
        // The entry stays pending: another pass (or instance) picks it up after the lease time.
        this.log.error({ err: error, msgId: entry.messageId }, 'processing failed; entry left pending');
      })
      .finally(() => {
        this.inProgress.delete(key);
        this.tasks.delete(task);
        const wake = this.slotFreed;
        this.slotFreed = undefined;
        wake?.();
      });
    this.tasks.add(task);
  }

  private parse(reply: StreamReply): Entry[] {
    const entries: Entry[] = [];
    for (const [stream, items] of reply ?? []) {
      for (const [entryId, fields] of items) {
        const i = fields.indexOf('id');
        entries.push({ stream, entryId, messageId: i >= 0 ? (fields[i + 1] ?? '') : '' });
      }
    }
    return entries;
  }

  private async read(count: number): Promise<Entry[]> {
    const op = this.deps.operator.id;
    const tx = this.deps.keys.stream(op, 'transactional');
    const mk = this.deps.keys.stream(op, 'marketing');
    // Transactional first without blocking; then both lanes, blocking briefly.
    const first = (await this.reader.xreadgroup(
      'GROUP',
      CONSUMER_GROUP,
      this.name,
      'COUNT',
      count,
      'STREAMS',
      tx,
      '>',
    )) as StreamReply;
    const urgent = this.parse(first);
    if (urgent.length > 0) return urgent;
    const both = (await this.reader.xreadgroup(
      'GROUP',
      CONSUMER_GROUP,
      this.name,
      'COUNT',
      count,
      'BLOCK',
      500,
      'STREAMS',
      tx,
      mk,
      '>',
      '>',
    )) as StreamReply;
    return this.parse(both);
  }

  /** Take over entries another consumer left pending longer than the lease (a dead instance's work). */
  private async reclaim(count: number): Promise<Entry[]> {
    const entries: Entry[] = [];
    for (const lane of LANES) {
      const stream = this.deps.keys.stream(this.deps.operator.id, lane);
      const reply = (await this.deps.redis.xautoclaim(
        stream,
        CONSUMER_GROUP,
        this.name,
        this.deps.config.queue.leaseMs,
        '0-0',
        'COUNT',
        count,
      )) as [string, Array<[string, string[]] | null>, string[]?];
      for (const item of reply[1]) {
        if (!item) continue;
        const [entryId, fields] = item;
        const i = fields.indexOf('id');
        entries.push({ stream, entryId, messageId: i >= 0 ? (fields[i + 1] ?? '') : '' });
      }
      if (entries.length > 0) {
        this.log.info({ count: entries.length, lane }, 'reclaimed pending entries of another consumer');
        break;
      }
    }
    return entries;
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
        // XCLAIM to ourselves with min-idle 0 resets the idle time: our work is not up for reclaim.
        await this.deps.redis.xclaim(stream, CONSUMER_GROUP, this.name, 0, ...ids, 'JUSTID');
      } catch (error) {
        this.log.warn({ err: error }, 'lease renewal failed');
      }
    }
  }

  private async ack(entry: Entry): Promise<void> {
    await this.deps.redis
      .multi()
      .xack(entry.stream, CONSUMER_GROUP, entry.entryId)
      .xdel(entry.stream, entry.entryId)
      .exec();
  }

  private async process(entry: Entry): Promise<void> {
    const { deps } = this;
    const { store, operator, metrics } = deps;
    const record = entry.messageId ? await store.raw(entry.messageId) : undefined;
    if (!record) {
      // Record expired (retention) or never written: nothing can be sent.
      await this.ack(entry);
      return;
    }
    const log = this.log.child({ msgId: entry.messageId });
    const state = record.state;
    if (state !== 'queued' && state !== 'scheduled' && state !== 'sending') {
      // Already settled (a duplicate entry after a crash, or cancelled): drop the entry.
      await this.ack(entry);
      return;
    }
    const validUntil = record.validUntil ? Number(record.validUntil) : undefined;
    if (validUntil !== undefined && Date.now() > validUntil) {
      const { changed } = await store.transition(entry.messageId, 'error', {
        error: { stage: 'submit', code: 'EXPIRED', message: 'validity period passed before submission' },
      });
      if (changed) metrics?.finalStates.inc({ state: 'error' });
      await this.ack(entry);
      return;
    }
    // A message already `sending` (taken over after a crash) may have parts on the air: finish it.
    if (deps.policy && state !== 'sending' && (await this.refusedByPolicy(entry, record, log))) return;
    // The move to `sending` is the point of no return for a cancel: if it lost the race, drop the entry.
    const started = await store.transition(entry.messageId, 'sending');
    if (!started.changed && started.previous !== 'sending') {
      await this.ack(entry);
      return;
    }
    const segments = JSON.parse(record.segs ?? '[]') as StoredSegment[];
    const submits = planSubmits(
      {
        from: record.from ?? '',
        to: record.to ?? '',
        dataCoding: Number(record.dataCoding ?? 0),
        segments,
        ...(validUntil !== undefined ? { validUntil } : {}),
      },
      operator,
    );
    const pending = submits
      .map((submit, i) => ({ submit, part: i + 1 }))
      .filter(({ part }) => !record[`p${part}.id`]);
    const outcomes = await Promise.all(
      pending.map(({ submit, part }) => this.submitPart(entry.messageId, part, submit)),
    );
    if (outcomes.some((o) => o.kind === 'aborted')) return;
    const reject = outcomes.find((o) => o.kind === 'reject');
    const retry = outcomes.find((o) => o.kind === 'retry');
    if (reject && reject.kind === 'reject') {
      const { changed } = await store.transition(entry.messageId, 'error', {
        error: {
          stage: 'submit',
          code: reject.code,
          message: `operator ${operator.id} refused submit_sm: ${reject.code}`,
        },
      });
      if (changed) metrics?.finalStates.inc({ state: 'error' });
      log.info({ code: reject.code }, 'submit rejected');
    } else if (retry && retry.kind === 'retry') {
      await this.scheduleRetry(entry, record.lane as Lane, retry.code, log);
    } else {
      // Without receipts, `delivered` is final: count it once, where it was settled.
      const settled = outcomes.find((o) => o.kind === 'ok' && o.settled);
      if (settled?.kind === 'ok' && settled.state === 'delivered' && !operator.receipts) {
        metrics?.finalStates.inc({ state: 'delivered' });
      }
      // Every receipt came before the last response: the message went straight to confirmed.
      if (settled?.kind === 'ok' && settled.state === 'confirmed')
        metrics?.finalStates.inc({ state: 'confirmed' });
    }
    await this.ack(entry);
  }

  /** Policy at send time: a refusal ends the message (stage policy); a deferral puts it back on the schedule. */
  private async refusedByPolicy(entry: Entry, record: Record<string, string>, log: Logger): Promise<boolean> {
    const { policy, store, metrics, redis, keys, operator } = this.deps;
    const message: NewMessage = {
      account: record.account ?? '',
      to: record.to ?? '',
      from: record.from ?? '',
      text: record.text ?? '',
      class: record.class === 'marketing' ? 'marketing' : 'transactional',
      ...(record.zone ? { zone: record.zone } : {}),
      ...(record.campaignId ? { campaignId: record.campaignId } : {}),
    };
    const verdict = await policy!(message, Date.now());
    if (verdict.action === 'send') return false;
    if (verdict.action === 'refuse') {
      const { changed } = await store.transition(entry.messageId, 'error', {
        error: { stage: 'policy', code: verdict.code, message: verdict.message },
      });
      if (changed) metrics?.finalStates.inc({ state: 'error' });
      log.info({ code: verdict.code }, 'refused by policy at send time');
    } else {
      await redis.zadd(
        keys.scheduled(operator.id),
        verdict.until,
        `${record.lane ?? 'marketing'}|${entry.messageId}`,
      );
      await store.transition(entry.messageId, 'scheduled', { detail: verdict.reason });
    }
    await this.ack(entry);
    return true;
  }

  private async scheduleRetry(entry: Entry, lane: Lane, code: string, log: Logger): Promise<void> {
    const { redis, keys, store, operator, config, metrics } = this.deps;
    const attempts = await redis.hincrby(keys.message(entry.messageId), 'attempts', 1);
    if (attempts >= config.queue.maxAttempts) {
      const { changed } = await store.transition(entry.messageId, 'error', {
        error: { stage: 'submit', code, message: `gave up after ${attempts} attempts: ${code}` },
      });
      if (changed) metrics?.finalStates.inc({ state: 'error' });
      log.warn({ code, attempts }, 'submit failed; no attempts left');
      return;
    }
    const base = Math.min(config.queue.retryMaxMs, config.queue.retryInitialMs * 2 ** (attempts - 1));
    const due = Date.now() + Math.round(base / 2 + (Math.random() * base) / 2);
    await redis.zadd(keys.scheduled(operator.id), due, `${lane}|${entry.messageId}`);
    await store.transition(entry.messageId, 'scheduled', { detail: `retry ${attempts}: ${code}` });
    log.info({ code, attempts, due }, 'submit failed; retry scheduled');
  }

  /** Submit one part until it has a definite outcome. Throttles and lost answers retry in place. */
  private async submitPart(messageId: string, part: number, submit: SegmentSubmit): Promise<PartOutcome> {
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
          const accepted = await store.partAccepted({ messageId, part }, operator.id, result.messageId, {
            format: operator.messageIdFormat,
            receiptTimeoutMs: operator.receipts ? Math.round(operator.receiptTimeoutHours * 3_600_000) : 0,
            indexTtlSeconds: Math.ceil(operator.receiptTimeoutHours * 3600) + 86_400,
          });
          return { kind: 'ok', settled: accepted.settled, state: accepted.state };
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
