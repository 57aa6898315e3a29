// The HTTP API (SPEC §4): messages, preview, health, readiness and metrics, on Fastify.
// Every error leaves as {"error": {"code", "message", "field"?}}; accounts authenticate with a bearer key.
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { CodecError, previewText } from '../codec/index.js';
import { parseListen, type AccountConfig, type Config } from '../config/index.js';
import type { GatewayMetrics } from '../metrics/index.js';
import { QueueError, type MessageQueue, type OperatorSelector } from '../queue/index.js';
import type { GatewayStore, NewMessage } from '../store/index.js';
import { RedisTokenBucket } from '../throttle/index.js';
import { ApiError } from './errors.js';
import { registerOptOutRoutes } from './optout-routes.js';
import { CreditAccounts, registerCreditRoutes } from './credit.js';
import { registerCampaignRoutes } from './campaign-routes.js';
import { Campaigns } from '../campaign/index.js';
import { applyStopMention, type OptOutList } from '../policy/index.js';
import { parse as parseYaml } from 'yaml';
import { validateMessage } from './message-input.js';
import { RequestAuth } from './auth.js';

export interface Readiness {
  ready: boolean;
  checks: Record<string, unknown>;
}

export interface HttpApiDeps {
  config: Config;
  store: GatewayStore;
  queue: MessageQueue;
  metrics: GatewayMetrics;
  logger: Logger;
  selectOperator: OperatorSelector;
  optOuts: OptOutList;
  readiness: () => Readiness;
  /** Balance reads, top-ups and the low-balance alert; omitted: built here, without the alert's webhook. */
  credits?: CreditAccounts;
}

/** Messages per `POST /v1/messages/batch`. */
export const MAX_BATCH = 10_000;
/** Room for a full batch of long messages (10,000 × about 1.6 KB); larger bodies get 413. */
const BODY_LIMIT = 16 * 1024 * 1024;
/** The longest `Idempotency-Key`: a clientRef's 128 characters, less the `:<index>` a batch appends. */
const IDEMPOTENCY_KEY_MAX = 122;

/** docs/openapi.yaml beside src/ (or dist/), served as JSON at GET /openapi.json; read once, on first use. */
let openApiDocument: unknown;
function openApi(): unknown {
  openApiDocument ??= parseYaml(readFileSync(new URL('../../docs/openapi.yaml', import.meta.url), 'utf8'));
  return openApiDocument;
}

/** The `Idempotency-Key` header, checked like a clientRef; undefined when absent. */
export function idempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value.length === 0 || value.length > IDEMPOTENCY_KEY_MAX) {
    throw new ApiError(
      400,
      'INVALID_FIELD',
      `Idempotency-Key: expected 1 to ${IDEMPOTENCY_KEY_MAX} characters`,
      'Idempotency-Key',
    );
  }
  return value;
}

/**
 * The body with the `Idempotency-Key` as its clientRef. A body that names the same clientRef is fine; a
 * different one is a client mistake (400 IDEMPOTENCY_CONFLICT), never silently one or the other.
 */
function withIdempotencyKey(body: unknown, key: string | undefined): unknown {
  if (key === undefined || typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const own = (body as { clientRef?: unknown }).clientRef;
  if (own !== undefined && own !== null && own !== key) {
    throw new ApiError(
      400,
      'IDEMPOTENCY_CONFLICT',
      'clientRef: differs from the Idempotency-Key header; send one, or the same value in both',
      'clientRef',
    );
  }
  return { ...body, clientRef: key };
}

type BatchResult =
  { index: number; id: string } | { index: number; error: { code: string; message: string; field?: string } };

/** Our typed errors as API errors; undefined for anything else (a bug, or Redis going away). */
export function toApiError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof QueueError) {
    const status =
      error.code === 'QUEUE_FULL'
        ? 429
        : error.code === 'NO_ROUTE'
          ? 422
          : error.code === 'INSUFFICIENT_CREDIT'
            ? 402
            : error.retryable
              ? 503
              : 400;
    const field = error.code === 'NO_ROUTE' ? 'to' : undefined;
    return new ApiError(
      status,
      error.code,
      error.message,
      field,
      error.retryable ? { 'retry-after': '1' } : {},
    );
  }
  if (error instanceof CodecError) return new ApiError(422, error.code, `text: ${error.message}`, 'text');
  return undefined;
}

export class HttpApi {
  private readonly app: FastifyInstance;
  private readonly auth: RequestAuth;
  private readonly accountBuckets = new Map<string, RedisTokenBucket>();
  private readonly registeredRoutes: Array<{ method: string; url: string }> = [];
  private accepting = true;

