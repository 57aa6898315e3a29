// Delivery of one account's receipts and MO to its bound platform (deliver_sm, SMPP 3.4 §4.6). One pump per
// account and instance, running while a session of the account is bound as receiver or transceiver. Items
// go out in the order PlatformOutbox.next() gives them, over one session at a time (the longest bound), with
// at most `window` awaiting their deliver_sm_resp. An error response, no response, or a session that closes
// under an item is an attempt: the item is offered again after a doubling back-off, and dropped (and
// counted) after maxAttempts.
import type { Logger } from 'pino';
import { CommandStatus, commandStatusName } from '../smpp/pdu/index.js';
import type { TimerHandle, Timers } from '../smpp/timers.js';
import { moDeliverSm, receiptDeliverSm } from './outbound-pdu.js';
import type { PlatformSession } from './platform-session.js';
import type { OutboundItem, PlatformOutbox, SmppServerHooks } from './ports.js';

export interface OutboxPumpOptions {
  window: number;
  maxAttempts: number;
  retryInitialMs: number;
  retryMaxMs: number;
  pollIntervalMs: number;
}

/** Delay before attempt `attempt + 1`, after `attempt` failed ones (1, 2, …): initial · 2^(attempt-1), capped. */
export function retryDelayMs(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
}

export class OutboxPump {
  private readonly sessions: PlatformSession[] = [];
  private inFlight = 0;
  private running = false;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private signalResolve: (() => void) | undefined;
  /** A signal came while nobody waited: the next wait returns at once. */
  private signalled = false;
  private readonly log: Logger;

  constructor(
    readonly account: string,
    private readonly outbox: PlatformOutbox,
    private readonly options: OutboxPumpOptions,
    logger: Logger,
    private readonly hooks: SmppServerHooks,
    private readonly timers: Timers,
  ) {
    this.log = logger.child({ account, outbox: true });
  }

  /** A session of the account bound as receiver or transceiver: start (or keep) pumping. */
  addSession(session: PlatformSession): void {
    if (this.stopping || this.sessions.includes(session)) return;
    this.sessions.push(session);
    if (!this.running) {
      this.running = true;
      this.loop = this.run();
    }
    this.signal();
  }

  removeSession(session: PlatformSession): void {
    const i = this.sessions.indexOf(session);
    if (i >= 0) this.sessions.splice(i, 1);
    this.signal();
  }

  get idle(): boolean {
    return !this.running && this.inFlight === 0;
  }

  /** New items are due: read the outbox now rather than at the next poll. */
  wake(): void {
    this.signal();
  }

  /** Send nothing more; resolves once the items in flight are settled (their sessions answer or close). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.signal();
    await this.loop;
  }

  private signal(): void {
    const resolve = this.signalResolve;
    this.signalResolve = undefined;
    if (resolve) resolve();
    else this.signalled = true;
  }

  /** Wait for a signal (wake, a completion, a session change) or `ms`. */
  private waitSignal(ms: number): Promise<void> {
    if (this.signalled) {
      this.signalled = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      let timer: TimerHandle | undefined = undefined;
      const done = (): void => {
        this.timers.clearTimeout(timer);
        resolve();
      };
      this.signalResolve = done;
      timer = this.timers.setTimeout(() => {
        if (this.signalResolve === done) this.signalResolve = undefined;
        resolve();
      }, ms);
    });
  }

  private currentSession(): PlatformSession | undefined {
    while (this.sessions.length > 0 && !this.sessions[0]?.receives) this.sessions.shift();
    return this.sessions[0];
  }

  private async run(): Promise<void> {
    for (;;) {
      const session = this.stopping ? undefined : this.currentSession();
      if (!session) {
        // Items in flight settle as their sessions answer or close: wait for them, so stop() leaves nothing
        // behind, and so a session that binds meanwhile is served by this loop.
        if (this.inFlight === 0) {
          this.running = false;
          return;
        }
        await this.waitSignal(this.options.pollIntervalMs);
        continue;
      }
      const room = Math.min(this.options.window - this.inFlight, session.deliverRoom);
      if (room <= 0) {
        await this.waitSignal(this.options.pollIntervalMs);
        continue;
      }
      let items: OutboundItem[];
      try {
        items = await this.outbox.next(this.account, room);
      } catch (error) {
        this.log.error({ err: error }, 'outbox unavailable');
        await this.waitSignal(this.options.pollIntervalMs);
        continue;
      }
      if (items.length === 0) {
        await this.waitSignal(this.options.pollIntervalMs);
        continue;
      }
      for (const item of items) {
        this.inFlight += 1;
        void this.deliver(session, item).finally(() => {
          this.inFlight -= 1;
          this.signal();
        });
      }
    }
  }

  private async deliver(session: PlatformSession, item: OutboundItem): Promise<void> {
    let pdu;
    try {
      pdu = item.kind === 'receipt' ? receiptDeliverSm(item) : moDeliverSm(item);
    } catch (error) {
      this.log.error({ err: error, itemId: item.itemId }, 'outbound item not encodable: dropped');
      await this.drop(item, 'unencodable');
      return;
    }
    const outcome = await session.deliver(pdu);
    let failure: string;
    if (outcome.kind === 'response') {
      const status = outcome.pdu.commandStatus;
      if (outcome.pdu.command === 'deliver_sm_resp' && status === CommandStatus.ESME_ROK) {
        await this.settle(() => this.outbox.done(item.itemId), item);
        return;
      }
      failure =
        outcome.pdu.command === 'generic_nack'
          ? `generic_nack ${commandStatusName(status)}`
          : commandStatusName(status);
    } else {
      failure = outcome.kind === 'timeout' ? 'no deliver_sm_resp' : 'session closed';
    }
    const attempt = item.attempts + 1;
    if (attempt >= this.options.maxAttempts) {
      this.log.warn(
        { itemId: item.itemId, attempt, failure },
        'outbound item dropped after its last attempt',
      );
      await this.drop(item, `attempts exhausted: ${failure}`);
      return;
    }
    const delayMs = retryDelayMs(attempt, this.options.retryInitialMs, this.options.retryMaxMs);
    this.log.info({ itemId: item.itemId, attempt, failure, delayMs }, 'outbound item to retry');
    await this.settle(() => this.outbox.retry(item.itemId, delayMs), item);
  }

  private async drop(item: OutboundItem, reason: string): Promise<void> {
    await this.settle(() => this.outbox.drop(item.itemId, reason), item);
    try {
      this.hooks.onOutboxDropped?.(this.account, item, reason);
    } catch (error) {
      this.log.error({ err: error }, 'onOutboxDropped hook threw');
    }
  }

  /** An outbox write that fails leaves the item to the outbox's own lease: logged, not retried here. */
  private async settle(write: () => Promise<void>, item: OutboundItem): Promise<void> {
    try {
      await write();
    } catch (error) {
      this.log.error({ err: error, itemId: item.itemId }, 'outbox update failed');
    }
  }
}
