// The composition root: the only module that knows every other. start() brings the parts up in
// dependency order (Redis, simulator, sessions, workers, SMPP server, HTTP); stop() takes them down in
// reverse, the ingresses first.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { CreditAccounts, HttpApi } from './api/index.js';
import { parseListen, type Config } from './config/index.js';
import { isDeliveryReceipt, parseReceipt, ReceiptCorrelator, StateNotifier } from './dlr/index.js';
import { createLogger, type Logger } from './logging/index.js';
import { GatewayMetrics } from './metrics/index.js';
import { RedisIngress, type RedisIngressOptions } from './ingress/index.js';
import { MoReceiver } from './mo/index.js';
import { WebhookSender } from './api/webhooks.js';
import { PlatformIngressAdapter, PlatformOutboxFeeder, platformMetricsHooks } from './platform/index.js';
import { CampaignPolicy, OptOutList, createPolicyRules } from './policy/index.js';
import {
  MessageQueue,
  OperatorWorker,
  Scheduler,
  type OperatorSelector,
  type PolicyCheck,
} from './queue/index.js';
import {
  GatewayStore,
  ClusterRelay,
  ManagedRedis,
  RedisConnection,
  type BindLeaseOptions,
  type PlatformBindsOptions,
  type RedisBindLeases,
  type RedisPlatformBinds,
  type RedisTarget,
  redisTargetOf,
} from './store/index.js';
import { SmppServer } from './smpp-server/index.js';
import { SmscSimulator } from './simulator/index.js';
import { BindManager, CommandStatus, Router, type InboundDeliver } from './smpp/index.js';

export interface GatewayOptions {
  logger?: Logger;
  /** Overrides the redis section (tests point every instance at their own server). */
  redisUrl?: string;
  /** Overrides the redis section with a Sentinel or Cluster target (tests of those shapes). */
  redisTarget?: RedisTarget;
  /** Receipt correlation tuning (tests shorten it). */
  receiptMatchWindowMs?: number;
  /** Unique name of this instance (consumer name, lease holder). */
  instanceId?: string;
  /** Bind-lease timing (tests shorten it). */
  leases?: BindLeaseOptions;
  /** Bind manager timing overrides (tests shorten lease renewal). */
  bindManager?: { leaseRenewMs?: number; leaseRetryMs?: number; stableBindMs?: number };
  /**
   * Tests only: the campaign policy decides as if the clock read this much later (a test stands seconds
   * before a quiet-hours window opens); its deferrals are mapped back to the real clock.
   */
  policyShiftMs?: number;
  /** Platform bind leases of the SMPP server (tests shorten them to see a dead instance's binds lapse). */
  platformBinds?: Pick<PlatformBindsOptions, 'ttlMs' | 'refreshMs'>;
  /** How long the SMPP server's outbox feeder waits before taking over a dead instance's events. */
  platformOutboxReclaimIdleMs?: number;
  /** How often the SMPP server looks for pre-split messages past their part timeout (tests shorten it). */
  smppServerSweepMs?: number;
  /** Redis ingress timing (tests shorten the reclaim of a dead instance's entries). */
  redisIngress?: RedisIngressOptions;
}

export class Gateway {
  readonly logger: Logger;
  readonly metrics = new GatewayMetrics();
  readonly instanceId: string;
  private managedRedis: ManagedRedis | undefined;
  private connection: RedisConnection | undefined;
  private sim: SmscSimulator | undefined;
  private http: HttpApi | undefined;
  private readonly bindManagers = new Map<string, BindManager>();
  private readonly workers = new Map<string, OperatorWorker>();
  private scheduler: Scheduler | undefined;
  private clusterRelay: ClusterRelay | undefined;
  private correlator: ReceiptCorrelator | undefined;
  private webhooks: WebhookSender | undefined;
  private notifier: StateNotifier | undefined;
  private inbound: MoReceiver | undefined;
  private leases: RedisBindLeases | undefined;
  private httpAddr: { host: string; port: number } | undefined;
  private stopping: Promise<void> | undefined;
  private storeHandle: GatewayStore | undefined;
  private policyHandle: CampaignPolicy | undefined;
  private smpp: SmppServer | undefined;
  private platformIngress: PlatformIngressAdapter | undefined;
  private platformFeeder: PlatformOutboxFeeder | undefined;
  private platformBinds: RedisPlatformBinds | undefined;
  private redisIngress: RedisIngress | undefined;
  private writeProbe: NodeJS.Timeout | undefined;

