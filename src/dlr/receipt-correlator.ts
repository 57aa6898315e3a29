// Correlates receipts with the part they report on. A receipt may arrive before the submit_sm_resp that
// carries its id (SPEC §2): it is kept in Redis (so acknowledging it loses nothing) and retried for a
// bounded time, then counted as orphaned.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { OperatorConfig } from '../config/index.js';
import type { GatewayMetrics } from '../metrics/index.js';
import type { RedisKeys } from '../queue/keys.js';
import type { MessageStore } from './message-store.js';
import type { ParsedReceipt } from './receipt.js';

interface HeldReceipt {
  receipt: ParsedReceipt;
  firstSeen: number;
}

export interface ReceiptCorrelatorOptions {
  /** How long a receipt without a known id is retried before it counts as orphaned. */
  matchWindowMs?: number;
  retryIntervalMs?: number;
}

export type ReceiptOutcome = 'applied' | 'duplicate' | 'held';

export class ReceiptCorrelator {
  private timer: NodeJS.Timeout | undefined;
  private sweeping = false;
  private readonly matchWindowMs: number;
  private readonly retryIntervalMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly store: MessageStore,
    private readonly operators: readonly OperatorConfig[],
    private readonly deps: { logger: Logger; metrics?: GatewayMetrics },
    options: ReceiptCorrelatorOptions = {},
  ) {
    this.matchWindowMs = options.matchWindowMs ?? 60_000;
    this.retryIntervalMs = options.retryIntervalMs ?? 250;
  }

  private operator(id: string): OperatorConfig {
    const op = this.operators.find((o) => o.id === id);
    if (!op) throw new Error(`receipt from unknown operator ${id}`);
    return op;
  }

  /** Record one receipt. Resolves once Redis has it (applied, or held for a retry). */
  async handle(
    operatorId: string,
    receipt: ParsedReceipt,
    now: number = Date.now(),
  ): Promise<ReceiptOutcome> {
    this.deps.metrics?.receipts.inc({ operator: operatorId, status: receipt.stat });
    const outcome = await this.tryApply(operatorId, receipt, now);
    if (outcome) return outcome;
    const held: HeldReceipt = { receipt, firstSeen: now };
    await this.redis.hset(
      this.keys.earlyReceipts(operatorId),
      `${now}:${randomBytes(4).toString('hex')}`,
      JSON.stringify(held),
    );
    this.deps.logger.debug(
      { op: operatorId, smscId: receipt.messageId },
      'receipt before its submit_sm_resp: held',
    );
    return 'held';
  }

  private async tryApply(
    operatorId: string,
    receipt: ParsedReceipt,
    now: number,
  ): Promise<ReceiptOutcome | undefined> {
    const format = this.operator(operatorId).messageIdFormat;
    const ref = await this.store.findPart(operatorId, receipt.messageId, format);
    if (!ref) return undefined;
    const { result, state } = await this.store.applyReceipt(ref, receipt.stat, receipt.err, now);
    if (result === 'missing') return undefined;
    if (result === 'applied' && (state === 'confirmed' || state === 'error')) {
      this.deps.metrics?.finalStates.inc({ state });
    }
    return result === 'duplicate' ? 'duplicate' : 'applied';
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.sweeping) return;
      this.sweeping = true;
      this.sweep()
        .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'held receipt sweep failed'))
        .finally(() => {
          this.sweeping = false;
        });
    }, this.retryIntervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Retry held receipts; drop (as orphaned) those older than the match window. Safe on several instances. */
  async sweep(now: number = Date.now()): Promise<void> {
    // Receipts that never came: past the operator's receipt timeout, delivered is final (unconfirmed).
    const settled = await this.store.settleReceiptDeadlines();
    if (settled > 0) this.deps.metrics?.finalStates.inc({ state: 'delivered' }, settled);
    for (const operator of this.operators) {
      const key = this.keys.earlyReceipts(operator.id);
      const entries = await this.redis.hgetall(key);
      for (const [field, json] of Object.entries(entries)) {
        const held = JSON.parse(json) as HeldReceipt;
        const outcome = await this.tryApply(operator.id, held.receipt, now);
        if (outcome) {
          await this.redis.hdel(key, field);
        } else if (now - held.firstSeen > this.matchWindowMs) {
          // HDEL's count tells which instance removed it, so the orphan is counted once.
          if ((await this.redis.hdel(key, field)) === 1) {
            this.deps.metrics?.orphanReceipts.inc({ operator: operator.id });
            this.deps.logger.warn(
              { op: operator.id, smscId: held.receipt.messageId, stat: held.receipt.stat },
              'orphaned receipt: no message has this SMSC id',
            );
          }
        }
      }
    }
  }
}
