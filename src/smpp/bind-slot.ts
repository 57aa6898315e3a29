// One of an operator's `binds` slots: a session (or, for bindMode 'pair', a transmitter and a receiver
// session) kept bound forever, each through its own reconnect loop, and, with several gateway instances,
// only while this instance holds the slot's lease.
import type { Logger } from 'pino';
import type { OperatorConfig } from '../config/index.js';
import type { GatewayMetrics } from '../metrics/index.js';
import { commandStatusName } from './pdu/index.js';
import { ReconnectBackoff, type Jitter } from './reconnect.js';
import { SmppSession } from './session.js';
import type { Timers, TimerHandle } from './timers.js';
import type { TransportFactory } from './transport.js';
import type { BindLeaseProvider, BindType, DeliverHandler, SessionClosed } from './types.js';

export interface SlotDeps {
  logger: Logger;
  metrics: GatewayMetrics | undefined;
  onDeliver: DeliverHandler;
  leases: BindLeaseProvider | undefined;
  random: () => number;
  now: () => number;
  timers: Timers;
  transport: TransportFactory;
  jitter: Jitter;
  stableBindMs: number;
  leaseRenewMs: number;
  leaseRetryMs: number;
  maxConsecutiveTimeouts: number;
  throttleInitialPauseMs: number;
  throttleMaxPauseMs: number;
  /** Every new session, before it opens: the manager wires its events. */
  onSession: (session: SmppSession) => void;
}

export interface LegStopOptions {
  drainTimeoutMs: number;
  unbindTimeoutMs: number;
}

/** One bind kept up: connect, bind, and after any close wait a back-off and start again. */
export class BindLeg {
  private session: SmppSession | undefined;
  private readonly backoff: ReconnectBackoff;
  private readonly log: Logger;
  private retryTimer: TimerHandle | undefined;
  private running = false;
  /** The last reason a bind failed, logged once per change (a refusing SMSC would otherwise flood the log). */
  private lastFailure: string | undefined;

  constructor(
    private readonly operator: OperatorConfig,
    readonly bindId: string,
    readonly bindType: BindType,
    private readonly deps: SlotDeps,
  ) {
    this.backoff = new ReconnectBackoff({ ...operator.reconnect, jitter: deps.jitter, random: deps.random });
    this.log = deps.logger.child({ op: operator.id, bind: bindId });
  }

  get current(): SmppSession | undefined {
    return this.session;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.connect();
  }

  /** No reconnect after this; the current session drains (bounded), unbinds and closes. */
  async stop(options: LegStopOptions, reason: 'unbind' | 'lease_lost' = 'unbind'): Promise<void> {
    this.running = false;
    this.deps.timers.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const session = this.session;
    if (!session) return;
    if (session.state === 'bound') await session.drain(options.drainTimeoutMs);
    await session.unbind(options.unbindTimeoutMs, reason);
  }

  private connect(): void {
    this.retryTimer = undefined;
    if (!this.running) return;
    const session = new SmppSession({
      operator: this.operator,
      bindId: this.bindId,
      bindType: this.bindType,
      logger: this.deps.logger,
      metrics: this.deps.metrics,
      onDeliver: this.deps.onDeliver,
      transport: this.deps.transport,
      timers: this.deps.timers,
      now: this.deps.now,
      maxConsecutiveTimeouts: this.deps.maxConsecutiveTimeouts,
      throttleInitialPauseMs: this.deps.throttleInitialPauseMs,
      throttleMaxPauseMs: this.deps.throttleMaxPauseMs,
    });
    this.session = session;
    this.deps.onSession(session);
    session.once('close', (closed) => this.onClosed(session, closed));
    void session.open().then((outcome) => {
      if (!outcome.bound) return;
      if (this.lastFailure !== undefined) {
        this.log.info({ after: this.lastFailure, attempts: this.backoff.attempts }, 'bound again');
      }
      this.lastFailure = undefined;
    });
  }