  constructor(
    readonly config: Config,
    private readonly options: GatewayOptions = {},
  ) {
    this.logger =
      options.logger ??
      createLogger({
        level: config.log.level,
        ...(config.log.pretty !== undefined ? { pretty: config.log.pretty } : {}),
        showMessageText: config.log.showMessageText,
        maskNumbers: config.log.maskNumbers,
      });
    this.instanceId = options.instanceId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  }

  /** Everything the gateway keeps in Redis (tests read records and figures through it). */
  get store(): GatewayStore {
    if (!this.storeHandle) throw new Error('gateway not started');
    return this.storeHandle;
  }

  /** The campaign policy the gateway enforces (tests and `policy check` ask it directly). */
  get policy(): CampaignPolicy {
    if (!this.policyHandle) throw new Error('gateway not started');
    return this.policyHandle;
  }

  get httpAddress(): { host: string; port: number } {
    if (!this.httpAddr) throw new Error('gateway not started');
    return this.httpAddr;
  }

  get simulator(): SmscSimulator | undefined {
    return this.sim;
  }

  /** The SMPP server for platforms, when `smppServer` is configured. */
  get smppServer(): SmppServer | undefined {
    return this.smpp;
  }

  bindManager(operatorId: string): BindManager | undefined {
    return this.bindManagers.get(operatorId);
  }

