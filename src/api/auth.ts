// Who is calling the HTTP API: the bearer key matched (in constant time, clear or sha256: configured keys)
// against the accounts' keys and the admin keys, and the per-address limit on unknown keys (SPEC §4, issue
// 15): an address that presented `http.authFailures.max` unknown keys within the window gets 429
// TOO_MANY_AUTH_FAILURES on every /v1 request until the window has passed, even with a valid key, so
// guessing keys is pointless. A missing or malformed Authorization header is a client bug, not a guess: 401,
// not counted.
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { AccountConfig, Config } from '../config/index.js';
import type { GatewayMetrics } from '../metrics/index.js';
import { AuthFailureLimiter, KeyRing } from '../security/index.js';
import { ApiError } from './errors.js';

type Role = 'admin' | 'metrics';

export interface RequestAuthDeps {
  config: Pick<Config, 'accounts' | 'admin' | 'http'>;
  metrics: GatewayMetrics;
  logger: Logger;
  now?: () => number;
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

export class RequestAuth {
  private readonly accounts: KeyRing<AccountConfig>;
  private readonly admins: KeyRing<Role>;
  private readonly scrapers: KeyRing<Role>;
  private readonly failures: AuthFailureLimiter;

  constructor(private readonly deps: RequestAuthDeps) {
    this.accounts = new KeyRing(
      deps.config.accounts.flatMap((account) => account.apiKeys.map((key) => [key, account] as const)),
    );
    this.admins = new KeyRing(deps.config.admin.apiKeys.map((key) => [key, 'admin' as const] as const));
    this.scrapers = new KeyRing(
      deps.config.http.metricsApiKeys.map((key) => [key, 'metrics' as const] as const),
    );
    this.failures = new AuthFailureLimiter(deps.config.http.authFailures, deps.now);
  }

  /** Before any /v1 route: a blocked address is refused whatever it presents. */
  guard(request: FastifyRequest): void {
    const wait = this.failures.retryAfterSeconds(request.ip);
    if (wait === 0) return;
    this.deps.metrics.authFailures.inc({ ingress: 'http', reason: 'rate_limited' });
    throw new ApiError(
      429,
      'TOO_MANY_AUTH_FAILURES',
      `Authorization: too many failed authentications from this address; retry in ${wait} s`,
      'Authorization',
      { 'retry-after': String(wait) },
    );
  }

  /** The account of the bearer key; 401 otherwise. */
  account(request: FastifyRequest): AccountConfig {
    const key = bearer(request);
    if (key === undefined) {
      throw new ApiError(
        401,
        'UNAUTHENTICATED',
        'Authorization: expected "Bearer <api key>"',
        'Authorization',
      );
    }
    const account = this.accounts.match(key);
    if (account) return account;
    this.unknown(request, key);
    throw new ApiError(401, 'UNAUTHENTICATED', 'Authorization: unknown API key', 'Authorization');
  }

  /** The bearer key is an admin key (no counting: the caller may still be an account). */
  isAdmin(request: FastifyRequest): boolean {
    const key = bearer(request);
    return key !== undefined && this.admins.match(key) !== undefined;
  }

  /** An admin key, or 401. */
  admin(request: FastifyRequest): void {
    this.requireKey(request, this.admins, '"Bearer <admin api key>" (admin.apiKeys)');
  }

  /** `GET /metrics` is open unless `http.metricsApiKeys` lists keys; then it wants one of them, or 401. */
  get metricsProtected(): boolean {
    return this.scrapers.size > 0;
  }

  metrics(request: FastifyRequest): void {
    if (this.metricsProtected)
      this.requireKey(request, this.scrapers, '"Bearer <metrics api key>" (http.metricsApiKeys)');
  }

  private requireKey(request: FastifyRequest, ring: KeyRing<Role>, expected: string): void {
    const key = bearer(request);
    if (key !== undefined && ring.match(key) !== undefined) return;
    if (key !== undefined) this.unknown(request, key);
    throw new ApiError(401, 'UNAUTHENTICATED', `Authorization: expected ${expected}`, 'Authorization');
  }

  /** A key no account, admin or scraper has counts against the address (a known key on the wrong route is a mistake, not a guess). */
  private unknown(request: FastifyRequest, key: string): void {
    const known = [this.accounts, this.admins, this.scrapers].some((ring) => ring.match(key) !== undefined);
    if (known) return;
    this.deps.metrics.authFailures.inc({ ingress: 'http', reason: 'unknown_key' });
    if (this.failures.fail(request.ip)) {
      // Once per block, with the address and never the key: enough to find who is guessing.
      const { max, windowSeconds } = this.deps.config.http.authFailures;
      this.deps.logger.warn(
        { address: request.ip, max, windowSeconds },
        'too many unknown API keys from this address: refused until the window passes',
      );
    }
  }
}
