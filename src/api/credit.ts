// Account credit (SPEC §3 balance) seen from outside the store: the balance over HTTP (`GET /v1/balance`),
// the admin top-up (`POST /v1/admin/accounts/{account}/credits`), and the low-balance alert. The balance is
// charged in the enqueue script and given back by the state-change scripts (docs/policy.md#credit); the
// alert's "once" is the flag the enqueue script sets, so it fires on one instance, and a top-up back to the
// threshold clears it (re-armed).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { AccountConfig } from '../config/index.js';
import type { GatewayMetrics } from '../metrics/index.js';
import type { CreditStore } from '../store/index.js';
import type { RequestAuth } from './auth.js';
import { ApiError } from './errors.js';
import type { WebhookSender } from './webhooks.js';

export interface BalanceView {
  account: string;
  /** null: unlimited. */
  credits: number | null;
  lowBalanceThreshold: number | null;
}

export interface CreditAccountsDeps {
  store: CreditStore;
  accounts: readonly AccountConfig[];
  metrics: GatewayMetrics;
  logger: Logger;
  webhooks?: Pick<WebhookSender, 'enqueue'> | undefined;
  clock?: () => number;
}

export class CreditAccounts {
  private readonly accounts: Map<string, AccountConfig>;

  constructor(private readonly deps: CreditAccountsDeps) {
    this.accounts = new Map(deps.accounts.map((a) => [a.id, a]));
  }

  has(account: string): boolean {
    return this.accounts.has(account);
  }

  async balance(account: string): Promise<BalanceView> {
    const config = this.accounts.get(account);
    const threshold = config?.lowBalanceThreshold ?? null;
    if (config?.credits === undefined) return { account, credits: null, lowBalanceThreshold: threshold };
    const credits = await this.deps.store.balance(account, config.credits);
    this.deps.metrics.creditBalance.set({ account }, credits);
    return { account, credits, lowBalanceThreshold: threshold };
  }

  /** Top up (or take away, never under zero); undefined for an unlimited account. */
  async add(account: string, amount: number): Promise<BalanceView | undefined> {
    const config = this.accounts.get(account);
    if (config?.credits === undefined) return undefined;
    const { balance, rearmed } = await this.deps.store.add(
      account,
      amount,
      config.credits,
      config.lowBalanceThreshold,
    );
    this.deps.metrics.creditBalance.set({ account }, balance);
    this.deps.logger.info({ account, amount, balance, rearmed }, 'credit topped up');
    return { account, credits: balance, lowBalanceThreshold: config.lowBalanceThreshold ?? null };
  }

  /** After a batch charged the account (MessageQueue's onCredit): the gauge, and the alert when it fired. */
  charged(account: string, balance: number, lowAlert: boolean): void {
    this.deps.metrics.creditBalance.set({ account }, balance);
    if (lowAlert) void this.alert(account, balance);
  }

  private async alert(account: string, balance: number): Promise<void> {
    const config = this.accounts.get(account);
    const threshold = config?.lowBalanceThreshold ?? null;
    const at = new Date((this.deps.clock ?? Date.now)()).toISOString();
    this.deps.metrics.creditLowAlerts.inc({ account });
    this.deps.logger.warn(
      { account, credits: balance, lowBalanceThreshold: threshold },
      'low credit balance: the account is under its threshold',
    );
    const hook = config?.webhook;
    if (!hook || !this.deps.webhooks) return;
    try {
      await this.deps.webhooks.enqueue(
        hook.url,
        hook.secret,
        { type: 'credit.low', account, credits: balance, lowBalanceThreshold: threshold, at },
        { id: `credit-low:${account}:${at}` },
      );
    } catch (error) {
      this.deps.logger.error({ err: error, account }, 'low-balance webhook could not be queued');
    }
  }
}

export interface CreditRoutesDeps {
  authenticate: (request: FastifyRequest) => AccountConfig;
  auth: Pick<RequestAuth, 'admin' | 'isAdmin'>;
  credits: CreditAccounts;
}

export function registerCreditRoutes(app: FastifyInstance, deps: CreditRoutesDeps): void {
  const knownAccount = (account: string): void => {
    if (!deps.credits.has(account))
      throw new ApiError(404, 'NOT_FOUND', `account: no account "${account}"`, 'account');
  };

  // An account reads its own balance; an admin key reads any account's with ?account=.
  app.get<{ Querystring: { account?: string } }>('/v1/balance', async (request) => {
    const asked = request.query.account;
    if (asked !== undefined && deps.auth.isAdmin(request)) {
      knownAccount(asked);
      return deps.credits.balance(asked);
    }
    const account = deps.authenticate(request);
    if (asked !== undefined && asked !== account.id) {
      throw new ApiError(403, 'FORBIDDEN', `account: an account key reads its own balance only`, 'account');
    }
    return deps.credits.balance(account.id);
  });

  app.post<{ Params: { account: string } }>('/v1/admin/accounts/:account/credits', async (request) => {
    deps.auth.admin(request);
    const account = request.params.account;
    knownAccount(account);
    const body = request.body as { add?: unknown } | null;
    const amount = body && typeof body === 'object' ? body.add : undefined;
    if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount === 0) {
      throw new ApiError(400, 'INVALID_FIELD', 'add: expected a non-zero integer (segments)', 'add');
    }
    const view = await deps.credits.add(account, amount);
    if (!view) {
      throw new ApiError(
        409,
        'UNLIMITED',
        `account: ${account} has no credits configured (unlimited); nothing to top up`,
        'account',
      );
    }
    return view;
  });
}