  async start(): Promise<void> {
    const { config, logger, metrics } = this;
    try {
      await this.startRedis();
      await this.startSimulator();
      const shards = await GatewayStore.registerShards(
        this.connection!.client,
        config.redis.keyPrefix,
        config.redis.shards,
      );
      const store = new GatewayStore(this.connection!.client, config.redis.keyPrefix, {
        shards,
        retentionDays: config.messages.retentionDays,
        eventsMaxLen: config.messages.eventsMaxLen,
        waitReplicas: config.redis.waitReplicas,
        waitTimeoutMs: config.redis.waitTimeoutMs,
        // Every final state, whatever path reached it, is counted here once.
        onFinal: (change) => metrics.finalStates.inc({ state: change.state }),
      });
      this.storeHandle = store;
      // Can Redis take writes? A refusal (OOM, MISCONF, READONLY) turns /readyz false and ingress to 503
      // at once (the API notes it); this probe notices one on its own, and its end, without a restart.
      this.writeProbe = setInterval(() => {
        if (this.connection?.ready) void store.probeWrite(this.instanceId);
      }, WRITE_PROBE_MS);
      const router = new Router([...config.routes], [...config.shortCodes]);
      const selectOperator = (to: string, from: string) => router.operatorFor(to, from);
      const optOuts = new OptOutList(store.optOuts, { metrics });
      // The campaign policy (docs/policy.md), compiled once: the holiday calendar and the zone map are read
      // here. Enqueue applies the STOP mention before encoding, then decides with the opt-out read from
      // Redis; the worker decides again just before it claims a marketing message (its claim reads the
      // opt-out atomically, store.take).
      const campaignPolicy = new CampaignPolicy(createPolicyRules(config), {
        optOuts,
        frequency: {
          count: (account, to, windowMs) => store.messages.frequencyCount(account, to, windowMs),
        },
        ...(this.options.policyShiftMs !== undefined ? { shiftMs: this.options.policyShiftMs } : {}),
      });
      this.policyHandle = campaignPolicy;
      const atEnqueue: PolicyCheck = (message, at) => campaignPolicy.atEnqueue(message, at);
      const atSend: PolicyCheck = (message, at) => campaignPolicy.atSend(message, at);
      this.webhooks = new WebhookSender(store.webhooks, config.webhooks, { logger, metrics });
      const credits = new CreditAccounts({
        store: store.credits,
        accounts: config.accounts,
        metrics,
        logger,
        webhooks: this.webhooks,
      });
      const queue = new MessageQueue(store.messages, config, selectOperator, atEnqueue, {
        text: (message) => campaignPolicy.text(message),
        metrics,
        onCredit: (account, balance, lowAlert) => credits.charged(account, balance, lowAlert),
      });
      this.correlator = new ReceiptCorrelator(
        store.messages,
        config.operators,
        { logger, metrics },
        {
          ...(this.options.receiptMatchWindowMs !== undefined
            ? { matchWindowMs: this.options.receiptMatchWindowMs }
            : {}),
        },
      );
      this.notifier = new StateNotifier(store.messages, config.accounts, this.webhooks, {
        logger,
        consumer: this.instanceId,
        reclaimIdleMs: config.queue.leaseMs,
      });
      const mo = new MoReceiver({
        mo: store.mo,
        config,
        queue,
        optOuts,
        webhooks: this.webhooks,
        logger,
        metrics,
        instanceId: this.instanceId,
      });
      this.inbound = mo;
      this.webhooks.start();
      await this.notifier.start();
      mo.start();
      const leases = store.bindLeases(
        this.instanceId,
        new Map(config.operators.map((o) => [o.id, o.binds])),
        {
          ttlMs: config.queue.bindLeaseMs,
          heartbeatMs: Math.max(250, Math.floor(config.queue.bindLeaseMs / 3)),
          ...this.options.leases,
        },
      );
      await leases.start();
      this.leases = leases;
      const onDeliver = (deliver: InboundDeliver) => this.onDeliver(deliver, mo);

      for (const operator of config.operators) {
        const manager = new BindManager(operator, {
          logger,
          metrics,
          onDeliver,
          leases,
          leaseRenewMs: Math.floor(config.queue.bindLeaseMs / 3),
          leaseRetryMs: Math.min(5000, Math.floor(config.queue.bindLeaseMs / 3)),
          ...this.options.bindManager,
        });
        const worker = new OperatorWorker({
          store: store.messages,
          bucket: store.operatorBucket(operator.id),
          config,
          operator,
          submitter: manager,
          logger,
          metrics,
          consumerName: `${this.instanceId}-${operator.id}`,
          policy: atSend,
        });
        manager.on('throttled', () => worker.onThrottle());
        this.bindManagers.set(operator.id, manager);
        this.workers.set(operator.id, worker);
      }
      for (const manager of this.bindManagers.values()) manager.start();
      for (const worker of this.workers.values()) await worker.start();
      this.scheduler = new Scheduler(
        store.messages,
        config.operators.map((o) => o.id),
        { logger, metrics },
      );
      this.scheduler.start();
      this.correlator.start();
      if (store.keys.cluster) {
        // On a Cluster the state events and credit refunds wait on their shards for the relay.
        this.clusterRelay = new ClusterRelay(store.redis, store.keys, store.messages, {
          holder: this.instanceId,
          maxLen: store.messages.eventsMaxLen,
          logger,
        });
        this.clusterRelay.start();
      }

      if (config.smppServer) await this.startSmppServer(store, queue, selectOperator);

      // The aggregators' Redis ingress: one consumer group per account stream, shared by every instance.
      this.redisIngress = new RedisIngress({
        config,
        store,
        queue,
        selectOperator,
        metrics,
        logger: logger.child({ component: 'redis-ingress' }),
        consumer: this.instanceId,
        ...(this.options.redisIngress ? { options: this.options.redisIngress } : {}),
      });
      await this.redisIngress.start();

      this.http = new HttpApi({
        config,
        store,
        queue,
        metrics,
        logger,
        selectOperator,
        optOuts,
        credits,
        readiness: () => this.readiness(),
      });
      this.httpAddr = await this.http.listen();
      logger.info(
        { instance: this.instanceId, operators: config.operators.map((o) => o.id) },
        'gateway started',
      );
    } catch (error) {
      await this.stop().catch((stopError: unknown) =>
        logger.error({ err: stopError }, 'cleanup after a failed start failed'),
      );
      throw error;
    }
  }

