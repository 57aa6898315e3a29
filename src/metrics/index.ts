// Every Prometheus metric of the gateway, defined in this one file (prefix `smppgw_`), so the catalogue
// in docs/metrics.md can be checked against it. One registry per GatewayMetrics: tests run several apps.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const METRIC_PREFIX = 'smppgw_';

/** Name prefixes of prom-client's default process metrics (documented as a group in docs/metrics.md). */
export const DEFAULT_METRIC_PREFIXES = [`${METRIC_PREFIX}process_`, `${METRIC_PREFIX}nodejs_`] as const;

const REDUNDANT_DEFAULT_GAUGES = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

export class GatewayMetrics {
  readonly registry = new Registry();

  // --- SMPP sessions (southbound, to operators) ---
  readonly submits = new Counter({
    name: 'smppgw_submits_total',
    help: 'submit_sm responses by operator and result (ok, throttled, timeout, disconnected, or the error status name)',
    labelNames: ['operator', 'result'] as const,
    registers: [this.registry],
  });
  readonly submitLatency = new Histogram({
    name: 'smppgw_submit_latency_seconds',
    help: 'Round trip from submit_sm written to submit_sm_resp received',
    labelNames: ['operator'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly windowWait = new Histogram({
    name: 'smppgw_window_wait_seconds',
    help: 'Time a segment waited for room in a bind window before submit_sm was written',
    labelNames: ['operator'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10],
    registers: [this.registry],
  });
  /** Read at each scrape from the binds' windows (watchInflight): a set per submit_sm and per response
   * hashed the labels twice a message. */
  private readonly inflightWindows = new Map<
    string,
    { operator: string; bind: string; size: () => number }
  >();
  readonly inflight = new Gauge({
    name: 'smppgw_inflight',
    help: 'Requests awaiting a response, per bind',
    labelNames: ['operator', 'bind'] as const,
    registers: [this.registry],
    collect: () => {
      for (const w of this.inflightWindows.values()) {
        this.inflight.set({ operator: w.operator, bind: w.bind }, w.size());
      }
    },
  });
  readonly bindUp = new Gauge({
    name: 'smppgw_bind_up',
    help: '1 when the bind is bound, else 0',
    labelNames: ['operator', 'bind'] as const,
    registers: [this.registry],
  });
  readonly bindsBound = new Gauge({
    name: 'smppgw_binds_bound',
    help: 'Bound sessions per operator',
    labelNames: ['operator'] as const,
    registers: [this.registry],
  });
  readonly reconnects = new Counter({
    name: 'smppgw_reconnects_total',
    help: 'Session (re)connection attempts after a drop or a refused bind',
    labelNames: ['operator'] as const,
    registers: [this.registry],
  });
  readonly bindFailures = new Counter({
    name: 'smppgw_bind_failures_total',
    help: 'Binds refused or failed, by operator and reason (status name, timeout, connect)',
    labelNames: ['operator', 'reason'] as const,
    registers: [this.registry],
  });
  readonly throttleEvents = new Counter({
    name: 'smppgw_throttle_events_total',
    help: 'ESME_RTHROTTLED / ESME_RMSGQFUL answers that paused a bind',
    labelNames: ['operator'] as const,
    registers: [this.registry],
  });
  readonly throttleRate = new Gauge({
    name: 'smppgw_throttle_rate',
    help: 'Current segments-per-second limit applied to the operator (lowered by carrier throttling)',
    labelNames: ['operator'] as const,
    registers: [this.registry],
  });
  readonly pduErrors = new Counter({
    name: 'smppgw_pdu_errors_total',
    help: 'Malformed or unexpected PDUs received, by operator and kind',
    labelNames: ['operator', 'kind'] as const,
    registers: [this.registry],
  });
  readonly enquireLinkTimeouts = new Counter({
    name: 'smppgw_enquire_link_timeouts_total',
    help: 'enquire_link requests that got no answer in time',
    labelNames: ['operator'] as const,
    registers: [this.registry],
  });

  // --- SMPP server (northbound, platforms bound to us) ---
  readonly platformBinds = new Gauge({
    name: 'smppgw_platform_binds',
    help: 'Platform sessions bound to the SMPP server on this instance, per account',
    labelNames: ['account'] as const,
    registers: [this.registry],
  });
  readonly platformBindRefusals = new Counter({
    name: 'smppgw_platform_bind_refusals_total',
    help: 'Platform binds refused, by the status answered (ESME_RINVPASWD, ESME_RBINDFAIL, ...)',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly platformSubmits = new Counter({
    name: 'smppgw_platform_submits_total',
    help: 'submit_sm from platforms by account and the status answered (ESME_ROK, ESME_RTHROTTLED, ...)',
    labelNames: ['account', 'status'] as const,
    registers: [this.registry],
  });
  readonly platformOutboxDepth = new Gauge({
    name: 'smppgw_platform_outbox_depth',
    help: 'Receipts and MO waiting for the account platforms (deliver_sm not yet acknowledged)',
    labelNames: ['account'] as const,
    registers: [this.registry],
  });
  readonly platformOutboxDropped = new Counter({
    name: 'smppgw_platform_outbox_dropped_total',
    help: 'Outbox items given up, by account and reason (attempts, unencodable, overflow, expired)',
    labelNames: ['account', 'reason'] as const,
    registers: [this.registry],
  });

  // --- Queues ---
  readonly queueDepth = new Gauge({
    name: 'smppgw_queue_depth',
    help: 'Messages waiting in the operator stream, per lane',
    labelNames: ['operator', 'lane'] as const,
    registers: [this.registry],
  });
  readonly scheduled = new Gauge({
    name: 'smppgw_scheduled',
    help: 'Messages held in the scheduled set (send-at, quiet hours, retry back-off)',
    registers: [this.registry],
  });
  readonly enqueued = new Counter({
    name: 'smppgw_messages_accepted_total',
    help: 'Messages accepted by an ingress, by ingress and class',
    labelNames: ['ingress', 'class'] as const,
    registers: [this.registry],
  });
  readonly ingressRejected = new Counter({
    name: 'smppgw_ingress_rejected_total',
    help: 'Messages refused at ingress, by ingress and error code',
    labelNames: ['ingress', 'code'] as const,
    registers: [this.registry],
  });
  readonly ingressEntries = new Counter({
    name: 'smppgw_redis_ingress_entries_total',
    help: 'Redis ingress entries handled, by account and outcome (accepted, rejected, duplicate, retried)',
    labelNames: ['account', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly ingressLag = new Gauge({
    name: 'smppgw_redis_ingress_lag',
    help: 'Redis ingress entries not yet read by the gateway, per account',
    labelNames: ['account'] as const,
    registers: [this.registry],
  });
  readonly ingressPending = new Gauge({
    name: 'smppgw_redis_ingress_pending',
    help: 'Redis ingress entries read and not yet settled (acknowledged), per account',
    labelNames: ['account'] as const,
    registers: [this.registry],
  });

  // --- Campaign policy ---
  readonly policyDecisions = new Counter({
    name: 'smppgw_policy_decisions_total',
    help: 'Campaign-policy decisions by stage (enqueue, send), decision (send, defer, refuse) and reason (none, QUIET_HOURS, HOLIDAY, OPTED_OUT, STOP_MENTION_MISSING, ...)',
    labelNames: ['stage', 'decision', 'reason'] as const,
    registers: [this.registry],
  });

  // --- Credit (SPEC §3 balance) ---
  readonly creditLowAlerts = new Counter({
    name: 'smppgw_credit_low_alerts_total',
    help: 'Low-balance alerts fired (once per crossing of the threshold, re-armed by a top-up)',
    labelNames: ['account'] as const,
    registers: [this.registry],
  });

  // --- Receipts and final states ---
  readonly receipts = new Counter({
    name: 'smppgw_receipts_total',
    help: 'Delivery receipts received, by operator and stat (DELIVRD, UNDELIV, ...)',
    labelNames: ['operator', 'status'] as const,
    registers: [this.registry],
  });
  readonly orphanReceipts = new Counter({
    name: 'smppgw_receipts_orphaned_total',
    help: 'Receipts that matched no message after the bounded retry',
    labelNames: ['operator'] as const,
    registers: [this.registry],
  });
  readonly finalStates = new Counter({
    name: 'smppgw_messages_final_total',
    help: 'Messages that reached a final state, by state',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  // --- MO ---
  readonly mo = new Counter({
    name: 'smppgw_mo_total',
    help: 'Inbound (MO) messages by route (stop, start, help, keyword, autoresponder, default)',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });
  readonly optOuts = new Counter({
    name: 'smppgw_optouts_total',
    help: 'Numbers added to an opt-out list',
    labelNames: ['account'] as const,
    registers: [this.registry],
  });

  // --- Authentication ---
  readonly authFailures = new Counter({
    name: 'smppgw_auth_failures_total',
    help: 'Failed authentications by ingress (http, smpp) and reason (unknown_key, unknown_system_id, bad_password, rate_limited)',
    labelNames: ['ingress', 'reason'] as const,
    registers: [this.registry],
  });

  // --- Accounts, webhooks ---
  readonly creditBalance = new Gauge({
    name: 'smppgw_credit_balance',
    help: 'Remaining credit in segments, per account with a limited balance',
    labelNames: ['account'] as const,
    registers: [this.registry],
  });
  readonly webhookDeliveries = new Counter({
    name: 'smppgw_webhook_deliveries_total',
    help: 'Webhook POSTs by result (ok, failed)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  // --- Redis ---
  readonly redisUp = new Gauge({
    name: 'smppgw_redis_up',
    help: '1 when the Redis connection is ready, else 0',
    registers: [this.registry],
  });
  readonly redisLatency = new Histogram({
    name: 'smppgw_redis_ping_seconds',
    help: 'Round trip of a periodic Redis PING',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
    registers: [this.registry],
  });

  /**
   * `smppgw_inflight{operator, bind}` reads `size` at each scrape. The latest session of a bind replaces
   * the one before it (a closed session's window is empty).
   */
  watchInflight(operator: string, bind: string, size: () => number): void {
    this.inflightWindows.set(`${operator}\u0000${bind}`, { operator, bind, size });
  }

  constructor(options: { defaultMetrics?: boolean } = {}) {
    // Process metrics (CPU, memory, event-loop lag) under our prefix.
    if (options.defaultMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
      // prom-client also exports the totals of nodejs_active_{handles,requests,resources} as gauges named
      // `..._total`, which `promtool check metrics` rejects (only counters may end in _total). They are the
      // sums of the per-type gauges it exports without the suffix, so nothing is lost by dropping them.
      for (const name of REDUNDANT_DEFAULT_GAUGES) this.registry.removeSingleMetric(METRIC_PREFIX + name);
    }
  }

  async render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
