// Per operator: `binds` slots kept bound, and the dispatch of segments to them. A submit goes to the least
// loaded bound transmit-capable session with window room that is not paused by carrier throttling; when
// none is, it waits in FIFO order (order is kept) until one is, the caller's signal aborts, or stop().
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { OperatorConfig } from '../config/index.js';
import type { GatewayMetrics } from '../metrics/index.js';
import { BindSlot, type LegStopOptions, type SlotDeps } from './bind-slot.js';
import type { Jitter } from './reconnect.js';
import type { SmppSession } from './session.js';
import { systemClock, systemTimers, type TimerHandle, type Timers } from './timers.js';
import { socketTransportFactory, type TransportFactory } from './transport.js';
import type {
  BindLeaseProvider,
  DeliverHandler,
  SegmentSubmit,
  StateChange,
  SubmitResult,
  ThrottledEvent,
} from './types.js';

export interface BindManagerDeps {
  logger: Logger;
  metrics?: GatewayMetrics;
  onDeliver: DeliverHandler;
  leases?: BindLeaseProvider;
  /** Injectable for tests: jitter source, clock, timers, sockets. */
  random?: () => number;
  now?: () => number;
  timers?: Timers;
  transport?: TransportFactory;
  /** Reconnect jitter; default 'equal' (half the ceiling is guaranteed, so no near-zero retry storms). */
  jitter?: Jitter;
  /** A bind up this long resets the back-off (so does a successful submit). Default 30 s. */
  stableBindMs?: number;
  /** Lease renew period; the provider's TTL should be at least 3×. Default 10 s. */
  leaseRenewMs?: number;
  /** Retry period when another instance holds a slot's lease. Default 5 s. */
  leaseRetryMs?: number;
  /** Submit timeouts in a row that recycle a session. Default 3. */
  maxConsecutiveTimeouts?: number;
  /** Throttle pause: first, and cap while doubling. Defaults 1 s and 10 s. */
  throttleInitialPauseMs?: number;
  throttleMaxPauseMs?: number;
}

export interface BindManagerEvents {
  state: [StateChange];
  throttled: [ThrottledEvent];
  submitResult: [SubmitResult];
}

interface Waiter {
  segment: SegmentSubmit;
  enqueuedAt: number;
  resolve: (result: SubmitResult) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

export class BindManager extends EventEmitter<BindManagerEvents> {
  readonly operatorId: string;

  private readonly operator: OperatorConfig;
  private readonly log: Logger;
  private readonly metrics: GatewayMetrics | undefined;
  private readonly timers: Timers;
  private readonly now: () => number;
  private readonly slots: BindSlot[];
  private readonly sessions = new Set<SmppSession>();
  private waiters: Waiter[] = [];
  private boundWaiters: Array<{ resolve: (bound: boolean) => void; timer: TimerHandle }> = [];
  private started = false;
  private stopping = false;
  private stopPromise: Promise<void> | undefined;
  private drainTimeoutMs: number;

  constructor(operator: OperatorConfig, deps: BindManagerDeps) {
    super();
    this.operator = operator;
    this.operatorId = operator.id;
    this.log = deps.logger.child({ op: operator.id });
    this.metrics = deps.metrics;
    this.timers = deps.timers ?? systemTimers;
    this.now = deps.now ?? systemClock;
    this.drainTimeoutMs = operator.responseTimeoutMs;
    const slotDeps: SlotDeps = {
      logger: deps.logger,
      metrics: deps.metrics,
      onDeliver: deps.onDeliver,
      leases: deps.leases,
      random: deps.random ?? Math.random,
      now: this.now,
      timers: this.timers,
      transport:
        deps.transport ??
        socketTransportFactory({ host: operator.host, port: operator.port, tls: operator.tls }),
      jitter: deps.jitter ?? 'equal',
      stableBindMs: deps.stableBindMs ?? 30_000,
      leaseRenewMs: deps.leaseRenewMs ?? 10_000,
      leaseRetryMs: deps.leaseRetryMs ?? 5_000,
      maxConsecutiveTimeouts: deps.maxConsecutiveTimeouts ?? 3,
      throttleInitialPauseMs: deps.throttleInitialPauseMs ?? 1000,
      throttleMaxPauseMs: deps.throttleMaxPauseMs ?? 10_000,
      onSession: (session) => this.adopt(session),
    };
    const stopOptions = (): LegStopOptions => ({
      drainTimeoutMs: this.drainTimeoutMs,
      unbindTimeoutMs: Math.min(operator.responseTimeoutMs, 5000),
    });
    this.slots = Array.from(
      { length: operator.binds },
      (_, i) => new BindSlot(operator, i, slotDeps, stopOptions),
    );
    this.metrics?.bindsBound.set({ operator: operator.id }, 0);
  }

  /** Open every slot; each reconnects forever until stop(). */
  start(): void {
    if (this.started || this.stopping) return;
    this.started = true;
    this.log.info(
      { binds: this.operator.binds, bindMode: this.operator.bindMode, window: this.operator.window },
      'starting',
    );
    for (const slot of this.slots) slot.start();
  }