  /**
   * The SMPP server for platforms on its Redis-backed ports. The outbox feeder starts first, so its consumer
   * group exists before the first submit_sm: no receipt of a message submitted over SMPP is missed.
   */
  private async startSmppServer(
    store: GatewayStore,
    queue: MessageQueue,
    selectOperator: OperatorSelector,
  ): Promise<void> {
    const { config, logger, metrics } = this;
    const serverConfig = config.smppServer!;
    const accounts = config.accounts.filter((a) => a.smpp !== undefined);
    const binds = store.platformBinds({
      ...this.options.platformBinds,
      onLost: (account, sessionId) =>
        logger.warn(
          { account, bind: sessionId },
          'platform bind lease lapsed and all binds are taken: this session is over maxBinds',
        ),
    });
    binds.start();
    this.platformBinds = binds;
    const outbox = store.platformOutbox({
      maxItems: serverConfig.outbox.maxItems,
      maxAgeMs: Math.round(serverConfig.outbox.maxAgeHours * 3_600_000),
      // Longer than a deliver_sm can wait for its response: only a dead instance's items change hands.
      leaseMs: 2 * serverConfig.responseTimeoutMs + 5_000,
      onDropped: (account, reason, count) => {
        metrics.platformOutboxDropped.inc({ account, reason }, count);
        logger.warn({ account, reason, count }, 'platform outbox items dropped');
      },
    });
    this.platformIngress = new PlatformIngressAdapter({
      config,
      store,
      queue,
      selectOperator,
      metrics,
      logger: logger.child({ component: 'smpp-server' }),
    });
    const server = new SmppServer({
      config: serverConfig,
      accounts: config.accounts,
      ingress: this.platformIngress,
      messages: store.platformMessages(),
      binds,
      gatherer: store.platformParts({ accounts: accounts.map((a) => a.id) }),
      outbox,
      logger,
      hooks: platformMetricsHooks(metrics),
      instanceId: this.instanceId,
      ...(this.options.smppServerSweepMs !== undefined
        ? { sweepIntervalMs: this.options.smppServerSweepMs }
        : {}),
    });
    this.smpp = server;
    this.platformFeeder = new PlatformOutboxFeeder({
      store,
      outbox,
      accounts,
      wake: (account) => server.wake(account),
      logger,
      metrics,
      consumer: this.instanceId,
      ...(this.options.platformOutboxReclaimIdleMs !== undefined
        ? { reclaimIdleMs: this.options.platformOutboxReclaimIdleMs }
        : {}),
    });
    await this.platformFeeder.start();
    // The server logs its addresses.
    await server.start();
  }

  private async startRedis(): Promise<void> {
    const { config, logger, metrics } = this;
    let target: RedisTarget | undefined = this.options.redisUrl
      ? { kind: 'url', url: this.options.redisUrl }
      : (this.options.redisTarget ?? redisTargetOf(config.redis));
    if (!target) {
      this.managedRedis = new ManagedRedis({
        dataDir: config.redis.dataDir,
        serverBin: config.redis.serverBin,
        ...(config.redis.port !== undefined ? { port: config.redis.port } : {}),
        logger,
      });
      target = { kind: 'url', url: await this.managedRedis.start() };
    }
    this.connection = await RedisConnection.open(target, {
      logger,
      managed: Boolean(this.managedRedis),
      hooks: {
        onStatus: (up) => metrics.redisUp.set(up ? 1 : 0),
        onPing: () => metrics.redisLatency.startTimer(),
      },
    });
  }

  private async startSimulator(): Promise<void> {
    const sim = this.config.simulator;
    if (!sim.enabled) return;
    const { host, port } = parseListen(sim.listen);
    this.sim = new SmscSimulator({
      host,
      port,
      messageIdFormat: sim.messageIdFormat,
      receiptDelayMs: sim.receiptDelayMs,
      ...(sim.systemId !== undefined ? { systemId: sim.systemId } : {}),
      ...(sim.password !== undefined ? { password: sim.password } : {}),
      ...(sim.control ? { control: { ...parseListen(sim.control.listen) } } : {}),
      logger: this.logger.child({ component: 'simulator' }),
    });
    // The simulator logs its own address.
    await this.sim.start();
  }

