// Correlates receipts with the part they report on, in batches (the store coalesces the receipts of one
// moment into one lookup and one script call). A receipt may arrive before the submit_sm_resp that
// carries its id (SPEC §2): it is kept in Redis (so acknowledging it loses nothing) and retried for a
// bounded time, then counted as orphaned.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { OperatorConfig } from '../config/index.js';
import type { GatewayMetrics } from '../metrics/index.js';
import type { MessageStore } from '../store/index.js';
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
  private sweeping: Promise<void> | undefined;
  private stopped = false;
  private readonly matchWindowMs: number;
  private readonly retryIntervalMs: number;
  private readonly operators: Map<string, OperatorConfig>;

  constructor(
    private readonly store: MessageStore,
    operators: readonly OperatorConfig[],
    private readonly deps: { logger: Logger; metrics?: GatewayMetrics },
    options: ReceiptCorrelatorOptions = {},
  ) {
    this.matchWindowMs = options.matchWindowMs ?? 60_000;
    this.retryIntervalMs = options.retryIntervalMs ?? 250;
    this.operators = new Map(operators.map((o) => [o.id, o]));
  }

  private operator(id: string): OperatorConfig {
    const op = this.operators.get(id);
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
    const outcome = await this.tryApply(operatorId, receipt);
    if (outcome) return outcome;
    const held: HeldReceipt = { receipt, firstSeen: now };
    await this.store.holdReceipt(
      operatorId,
      `${now}:${randomBytes(4).toString('hex')}`,
      JSON.stringify(held),
    );
    this.deps.logger.debug(
      { op: operatorId, smscId: receipt.messageId },
      'receipt before its submit_sm_resp: held',
    );
    return 'held';
  }

  private async tryApply(operatorId: string, receipt: ParsedReceipt): Promise<ReceiptOutcome | undefined> {
    const result = await this.store.applyReceipt({
      operatorId,
      smscId: receipt.messageId,
      format: this.operator(operatorId).messageIdFormat,
      stat: receipt.stat,
      err: receipt.err,
    });
    return result === 'unknown' ? undefined : result;
  }

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => {
      if (this.sweeping) return;
      this.sweeping = this.sweep()
        .catch((error: unknown) => {
          // A sweep cut short by the stop (Redis closed under it) is not worth a warning.
          if (!this.stopped) this.deps.logger.warn({ err: error }, 'held receipt sweep failed');
        })
        .finally(() => {
          this.sweeping = undefined;
        });
    }, this.retryIntervalMs);
  }

  /** No more sweeps; resolves when the sweep in progress (if any) has ended. Receipts still handled. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.sweeping;
  }

  /** Retry held receipts; drop (as orphaned) those older than the match window. Safe on several instances. */
  async sweep(now: number = Date.now()): Promise<void> {
    // Receipts that never came: past the operator's receipt timeout, delivered is final (unconfirmed).
    for (const shard of this.store.keys.shardList) await this.store.settleReceiptDeadlines(500, now, shard);
    for (const operator of this.operators.values()) {
      const entries = await this.store.heldReceipts(operator.id);
      await Promise.all(
        Object.entries(entries).map(async ([field, json]) => {
          const held = JSON.parse(json) as HeldReceipt;
          const outcome = await this.tryApply(operator.id, held.receipt);
          if (outcome) {
            await this.store.releaseReceipt(operator.id, field);
          } else if (now - held.firstSeen > this.matchWindowMs) {
            // Only the instance whose HDEL removed it counts the orphan.
            if (await this.store.releaseReceipt(operator.id, field)) {
              this.deps.metrics?.orphanReceipts.inc({ operator: operator.id });
              this.deps.logger.warn(
                { op: operator.id, smscId: held.receipt.messageId, stat: held.receipt.stat },
                'orphaned receipt: no message has this SMSC id',
              );
            }
          }
        }),
      );
    }
  }
}