  constructor(private readonly deps: HttpApiDeps) {
    this.auth = new RequestAuth({ config: deps.config, metrics: deps.metrics, logger: deps.logger });
    for (const account of deps.config.accounts) {
      const tps = account.tps;
      // An account's own limit, with a one-second burst: a client may send a second's worth at once.
      if (tps !== undefined) {
        this.accountBuckets.set(
          account.id,
          new RedisTokenBucket(deps.store.accountBucket(account.id), { current: () => tps }, (r) =>
            Math.ceil(r),
          ),
        );
      }
    }
    this.app = Fastify({
      logger: false,
      bodyLimit: BODY_LIMIT,
      // A URL Fastify cannot decode (a broken %-escape) gets our error shape too, not Fastify's own.
      frameworkErrors: (error, _request, reply) => {
        void (reply as FastifyReply)
          .code(400)
          .send(new ApiError(400, 'BAD_URL', `url: ${error.message}`).body());
      },
    });
    this.strictJson();
    // Before routes(): every route registered from here on is recorded for routeList().
    this.app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) this.registeredRoutes.push({ method, url: route.url });
    });
    this.routes();
  }

  /**
   * JSON bodies are decoded as strict UTF-8: an invalid octet sequence is refused (400 INVALID_ENCODING),
   * never turned into U+FFFD inside a message. Parsing itself stays Fastify's (prototype keys refused).
   */
  private strictJson(): void {
    const utf8 = new TextDecoder('utf-8', { fatal: true });
    const parse = this.app.getDefaultJsonParser('error', 'error');
    this.app.removeContentTypeParser('application/json');
    this.app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
      let text: string;
      try {
        text = utf8.decode(body as Buffer);
      } catch {
        done(new ApiError(400, 'INVALID_ENCODING', 'body: not valid UTF-8'), undefined);
        return;
      }
      parse(request, text, done);
    });
  }

  /** The routes this API registers, as Fastify sees them (`:id` params; HEAD twins of GET included). */
  routeList(): Array<{ method: string; url: string }> {
    return this.registeredRoutes.map((route) => ({ ...route }));
  }

  /** Stop accepting messages (drain): ingress answers 503 while the rest still answers. */
  stopAccepting(): void {
    this.accepting = false;
  }

  async listen(): Promise<{ host: string; port: number }> {
    const { host, port } = parseListen(this.deps.config.http.listen);
    await this.app.listen({ host, port });
    const address = this.app.server.address();
    const bound = typeof address === 'object' && address ? address.port : port;
    this.deps.logger.info({ host, port: bound }, 'HTTP API listening');
    return { host, port: bound };
  }

  async close(): Promise<void> {
    await this.app.close();
  }

  private authenticate(request: FastifyRequest): AccountConfig {
    return this.auth.account(request);
  }

  /** `accounts[].tps`: past it, 429 with a Retry-After, before anything is written. */
  private async rateLimit(account: AccountConfig, count: number): Promise<void> {
    const bucket = this.accountBuckets.get(account.id);
    if (!bucket) return;
    const { granted, waitMs } = await bucket.tryTake(count, 'whole');
    if (granted < count) {
      this.deps.metrics.ingressRejected.inc({ ingress: 'http', code: 'RATE_LIMITED' });
      throw new ApiError(
        429,
        'RATE_LIMITED',
        `account ${account.id} is limited to ${account.tps ?? 0} messages per second: retry later`,
        undefined,
        { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) },
      );
    }
  }

  private requireRedis(): void {
    if (!this.deps.store.available) {
      throw new ApiError(503, 'UNAVAILABLE', 'the message store is unreachable: retry later', undefined, {
        'retry-after': '5',
      });
    }
  }

  /** Before a write: Redis reachable and taking writes (not out of memory, its disk not failing). */
  private requireWritable(): void {
    this.requireRedis();
    const refusal = this.deps.store.writeRefusal;
    if (refusal) throw this.refusedWrites(refusal);
  }

  private refusedWrites(refusal: string): ApiError {
    return new ApiError(
      503,
      'UNAVAILABLE',
      `the message store refuses writes (${refusal}): retry later`,
      undefined,
      { 'retry-after': '5' },
    );
  }

  private routes(): void {
    const { app, deps } = this;

    app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
      const api = toApiError(error);
      if (api) {
        void reply.code(api.status).headers(api.headers).send(api.body());
        return;
      }
      const fastifyError = error as { statusCode?: number; code?: string; message?: string };
      if (fastifyError.statusCode && fastifyError.statusCode < 500) {
        const code =
          fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || /JSON/i.test(fastifyError.message ?? '')
            ? 'INVALID_JSON'
            : 'BAD_REQUEST';
        void reply
          .code(fastifyError.statusCode)
          .send(
            new ApiError(
              fastifyError.statusCode,
              code,
              `body: ${fastifyError.message ?? 'bad request'}`,
            ).body(),
          );
        return;
      }
      // Redis refusing writes (OOM, MISCONF, READONLY) is a retryable 503, and readiness turns false.
      const refusal = deps.store.noteError(error);
      if (refusal) {
        const api = this.refusedWrites(refusal);
        void reply.code(api.status).headers(api.headers).send(api.body());
        return;
      }
      // Redis down mid-request (connection errors) is a retryable 503, not a 500.
      if (!deps.store.available) {
        void reply
          .code(503)
          .header('retry-after', '5')
          .send(new ApiError(503, 'UNAVAILABLE', 'the message store is unreachable: retry later').body());
        return;
      }
      deps.logger.error({ err: error, url: request.url }, 'unhandled API error');
      void reply.code(500).send(new ApiError(500, 'INTERNAL', 'internal error').body());
    });

    // Every /v1 route (and /metrics when it wants a key), before its own authentication: an address past
    // http.authFailures is refused first.
    app.addHook('onRequest', async (request) => {
      const metrics = this.auth.metricsProtected && request.url.split('?')[0] === '/metrics';
      if (request.url.startsWith('/v1/') || metrics) this.auth.guard(request);
    });

    registerCampaignRoutes(app, {
      authenticate: (request) => this.authenticate(request),
      campaigns: new Campaigns({
        queue: deps.queue,
        campaigns: deps.store.campaigns,
        messages: deps.store.messages,
      }),
      ready: () => {
        if (!this.accepting)
          throw new ApiError(503, 'DRAINING', 'the gateway is shutting down: retry on another instance');
        this.requireRedis();
      },
    });
    registerCreditRoutes(app, {
      authenticate: (request) => this.authenticate(request),
      auth: this.auth,
      credits:
        deps.credits ??
        new CreditAccounts({
          store: deps.store.credits,
          accounts: deps.config.accounts,
          metrics: deps.metrics,
          logger: deps.logger,
        }),
    });
    registerOptOutRoutes(app, {
      authenticate: (request) => this.authenticate(request),
      optOuts: deps.optOuts,
    });

    app.setNotFoundHandler((request, reply) => {
      void reply
        .code(404)
        .send(new ApiError(404, 'NOT_FOUND', `${request.method} ${request.url}: no such endpoint`).body());
    });

    app.get('/healthz', async () => ({ status: 'ok' }));

    app.get('/readyz', async (_request, reply) => {
      const readiness = deps.readiness();
      const ready = readiness.ready && this.accepting;
      return reply
        .code(ready ? 200 : 503)
        .send({ ready, draining: !this.accepting, checks: readiness.checks });
    });

    // The API's own description (docs/openapi.yaml), for clients and code generators; no authentication.
    app.get('/openapi.json', async () => openApi());

    app.get('/metrics', async (request, reply) => {
      this.auth.metrics(request);
      const body = await deps.metrics.render();
      return reply.header('content-type', deps.metrics.contentType).send(body);
    });

    app.post('/v1/messages', async (request, reply) => {
      const account = this.authenticate(request);
      if (!this.accepting)
        throw new ApiError(503, 'DRAINING', 'the gateway is shutting down: retry on another instance');
      const now = Date.now();
      let message;
      try {
        const body = withIdempotencyKey(request.body, idempotencyKey(request.headers['idempotency-key']));
        message = validateMessage(body, account, {
          now,
          defaultValidityMinutes: this.defaultValidity(body),
        });
      } catch (error) {
        if (error instanceof ApiError)
          deps.metrics.ingressRejected.inc({ ingress: 'http', code: error.code });
        throw error;
      }
      this.requireWritable();
      await this.rateLimit(account, 1);
      const result = await deps.queue.enqueue(message, now);
      deps.metrics.enqueued.inc({ ingress: 'http', class: message.class });
      return reply.code(202).send({
        id: result.id,
        state: result.state,
        segments: result.segments,
        encoding: result.encoding,
        ...(result.duplicate ? { duplicate: true } : {}),
      });
    });

    app.post('/v1/messages/batch', async (request, reply) => {
      const account = this.authenticate(request);
      if (!this.accepting)
        throw new ApiError(503, 'DRAINING', 'the gateway is shutting down: retry on another instance');
      const body = request.body as { messages?: unknown } | null;
      if (!body || typeof body !== 'object' || !Array.isArray(body.messages)) {
        throw new ApiError(400, 'INVALID_BODY', 'messages: expected an array of messages', 'messages');
      }
      if (body.messages.length === 0 || body.messages.length > MAX_BATCH) {
        throw new ApiError(400, 'INVALID_FIELD', `messages: expected 1 to ${MAX_BATCH} messages`, 'messages');
      }
      // A batch's Idempotency-Key K names each message without a clientRef of its own `K:<index>`, so the
      // same batch sent again queues nothing twice.
      const key = idempotencyKey(request.headers['idempotency-key']);
      this.requireWritable();
      const now = Date.now();
      const messages: unknown[] =
        key === undefined
          ? body.messages
          : body.messages.map((input: unknown, index) => {
              if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
              const own = (input as { clientRef?: unknown }).clientRef;
              return own === undefined || own === null ? { ...input, clientRef: `${key}:${index}` } : input;
            });
      await this.rateLimit(account, messages.length);
      const results: BatchResult[] = new Array<BatchResult>(messages.length);
      // One message's bad input or refusal does not fail the others; Redis going away does (503).
      const valid: Array<{ index: number; message: NewMessage }> = [];
      const refuse = (index: number, error: unknown): void => {
        const api = toApiError(error);
        if (!api || api.status >= 500) throw error;
        deps.metrics.ingressRejected.inc({ ingress: 'http', code: api.code });
        results[index] = { index, error: api.body().error };
      };
      messages.forEach((input, index) => {
        try {
          const message = validateMessage(input, account, {
            now,
            defaultValidityMinutes: this.defaultValidity(input),
          });
          valid.push({ index, message });
        } catch (error) {
          refuse(index, error);
        }
      });
      const outcomes = await deps.queue.enqueueMany(
        valid.map((v) => v.message),
        now,
      );
      outcomes.forEach((outcome, i) => {
        const { index, message } = valid[i]!;
        if (outcome.ok) {
          deps.metrics.enqueued.inc({ ingress: 'http', class: message.class });
          results[index] = { index, id: outcome.result.id };
        } else refuse(index, outcome.error);
      });
      return reply.code(202).send({ results });
    });

    app.get<{ Params: { id: string } }>('/v1/messages/:id', async (request) => {
      const account = this.authenticate(request);
      this.requireRedis();
      const view = await deps.store.messages.get(request.params.id);
      if (!view || view.account !== account.id) {
        throw new ApiError(404, 'NOT_FOUND', `id: no message ${request.params.id} for this account`, 'id');
      }
      return view;
    });

    app.delete<{ Params: { id: string } }>('/v1/messages/:id', async (request) => {
      const account = this.authenticate(request);
      this.requireWritable();
      const view = await deps.store.messages.get(request.params.id);
      if (!view || view.account !== account.id) {
        throw new ApiError(404, 'NOT_FOUND', `id: no message ${request.params.id} for this account`, 'id');
      }
      const { changed, previous } = await deps.store.messages.transition(view.id, 'cancelled');
      if (!changed && previous !== 'cancelled') {
        throw new ApiError(
          409,
          'NOT_CANCELLABLE',
          `id: message is ${previous}; only queued or scheduled messages can be cancelled`,
          'id',
        );
      }
      return { id: view.id, state: 'cancelled' };
    });

    app.post('/v1/preview', async (request) => {
      const account = this.authenticate(request);
      const body = request.body as { text?: unknown; class?: unknown } | undefined;
      if (!body || typeof body.text !== 'string' || body.text === '') {
        throw new ApiError(400, 'MISSING_FIELD', 'text: required, a non-empty string', 'text');
      }
      if (body.class === undefined) return previewText(body.text);
      if (body.class !== 'marketing' && body.class !== 'transactional') {
        throw new ApiError(400, 'INVALID_FIELD', 'class: expected "marketing" or "transactional"', 'class');
      }
      // With a class, the text as this account would send it: marketing gets its STOP mention, as at enqueue.
      const rule = body.class === 'marketing' ? account.stopMention : undefined;
      if (!rule || rule.mode === 'off') return { ...previewText(body.text), stopMention: 'none' };
      const shaped = applyStopMention(body.text, account, deps.config.keywords.stop);
      if (!shaped.ok) return { ...previewText(body.text), stopMention: 'missing' };
      return { ...previewText(shaped.text), stopMention: shaped.appended ? 'appended' : 'present' };
    });
  }

  private defaultValidity(body: unknown): number | undefined {
    if (typeof body !== 'object' || body === null) return undefined;
    const { to, from } = body as { to?: unknown; from?: unknown };
    if (typeof to !== 'string') return undefined;
    const operatorId = this.deps.selectOperator(to, typeof from === 'string' ? from : '');
    return this.deps.config.operators.find((o) => o.id === operatorId)?.validityMinutes;
  }
}