  /** deliver_sm from an operator: a receipt goes to the correlator, anything else is an MO. */
  private async onDeliver(deliver: InboundDeliver, mo: MoReceiver): Promise<number> {
    try {
      return await this.handleDeliver(deliver, mo);
    } catch (error) {
      if (!this.stopping) throw error;
      // Stopping, Redis closed or gone: not stored, so not acknowledged; the SMSC delivers it again later.
      this.logger.debug({ op: deliver.operatorId, err: error }, 'deliver_sm during the stop: ESME_RX_T_APPN');
      return CommandStatus.ESME_RX_T_APPN;
    }
  }

  private async handleDeliver(deliver: InboundDeliver, mo: MoReceiver): Promise<number> {
    if (isDeliveryReceipt(deliver.esmClass)) {
      const receipt = parseReceipt(deliver);
      if (!receipt) {
        this.metrics.pduErrors.inc({ operator: deliver.operatorId, kind: 'unparseable_receipt' });
        this.logger.warn(
          { op: deliver.operatorId, bind: deliver.bindId },
          'receipt without id or status: acknowledged and dropped',
        );
        return CommandStatus.ESME_ROK;
      }
      await this.correlator!.handle(deliver.operatorId, receipt);
      return CommandStatus.ESME_ROK;
    }
    await mo.handle(deliver);
    return CommandStatus.ESME_ROK;
  }

  readiness(): { ready: boolean; checks: Record<string, unknown> } {
    const refusal = this.storeHandle?.writeRefusal;
    const redisReady = (this.connection?.ready ?? false) && refusal === undefined;
    const operators: Record<string, number> = {};
    let operatorsReady = true;
    for (const operator of this.config.operators) {
      const bound = this.bindManagers.get(operator.id)?.boundCount() ?? 0;
      operators[operator.id] = bound;
      if (operator.required && bound === 0) operatorsReady = false;
    }
    return {
      ready: redisReady && operatorsReady,
      checks: {
        redis: redisReady,
        // Only while Redis, up, refuses writes: why (OOM, MISCONF, READONLY, NOREPLICAS).
        ...(refusal ? { redisRefusesWrites: refusal } : {}),
        boundSessions: operators,
      },
    };
  }

