// Moves due entries of the scheduled sets (send-at, quiet-hour deferrals, retry back-off) into their
// streams, and samples queue depths for the metrics. Safe to run on every instance: the move is atomic.
import type { Logger } from 'pino';
import type { GatewayMetrics } from '../metrics/index.js';
import { LANES, type MessageStore } from '../store/index.js';

/** How often acknowledged entries are trimmed from the queue streams. */
const TRIM_INTERVAL_MS = 1000;

export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;
  private current: Promise<void> | undefined;
  private lastSample = 0;
  private lastTrim = 0;

  constructor(
    private readonly store: MessageStore,
    private readonly operatorIds: readonly string[],
    private readonly deps: { logger: Logger; metrics?: GatewayMetrics; intervalMs?: number },
  ) {}

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = true;
      this.current = this.tick()
        .then(
          () => undefined,
          (error: unknown) => {
            // A tick cut short by the stop (Redis closed under it) is not a failure worth a warning.
            if (!this.stopped) this.deps.logger.warn({ err: error }, 'scheduler tick failed');
          },
        )
        .finally(() => {
          this.running = false;
          this.current = undefined;
        });
    }, this.deps.intervalMs ?? 100);
  }

  /** No more ticks; resolves when the tick in progress (if any) has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.current;
  }

  async tick(): Promise<number> {
    let moved = 0;
    // Trimming is housekeeping: once a second is enough, and with many shards (a Cluster) it is most of
    // what an idle daemon asks of Redis.
    const trim = Date.now() - this.lastTrim >= TRIM_INTERVAL_MS;
    if (trim) this.lastTrim = Date.now();
    for (const op of this.operatorIds) {
      for (const shard of this.store.keys.shardList) {
        for (;;) {
          const n = await this.store.moveDue(op, shard, 500);
          moved += n;
          if (n < 500) break;
        }
        // Acknowledged entries leave the streams here, in bulk, rather than one XDEL per message.
        if (trim) await this.store.trimAcknowledged(op, shard);
      }
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
