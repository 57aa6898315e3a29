// enquire_link keepalive (§4.11) as a small class behind three methods: start, touch, stop. Touching on
// every received PDU is one clock read; the only timer is the next idle check, so a busy link costs nothing.
import { systemClock, systemTimers, type TimerHandle, type Timers } from './timers.js';

export interface KeepaliveOptions {
  intervalMs: number;
  /** Unanswered enquire_links in a row before the link is declared dead. */
  maxMisses: number;
  /** Send one enquire_link; resolves true when it was answered in time. Must not reject. */
  ping: () => Promise<boolean>;
  /** maxMisses pings in a row went unanswered: drop the link. */
  onDead: () => void;
  onMiss?: (misses: number) => void;
  timers?: Timers;
  now?: () => number;
}

export class Keepalive {
  private readonly timers: Timers;
  private readonly now: () => number;
  private timer: TimerHandle | undefined;
  private lastActivity = 0;
  private misses = 0;
  private running = false;

  constructor(private readonly options: KeepaliveOptions) {
    this.timers = options.timers ?? systemTimers;
    this.now = options.now ?? systemClock;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.touch();
    this.schedule(this.options.intervalMs);
  }

  /** Traffic was received: the link is alive, the idle interval starts again. */
  touch(): void {
    this.lastActivity = this.now();
    this.misses = 0;
  }

  stop(): void {
    this.running = false;
    this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(ms: number): void {
    this.timers.clearTimeout(this.timer);
    this.timer = this.timers.setTimeout(() => this.tick(), ms);
  }

  private tick(): void {
    this.timer = undefined;
    if (!this.running) return;
    const idleMs = this.now() - this.lastActivity;
    if (idleMs < this.options.intervalMs) {
      this.schedule(this.options.intervalMs - idleMs);
      return;
    }
    void this.options.ping().then((answered) => {
      if (!this.running) return;
      if (answered) {
        this.misses = 0;
        this.schedule(this.options.intervalMs);
        return;
      }
      this.misses += 1;
      this.options.onMiss?.(this.misses);
      if (this.misses >= this.options.maxMisses) {
        this.stop();
        this.options.onDead();
        return;
      }
      // A miss makes the link suspect: ask again at once rather than after another idle interval.
      this.tick();
    });
  }
}