  private onClosed(session: SmppSession, closed: SessionClosed): void {
    if (this.session === session) this.session = undefined;
    if (!this.running) return;
    // Reset after a bind that proved itself (stayed up, or carried a successful submit), so a carrier
    // that drops us every N messages costs initialMs per drop, not maxMs.
    if (closed.boundMs >= this.deps.stableBindMs || closed.okSubmits > 0) this.backoff.reset();
    const refused = closed.reason === 'bind_refused';
    const delayMs = this.backoff.next(refused ? 'bindRefused' : 'drop');
    if (closed.boundMs === 0) {
      const failure = refused
        ? `bind_refused:${closed.status === undefined ? 'unknown' : commandStatusName(closed.status)}`
        : closed.reason;
      if (failure !== this.lastFailure) {
        this.log.warn({ failure, delayMs, err: closed.error }, 'bind failed; retrying with back-off');
        this.lastFailure = failure;
      } else {
        this.log.debug({ failure, delayMs, attempts: this.backoff.attempts }, 'bind failed again');
      }
    } else {
      this.log.info({ reason: closed.reason, delayMs }, 'reconnecting');
    }
    this.deps.metrics?.reconnects.inc({ operator: this.operator.id });
    this.retryTimer = this.deps.timers.setTimeout(() => this.connect(), delayMs);
  }
}

/** A slot: its legs run only while its lease (if any) is held. */
export class BindSlot {
  readonly legs: BindLeg[];
  private readonly log: Logger;
  private running = false;
  private held = false;
  private leaseTimer: TimerHandle | undefined;
  /** Legs being stopped after a lost lease; a new acquire waits for them. */
  private stopping: Promise<void> = Promise.resolve();

  constructor(
    private readonly operator: OperatorConfig,
    readonly index: number,
    private readonly deps: SlotDeps,
    private readonly stopOptions: () => LegStopOptions,
  ) {
    const base = `${operator.id}-${index}`;
    this.legs =
      operator.bindMode === 'pair'
        ? [
            new BindLeg(operator, `${base}-tx`, 'transmitter', deps),
            new BindLeg(operator, `${base}-rx`, 'receiver', deps),
          ]
        : [new BindLeg(operator, base, operator.bindMode, deps)];
    this.log = deps.logger.child({ op: operator.id, slot: index });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    if (!this.deps.leases) {
      for (const leg of this.legs) leg.start();
      return;
    }
    this.acquire();
  }

  async stop(options: LegStopOptions): Promise<void> {
    this.running = false;
    this.deps.timers.clearTimeout(this.leaseTimer);
    this.leaseTimer = undefined;
    await this.stopping;
    await Promise.all(this.legs.map((leg) => leg.stop(options)));
    if (this.held && this.deps.leases) {
      this.held = false;
      try {
        await this.deps.leases.release(this.operator.id, this.index);
      } catch (error) {
        this.log.warn({ err: error }, 'lease release failed (it expires by itself)');
      }
    }
  }

  private acquire(): void {
    const leases = this.deps.leases;
    this.leaseTimer = undefined;
    if (!leases || !this.running) return;
    void this.stopping
      .then(() => leases.acquire(this.operator.id, this.index))
      .then(
        (ok) => {
          if (!this.running) {
            if (ok) void leases.release(this.operator.id, this.index).catch(() => undefined);
            return;
          }
          if (!ok) {
            this.log.debug('slot held by another instance');
            this.schedule(() => this.acquire(), this.deps.leaseRetryMs);
            return;
          }
          this.held = true;
          this.log.info('lease acquired');
          for (const leg of this.legs) leg.start();
          this.schedule(() => this.renew(), this.deps.leaseRenewMs);
        },
        (error: unknown) => {
          this.log.warn({ err: error }, 'lease acquire failed');
          if (this.running) this.schedule(() => this.acquire(), this.deps.leaseRetryMs);
        },
      );
  }

  private renew(): void {
    const leases = this.deps.leases;
    this.leaseTimer = undefined;
    if (!leases || !this.running) return;
    void leases.renew(this.operator.id, this.index).then(
      (ok) => {
        if (!this.running) return;
        if (ok) {
          this.schedule(() => this.renew(), this.deps.leaseRenewMs);
          return;
        }
        // Another instance may bind this slot now: unbind ours so the operator's bind limit holds.
        this.held = false;
        this.log.warn('lease lost: unbinding this slot');
        this.stopping = Promise.all(this.legs.map((leg) => leg.stop(this.stopOptions(), 'lease_lost'))).then(
          () => undefined,
        );
        this.schedule(() => this.acquire(), this.deps.leaseRetryMs);
      },
      (error: unknown) => {
        // Redis unreachable: we cannot tell; keep the binds and ask again (the lease TTL is the backstop).
        this.log.warn({ err: error }, 'lease renew failed');
        if (this.running) this.schedule(() => this.renew(), this.deps.leaseRenewMs);
      },
    );
  }

  private schedule(fn: () => void, ms: number): void {
    this.deps.timers.clearTimeout(this.leaseTimer);
    this.leaseTimer = this.deps.timers.setTimeout(fn, ms);
  }
}
