// Moves due entries of the scheduled sets (send-at, quiet-hour deferrals, retry back-off) into their
// streams, and samples queue depths for the metrics. Safe to run on every instance: the move is atomic.
import type { Logger } from 'pino';
import type { GatewayMetrics } from '../metrics/index.js';
import { LANES, type MessageStore } from '../store/index.js';

export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private lastSample = 0;

  constructor(
    private readonly store: MessageStore,
    private readonly operatorIds: readonly string[],
    private readonly deps: { logger: Logger; metrics?: GatewayMetrics; intervalMs?: number },
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = true;
      this.tick()
        .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'scheduler tick failed'))
        .finally(() => {
          this.running = false;
        });
    }, this.deps.intervalMs ?? 100);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  async tick(): Promise<number> {
    let moved = 0;
    for (const op of this.operatorIds) {
      for (;;) {
        const n = await this.store.moveDue(op, 0, 500);
        moved += n;
        if (n < 500) break;
      }
      // Acknowledged entries leave the streams here, in bulk, rather than one XDEL per message.
      await this.store.trimAcknowledged(op);
    }
    if (this.deps.metrics && Date.now() - this.lastSample >= 1000) {
      this.lastSample = Date.now();
      await this.sample(this.deps.metrics);
    }
    return moved;
  }

  private async sample(metrics: GatewayMetrics): Promise<void> {
    let scheduled = 0;
    for (const op of this.operatorIds) {
      for (const lane of LANES)
        metrics.queueDepth.set({ operator: op, lane }, await this.store.depth(op, lane));
      scheduled += await this.store.scheduledCount(op);
    }
    metrics.scheduled.set(scheduled);
  }
}