  /**
   * Stop taking work (new submits and waiting ones resolve 'disconnected'), let in-flight submits finish for
   * at most drainTimeoutMs (default responseTimeoutMs), unbind (§4.2, bounded by unbindTimeoutMs, default
   * responseTimeoutMs up to 5 s), close, clear every timer and release the leases.
   */
  stop(options: { drainTimeoutMs?: number; unbindTimeoutMs?: number } = {}): Promise<void> {
    if (this.stopPromise) return this.stopPromise;
    this.stopping = true;
    if (options.drainTimeoutMs !== undefined) this.drainTimeoutMs = options.drainTimeoutMs;
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) this.settle(waiter, { outcome: 'disconnected' });
    this.settleBoundWaiters(false);
    const unbindTimeoutMs = options.unbindTimeoutMs ?? Math.min(this.operator.responseTimeoutMs, 5000);
    this.stopPromise = Promise.all(
      this.slots.map((slot) => slot.stop({ drainTimeoutMs: this.drainTimeoutMs, unbindTimeoutMs })),
    ).then(() => {
      this.log.info('stopped');
    });
    return this.stopPromise;
  }

  /** Resolves with the classified answer; never rejects. See SubmitResult for 'timeout' / 'disconnected'. */
  submit(segment: SegmentSubmit, options: { signal?: AbortSignal } = {}): Promise<SubmitResult> {
    const { signal } = options;
    if (this.stopping || signal?.aborted) return Promise.resolve({ outcome: 'disconnected' });
    const enqueuedAt = this.now();
    if (this.waiters.length === 0) {
      const session = this.pick();
      if (session) return this.send(session, segment, enqueuedAt);
    }
    return new Promise<SubmitResult>((resolve) => {
      const waiter: Waiter = { segment, enqueuedAt, resolve, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          this.settle(waiter, { outcome: 'disconnected' });
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
    });
  }

  /** Bound sessions, of any bind type. */
  boundCount(): number {
    let n = 0;
    for (const session of this.sessions) if (session.state === 'bound') n += 1;
    return n;
  }

  /** Free window slots on bound transmit-capable sessions that are not paused by throttling. */
  transmitCapacity(): number {
    let n = 0;
    for (const session of this.sessions) {
      if (session.state === 'bound' && session.canTransmit && !session.paused) n += session.freeSlots;
    }
    return n;
  }

  /** Submits waiting for a session (not yet written). */
  waiting(): number {
    return this.waiters.length;
  }

  /** true as soon as any session is bound; false after timeoutMs or at stop(). */
  whenBound(timeoutMs: number): Promise<boolean> {
    if (this.boundCount() > 0) return Promise.resolve(true);
    if (this.stopping || timeoutMs <= 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const entry = {
        resolve,
        timer: this.timers.setTimeout(() => {
          this.boundWaiters = this.boundWaiters.filter((w) => w !== entry);
          resolve(false);
        }, timeoutMs),
      };
      this.boundWaiters.push(entry);
    });
  }

  private adopt(session: SmppSession): void {
    this.sessions.add(session);
    session.on('state', (change) => {
      if (change.from === 'bound' || change.to === 'bound') {
        this.metrics?.bindsBound.set({ operator: this.operatorId }, this.boundCount());
      }
      if (change.to === 'bound') this.settleBoundWaiters(true);
      this.publish(() => this.emit('state', change));
    });
    session.on('ready', () => this.dispatch());
    session.on('throttled', (event) => this.publish(() => this.emit('throttled', event)));
    session.once('close', () => {
      this.sessions.delete(session);
      session.removeAllListeners();
    });
  }

  /** Least loaded ready session: spreads load over binds and favours the fastest responder. */
  private pick(): SmppSession | undefined {
    let best: SmppSession | undefined;
    for (const session of this.sessions) {
      if (session.isReady() && (!best || session.inflight < best.inflight)) best = session;
    }
    return best;
  }

  private dispatch(): void {
    while (this.waiters.length > 0) {
      const session = this.pick();
      if (!session) return;
      const waiter = this.waiters.shift();
      if (!waiter) return;
      if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      void this.send(session, waiter.segment, waiter.enqueuedAt).then(waiter.resolve);
    }
  }

  private send(session: SmppSession, segment: SegmentSubmit, enqueuedAt: number): Promise<SubmitResult> {
    this.metrics?.windowWait.observe({ operator: this.operatorId }, (this.now() - enqueuedAt) / 1000);
    return session.submit(segment).then((result) => {
      this.record(result);
      return result;
    });
  }

  private settle(waiter: Waiter, result: SubmitResult): void {
    if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
    waiter.resolve(result);
  }

  private settleBoundWaiters(bound: boolean): void {
    const waiters = this.boundWaiters;
    this.boundWaiters = [];
    for (const waiter of waiters) {
      this.timers.clearTimeout(waiter.timer);
      waiter.resolve(bound);
    }
  }

  private record(result: SubmitResult): void {
    if (this.metrics) {
      const label =
        result.outcome === 'retry' || result.outcome === 'reject'
          ? result.statusName
          : result.outcome === 'throttle'
            ? 'throttled'
            : result.outcome;
      this.metrics.submits.inc({ operator: this.operatorId, result: label });
      if (result.outcome === 'ok')
        this.metrics.submitLatency.observe({ operator: this.operatorId }, result.latencyMs / 1000);
    }
    this.publish(() => this.emit('submitResult', result));
  }

  /**
   * Emit to the app's listeners. A listener that throws must not break a session's receive path (it runs
   * inside socket callbacks) nor turn a submit into a rejection: log it and carry on.
   */
  private publish(emit: () => void): void {
    try {
      emit();
    } catch (error) {
      this.log.error({ err: error }, 'a BindManager listener threw');
    }
  }
}
