// The inbound (MO) path from deliver_sm to the owning account: decode the part, store it (reassembly, in
// Redis), and once the message is whole, route it (MoHandler). handle() resolves as soon as the part is
// safely in Redis, so deliver_sm_resp never acknowledges something a crash could lose; routing then runs
// inline, and if it fails (or this instance dies) the sweeper of any instance retries it from the inbox.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { WebhookSender } from '../api/webhooks.js';
import type { Config } from '../config/index.js';
import type { GatewayMetrics } from '../metrics/index.js';
import type { OptOutList } from '../policy/index.js';
import type { MessageQueue } from '../queue/index.js';
import type { MoStore } from '../store/index.js';
import type { InboundDeliver } from '../smpp/types.js';
import { decodeInbound } from './inbound-part.js';
import { MoHandler, type MoOutcome } from './mo-handler.js';
import { MoReassembly, type AssembledMo, type StoreOutcome } from './reassembly.js';

/** How long an instance holds the routing of one message; if it dies, another retries after this. */
const ROUTING_LEASE_MS = 30_000;
/** Inbox entries younger than this are left to the instance that stored them (it is routing them inline). */
const STALE_AFTER_MS = 5_000;

export interface MoReceiverDeps {
  mo: MoStore;
  config: Config;
  queue: Pick<MessageQueue, 'enqueue'>;
  optOuts: OptOutList;
  /** Omitted: no webhooks (the event stream still carries every MO). */
  webhooks?: Pick<WebhookSender, 'enqueue'>;
  logger: Logger;
  metrics?: GatewayMetrics;
  /** Holder name of routing claims; default random. */
  instanceId?: string;
  clock?: () => number;
}

export interface MoHandleResult {
  store: StoreOutcome;
  /** Set when this part completed a message and routing it here succeeded. */
  mo?: AssembledMo;
  outcome?: MoOutcome;
}

export class MoReceiver {
  readonly reassembly: MoReassembly;
  readonly handler: MoHandler;
  private readonly log: Logger;
  private readonly clock: () => number;
  private readonly instanceId: string;
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly deps: MoReceiverDeps) {
    this.log = deps.logger.child({ component: 'mo' });
    this.clock = deps.clock ?? Date.now;
    this.instanceId = deps.instanceId ?? randomBytes(6).toString('hex');
    this.reassembly = new MoReassembly(deps.mo, {
      timeoutSeconds: deps.config.mo.reassemblyTimeoutSeconds,
    });
    this.handler = new MoHandler({
      mo: deps.mo,
      config: deps.config,
      queue: deps.queue,
      optOuts: deps.optOuts,
      webhooks: deps.webhooks,
      logger: this.log,
      metrics: deps.metrics,
    });
  }

  /** One deliver_sm that is not a receipt. Resolves once the part is stored; rejects only if it is not. */
  async handle(deliver: InboundDeliver): Promise<MoHandleResult> {
    const part = decodeInbound(deliver);
    if (part.decodeError !== undefined) {
      this.deps.metrics?.pduErrors.inc({ operator: deliver.operatorId, kind: 'undecodable_mo' });
      this.log.warn(
        { op: deliver.operatorId, dataCoding: deliver.dataCoding, reason: part.decodeError },
        'MO octets could not be decoded: forwarded with empty text',
      );
    }
    const store = await this.reassembly.store(part);
    if (store.status !== 'complete') {
      this.log.debug(
        { op: part.operatorId, concat: part.concat, status: store.status },
        store.status === 'duplicate' ? 'MO part already stored: acknowledged again' : 'MO part stored',
      );
      return { store };
    }
    const routed = await this.route(part.operatorId, store.entryId);
    return { store, ...routed };
  }

  /** Start the sweeper: expired reassemblies and messages whose routing must be retried. */
  start(): void {
    if (this.timer) return;
    this.stopped = false;
    this.timer = setInterval(() => {
      if (this.sweeping) return;
      this.sweeping = this.sweep()
        .catch((error: unknown) => {
          if (!this.stopped) this.log.warn({ err: error }, 'MO sweep failed; retrying');
        })
        .finally(() => {
          this.sweeping = undefined;
        });
    }, this.deps.config.mo.sweepIntervalMs);
  }

  /** No more sweeps (parts still arrive through handle()); resolves when the sweep in progress has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.sweeping;
  }

  /** One sweep over every operator (the timer calls it; tests may too). */
  async sweep(): Promise<void> {
    const now = this.clock();
    for (const { id: operatorId } of this.deps.config.operators) {
      const expired = await this.reassembly.expire(operatorId, now);
      for (const entryId of expired) {
        this.log.info({ op: operatorId, entry: entryId }, 'MO reassembly timed out: delivered incomplete');
        await this.route(operatorId, entryId);
      }
      for (const entryId of await this.reassembly.stale(operatorId, now, STALE_AFTER_MS)) {
        await this.route(operatorId, entryId);
      }
    }
  }

  /**
   * Route one inbox entry if no other instance is routing it. Never throws: a failure leaves the entry (and
   * the claim, until its lease ends) for a later sweep.
   */
  private async route(
    operatorId: string,
    entryId: string,
  ): Promise<{ mo?: AssembledMo; outcome?: MoOutcome }> {
    try {
      if (!(await this.reassembly.claim(operatorId, entryId, this.instanceId, ROUTING_LEASE_MS))) return {};
      const mo = await this.reassembly.read(operatorId, entryId);
      if (!mo) {
        // Routed and removed by another instance between our listing and our claim.
        await this.reassembly.done(operatorId, entryId);
        return {};
      }
      const outcome = await this.handler.handle(mo);
      await this.reassembly.done(operatorId, entryId);
      return { mo, outcome };
    } catch (error) {
      // Stopping (Redis closed under a sweep): the entry stays in the inbox all the same; no alarm.
      this.log[this.stopped ? 'debug' : 'error'](
        { err: error, op: operatorId, entry: entryId, retryInMs: ROUTING_LEASE_MS },
        'MO routing failed; it stays in the inbox and will be retried',
      );
      return {};
    }
  }
}
