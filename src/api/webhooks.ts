// Webhook delivery, at least once: a request is queued in Redis before anyone is told it will happen, posted
// by whichever instance takes it when due, and retried with exponential back-off until a 2xx answer or its
// time runs out. Generic on purpose: MO forwarding, keyword webhooks and message-state callbacks all use it.
//
// The receiver verifies `X-Smppgw-Signature: sha256=<hex HMAC-SHA256 of the raw body>` with the account's
// secret; `X-Smppgw-Timestamp` is the attempt's time (Unix seconds) and `X-Smppgw-Delivery` the delivery id,
// the same on every retry, so a receiver can drop the duplicates that at-least-once delivery implies.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { WebhooksConfig } from '../config/index.js';
import type { GatewayMetrics } from '../metrics/index.js';
import type { WebhookStore } from '../store/index.js';

export const SIGNATURE_HEADER = 'X-Smppgw-Signature';
export const TIMESTAMP_HEADER = 'X-Smppgw-Timestamp';
export const DELIVERY_HEADER = 'X-Smppgw-Delivery';

/** How long past its own timeout an attempt may run before another instance may take the delivery. */
const LEASE_MARGIN_MS = 30_000;

/** `sha256=<hex>`: HMAC-SHA256 of the exact body octets with the secret. */
export function signWebhookBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** For receivers (and tests): does the header carry the body's signature? Constant-time comparison. */
export function verifyWebhookSignature(body: string, secret: string, header: string | undefined): boolean {
  if (header === undefined) return false;
  const expected = Buffer.from(signWebhookBody(body, secret));
  const actual = Buffer.from(header);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

export interface WebhookSenderDeps {
  logger: Logger;
  metrics?: GatewayMetrics;
  /** Injected in tests; default the global fetch. */
  fetch?: typeof fetch;
  /** Default Date.now. */
  clock?: () => number;
}

/** Delay before attempt `failures + 1`: initial, doubling, capped. */
export function webhookBackoffMs(
  failures: number,
  options: Pick<WebhooksConfig, 'retryInitialMs' | 'retryMaxMs'>,
): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 40);
  return Math.min(options.retryInitialMs * 2 ** exponent, options.retryMaxMs);
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'timeout';
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return error.message;
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid url)';
  }
}

export class WebhookSender {
  private readonly log: Logger;
  private readonly fetchFn: typeof fetch;
  private readonly clock: () => number;
  private abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private running = false;

  constructor(
    private readonly store: WebhookStore,
    private readonly options: WebhooksConfig,
    private readonly deps: WebhookSenderDeps,
  ) {
    this.log = deps.logger.child({ component: 'webhooks' });
    this.fetchFn = deps.fetch ?? fetch;
    this.clock = deps.clock ?? Date.now;
  }

  /**
   * Queue a POST of `payload` (as JSON) to `url`, signed when `secret` is given. Resolves once Redis has it.
   * `id`: a caller that may repeat its own work passes a stable id; while that delivery is pending, queuing it
   * again does nothing.
   */
  async enqueue(
    url: string,
    secret: string | undefined,
    payload: object,
    options: { id?: string } = {},
  ): Promise<void> {
    const id = options.id ?? randomUUID();
    const body = JSON.stringify(payload);
    const now = this.clock();
    const fields: string[] = ['url', url, 'body', body, 'attempts', '0', 'createdAt', String(now)];
    // The signature is computed now, over the body that will be sent: the secret never reaches Redis.
    if (secret !== undefined && secret !== '') fields.push('sig', signWebhookBody(body, secret));
    const ttlSeconds = Math.ceil(this.options.maxAgeHours * 3600) + 86_400;
    await this.store.enqueue(id, now, ttlSeconds, fields);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.schedule(0);
  }

  /**
   * Stop polling (no new round, no retry); requests in flight are aborted and their deliveries fall due
   * again at once. Resolves when the round in progress has ended.
   */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.abort.abort();
    await this.round;
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.round = this.poll()
        .catch((error: unknown) => {
          // A round cut short by the stop (Redis closed under it) is not retried, nor worth a warning.
          if (this.running) this.log.warn({ err: error }, 'webhook polling failed; retrying');
          return 0;
        })
        .then((taken) => this.schedule(taken >= this.options.concurrency ? 0 : this.options.pollIntervalMs));
    }, delayMs);
  }

  /** One round: take the due deliveries (at most `concurrency`) and attempt them. Returns how many. */
  async poll(): Promise<number> {
    const now = this.clock();
    const ids = await this.store.claim(
      now,
      this.options.timeoutMs + LEASE_MARGIN_MS,
      this.options.concurrency,
    );
    await Promise.all(ids.map((id) => this.attempt(id)));
    return ids.length;
  }

  private async attempt(id: string): Promise<void> {
    const fields = await this.store.load(id);
    if (fields.url === undefined || fields.body === undefined) {
      await this.store.remove(id);
      return;
    }
    const attempt = Number(fields.attempts ?? '0') + 1;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'smpp-gateway',
      [TIMESTAMP_HEADER]: String(Math.floor(this.clock() / 1000)),
      [DELIVERY_HEADER]: id,
    };
    if (fields.sig !== undefined) headers[SIGNATURE_HEADER] = fields.sig;
    let failure: string | undefined;
    try {
      const response = await this.fetchFn(fields.url, {
        method: 'POST',
        headers,
        body: fields.body,
        // A redirect would turn the POST into a GET: count it as a failure the owner must fix.
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(this.options.timeoutMs), this.abort.signal]),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.status < 200 || response.status > 299) failure = `HTTP ${response.status}`;
    } catch (error) {
      if (this.abort.signal.aborted) {
        // Shutting down: not the receiver's fault, so not an attempt; due again now for another instance.
        await this.store.reschedule(id, this.clock()).catch(() => undefined);
        return;
      }
      failure = describeError(error);
    }
    const log = this.log.child({ delivery: id, url: originOf(fields.url), attempt });
    if (failure === undefined) {
      await this.store.remove(id);
      this.deps.metrics?.webhookDeliveries.inc({ result: 'ok' });
      log.debug('webhook delivered');
      return;
    }
    const now = this.clock();
    const next = now + webhookBackoffMs(attempt, this.options);
    const deadline = Number(fields.createdAt ?? now) + this.options.maxAgeHours * 3_600_000;
    const maxAttempts = this.options.maxAttempts;
    if ((maxAttempts !== undefined && attempt >= maxAttempts) || next > deadline) {
      await this.store.remove(id);
      this.deps.metrics?.webhookDeliveries.inc({ result: 'abandoned' });
      log.error({ reason: failure }, 'webhook abandoned after its last attempt');
      return;
    }
    await this.store.reschedule(id, next, { attempts: String(attempt), lastError: failure });
    this.deps.metrics?.webhookDeliveries.inc({ result: 'failed' });
    log.warn({ reason: failure, retryInMs: next - now }, 'webhook failed; will retry');
  }
}