  /**
   * Stop ingress, drain in-flight work (bounded), unbind, close Redis, stop the managed server last. The whole
   * stop ends within `shutdown.drainTimeoutMs` + STOP_MARGIN_MS however Redis behaves.
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    const { logger } = this;
    const startedAt = Date.now();
    const drainTimeoutMs = this.config.shutdown.drainTimeoutMs;
    // Every step but the managed redis-server's ends by this deadline; the server gets what is left after it.
    const deadline = startedAt + drainTimeoutMs + STOP_MARGIN_MS - MANAGED_REDIS_STOP_MS;
    const left = (): number => Math.max(0, deadline - Date.now());
    const late: string[] = [];
    // A step still running after `ms` (default: until the deadline) is left behind, and named once at the end.
    const step = async (name: string, run: () => Promise<unknown> | unknown, ms = left()) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        const outcome = await Promise.race([
          Promise.resolve()
            .then(run)
            .then(() => 'done' as const),
          new Promise<'late'>((resolve) => {
            timer = setTimeout(() => resolve('late'), ms);
          }),
        ]);
        if (outcome === 'late') late.push(name);
      } catch (error) {
        logger.warn(
          { step: name, err: error instanceof Error ? error.message : String(error) },
          'shutdown step failed',
        );
      } finally {
        clearTimeout(timer);
      }
    };

    // 1. Nothing new starts: ingress refuses (503), and the loops that poll Redis on their own (scheduler,
    //    receipt sweep, MO sweep, webhook deliveries, state notifier) stop now instead of retrying.
    this.http?.stopAccepting();
    this.platformIngress?.stopAccepting();
    // Workers stop taking new entries now: what fails under them from here on is the stop, not an alarm.
    for (const worker of this.workers.values()) worker.quiesce();
    this.connection?.stopPinging();
    clearInterval(this.writeProbe);
    const loops = Promise.all([
      this.scheduler?.stop(),
      this.clusterRelay?.stop(),
      this.correlator?.stop(),
      this.inbound?.stop(),
      this.notifier?.stop(),
      this.webhooks?.stop(),
    ]).catch(() => undefined);

    // 2. Is Redis there? If not, nothing that needs it is attempted, and what waits on it fails now.
    const redisUp = this.connection ? await this.connection.probe(REDIS_PROBE_MS) : false;
    if (this.connection && !redisUp) {
      logger.warn(
        {
          skipped: ['in-flight drain', 'bind lease release', 'webhook reschedule', 'QUIT'],
          redis: this.connection.status,
        },
        'Redis unreachable at shutdown: skipping what needs it; unfinished work stays pending in Redis for another instance or the next start',
      );
      this.leases?.abandon();
      this.notifier?.abandon();
      this.redisIngress?.abandon();
      this.connection.disconnect();
    }

    // 3. Drain, unbind, close; each step bounded by the deadline. Platforms first: what they have in flight
    //    is answered, then they are unbound, before the queues stop; the Redis ingress stops reading (the
    //    batch in hand ends acknowledged or stays pending for another instance).
    // Without Redis these have nothing to finish: each gets a moment, not the whole budget.
    const brief = (): number => (redisUp ? left() : Math.min(300, left()));
    if (redisUp) await step('redis ingress', () => this.redisIngress?.stop(), brief());
    await step('smpp server', () => this.smpp?.stop(Math.min(drainTimeoutMs, brief())), brief());
    await step('platform outbox', () => this.platformFeeder?.stop(), brief());
    await step('platform binds', () => this.platformBinds?.stop(), Math.min(500, brief()));
    await step('workers', () =>
      Promise.all(
        [...this.workers.values()].map((w) =>
          w.stop(redisUp ? Math.min(drainTimeoutMs, left()) : 0, { settleTimeoutMs: Math.min(1000, left()) }),
        ),
      ),
    );
    // The workers have drained or given up: what is still in a window can no longer be recorded.
    await step('sessions', () =>
      Promise.all(
        [...this.bindManagers.values()].map((m) =>
          m.stop({ drainTimeoutMs: 0, unbindTimeoutMs: Math.min(1000, left()) }),
        ),
      ),
    );
    await step('loops', () => loops);
    // On a Cluster, the drain's last state events still wait on their shards: relay them now.
    if (redisUp && this.clusterRelay) await step('event relay', () => this.clusterRelay!.flush(), brief());
    await step('leases', () => this.leases?.stop(), Math.min(500, left()));
    await step('http', () => this.http?.close());
    await step('redis', () => this.connection?.close(Math.min(500, left())));
    await step('simulator', () => this.sim?.stop());
    // 4. The managed redis-server last, once nothing of ours writes to it.
    const serverBudget = Math.max(
      MANAGED_REDIS_STOP_MS,
      startedAt + drainTimeoutMs + STOP_MARGIN_MS - Date.now(),
    );
    await step('managed redis', () => this.managedRedis?.stop(serverBudget), serverBudget + 500);
    if (late.length > 0) {
      logger.warn({ steps: late }, 'shutdown: steps still running at the stop deadline were left behind');
    }
    logger.info({ ms: Date.now() - startedAt }, 'gateway stopped');
  }
}

/** How long a stop may take past `shutdown.drainTimeoutMs`: unbind, closing, the managed redis-server. */
export const STOP_MARGIN_MS = 2000;
/** A PING slower than this at shutdown means Redis is not there (a stopped or hung server). */
const REDIS_PROBE_MS = 750;
/** How often each instance checks that Redis takes writes. */
const WRITE_PROBE_MS = 1000;
/** The managed redis-server's share of the margin: SIGTERM, then SIGKILL (its AOF is already written). */
const MANAGED_REDIS_STOP_MS = 500;
