// What happens to a whole inbound message: find the short code (and so the owning account), route its text
// through the keyword table, act on the route (opt out, opt back in, answer, call a keyword webhook), let
// the auto-responder answer, then forward it to the account (event stream and webhook).
// Everything here may run again for the same message (at-least-once routing), so each effect is idempotent
// or keyed by the message id: opt-out set operations, replies deduplicated by clientRef, webhook delivery ids.
import type { Logger } from 'pino';
import type { WebhookSender } from '../api/webhooks.js';
import { CodecError } from '../codec/index.js';
import type { AccountConfig, Config, ShortCodeConfig } from '../config/index.js';
import type { GatewayMetrics } from '../metrics/index.js';
import type { OptOutList } from '../policy/index.js';
import { QueueError, type MessageQueue } from '../queue/index.js';
import type { MoStore } from '../store/index.js';
import { AutoResponder } from './auto-responder.js';
import { KeywordRouter, type MoRoute, type RouteDecision } from './keyword-router.js';
import { originatorE164 } from './originator.js';
import type { AssembledMo } from './reassembly.js';

export type ReplyKind = 'stop' | 'start' | 'help' | 'keyword' | 'auto';

export interface MoOutcome {
  route: MoRoute;
  account?: string;
  /** The originator in E.164, when it is a phone number. */
  number?: string;
  /** Replies queued (by kind). */
  replies: ReplyKind[];
}

export interface MoHandlerDeps {
  mo: MoStore;
  config: Config;
  queue: Pick<MessageQueue, 'enqueue'>;
  optOuts: OptOutList;
  webhooks?: Pick<WebhookSender, 'enqueue'> | undefined;
  logger: Logger;
  metrics?: GatewayMetrics | undefined;
}

/** The JSON body posted to the account's webhook and to keyword webhooks. */
export interface MoWebhookPayload {
  event: 'mo';
  id: string;
  account: string;
  operator: string;
  from: string;
  to: string;
  text: string;
  encoding: string;
  route: MoRoute;
  keyword?: string;
  incomplete: boolean;
  parts: { received: number; total: number; missing?: number[] };
  receivedAt: string;
}

const digitsOf = (code: string) => code.replace(/^\+/, '');

export class MoHandler {
  private readonly shortCodes = new Map<string, ShortCodeConfig>();
  private readonly routers = new Map<string, KeywordRouter>();
  private readonly accounts: Map<string, AccountConfig>;
  private readonly autoResponder: AutoResponder;
  private readonly defaultRouter: KeywordRouter;

  constructor(private readonly deps: MoHandlerDeps) {
    const { config } = deps;
    for (const shortCode of config.shortCodes) {
      this.shortCodes.set(digitsOf(shortCode.code), shortCode);
      this.routers.set(shortCode.code, KeywordRouter.forShortCode(config.keywords, shortCode));
    }
    this.defaultRouter = KeywordRouter.forShortCode(config.keywords, undefined);
    this.accounts = new Map(config.accounts.map((a) => [a.id, a]));
    this.autoResponder = new AutoResponder(deps.mo);
  }

  shortCodeFor(to: string): ShortCodeConfig | undefined {
    return this.shortCodes.get(digitsOf(to));
  }

  async handle(mo: AssembledMo): Promise<MoOutcome> {
    const { deps } = this;
    const log = deps.logger.child({ op: mo.operatorId, msgId: mo.id });
    const number = originatorE164(mo.from, mo.sourceAddrTon, deps.config.mo.defaultCountry);
    const shortCode = this.shortCodeFor(mo.to);
    if (!shortCode) {
      // Nobody owns it, so no keyword applies and nobody answers; the event stream still has it.
      const decision = this.defaultRouter.route(mo.text);
      log.warn(
        { to: mo.to, keywordRoute: decision.route },
        'MO to a number that is not a configured short code: published on the unrouted MO stream only',
      );
      await this.publish(mo, { route: 'default' }, number, undefined);
      deps.metrics?.mo.inc({ route: 'default' });
      return { route: 'default', replies: [], ...(number ? { number } : {}) };
    }
    const account = this.accounts.get(shortCode.account);
    const accountId = shortCode.account;
    const decision = this.routers.get(shortCode.code)!.route(mo.text);
    const replies: ReplyKind[] = [];
    const reply = async (kind: ReplyKind, text: string | undefined) => {
      if (text === undefined || number === undefined) return;
      if (await this.sendReply(mo, shortCode, number, kind, text, log)) replies.push(kind);
    };

    switch (decision.route) {
      case 'stop':
        if (number === undefined) {
          log.warn({ from: mo.from }, 'stop keyword from an originator that is not a phone number: ignored');
          break;
        }
        // The confirmation is queued first, so that an opt-out check on transactional traffic cannot hold
        // back the one message the person is owed; the opt-out follows before the MO is acknowledged.
        await reply('stop', decision.reply);
        {
          const { added } = await deps.optOuts.add(accountId, number, `mo:${shortCode.code}`, mo.receivedAt);
          log.info({ from: number, account: accountId, added }, 'number opted out by stop keyword');
        }
        break;
      case 'start':
        if (number === undefined) break;
        {
          const removed = await deps.optOuts.remove(accountId, number);
          log.info({ from: number, account: accountId, removed }, 'number opted back in by start keyword');
        }
        await reply('start', decision.reply);
        break;
      case 'help':
        await reply('help', decision.reply);
        break;
      case 'keyword':
        await reply('keyword', decision.reply);
        if (decision.webhook !== undefined && deps.webhooks) {
          await deps.webhooks.enqueue(
            decision.webhook,
            account?.webhook?.secret,
            this.payload(mo, decision, number, accountId),
            { id: `${mo.id}:keyword` },
          );
        }
        break;
      case 'default':
        break;
    }
    if (number !== undefined) {
      const text = await this.autoResponder.replyFor(shortCode, decision.route, number);
      await reply('auto', text);
    }

    await this.publish(mo, decision, number, accountId);
    if (account?.webhook && deps.webhooks) {
      await deps.webhooks.enqueue(
        account.webhook.url,
        account.webhook.secret,
        this.payload(mo, decision, number, accountId),
        { id: `${mo.id}:mo` },
      );
    }
    const metricRoute =
      decision.route === 'default' && replies.includes('auto') ? 'autoresponder' : decision.route;
    deps.metrics?.mo.inc({ route: metricRoute });
    log.info(
      {
        route: decision.route,
        keyword: decision.keyword,
        replies,
        incomplete: mo.incomplete,
        parts: mo.received,
      },
      'MO routed',
    );
    return { route: decision.route, account: accountId, replies, ...(number ? { number } : {}) };
  }

  /** Queue a reply as a transactional message from the short code; false when it cannot be sent at all. */
  private async sendReply(
    mo: AssembledMo,
    shortCode: ShortCodeConfig,
    to: string,
    kind: ReplyKind,
    text: string,
    log: Logger,
  ): Promise<boolean> {
    try {
      const result = await this.deps.queue.enqueue({
        account: shortCode.account,
        to,
        from: shortCode.code,
        text,
        class: 'transactional',
        // Routing the same MO again (after a crash) must not answer twice: enqueue deduplicates on it.
        clientRef: `${mo.id}:${kind}`,
      });
      log.debug({ kind, replyId: result.id, duplicate: result.duplicate }, 'reply queued');
      return true;
    } catch (error) {
      // A reply that can never go (no route, text the operator cannot carry) must not block the MO; one that
      // may go later (queue full, Redis) makes the whole routing retry.
      if ((error instanceof QueueError && !error.retryable) || error instanceof CodecError) {
        log.warn({ err: error, kind }, 'reply not sent');
        return false;
      }
      throw error;
    }
  }

  private payload(
    mo: AssembledMo,
    decision: RouteDecision,
    number: string | undefined,
    account: string,
  ): MoWebhookPayload {
    const payload: MoWebhookPayload = {
      event: 'mo',
      id: mo.id,
      account,
      operator: mo.operatorId,
      from: number ?? mo.from,
      to: mo.to,
      text: mo.text,
      encoding: mo.encoding,
      route: decision.route,
      incomplete: mo.incomplete,
      parts: {
        received: mo.received,
        total: mo.total,
        ...(mo.incomplete ? { missing: mo.missing } : {}),
      },
      receivedAt: new Date(mo.receivedAt).toISOString(),
    };
    if (decision.keyword !== undefined && decision.route !== 'default') payload.keyword = decision.keyword;
    return payload;
  }

  /** The MO on the event stream (SPEC §4): `type=mo` with from, to, text, route, account, incomplete. */
  private async publish(
    mo: AssembledMo,
    decision: Pick<RouteDecision, 'route' | 'keyword'>,
    number: string | undefined,
    account: string | undefined,
  ): Promise<void> {
    const fields: string[] = ['type', 'mo', 'id', mo.id, 'operator', mo.operatorId];
    if (account !== undefined) fields.push('account', account);
    fields.push('from', number ?? mo.from, 'to', mo.to, 'text', mo.text, 'encoding', mo.encoding);
    fields.push('route', decision.route);
    if (decision.keyword !== undefined) fields.push('keyword', decision.keyword);
    fields.push('incomplete', String(mo.incomplete), 'parts', `${mo.received}/${mo.total}`);
    if (mo.incomplete) fields.push('missing', mo.missing.join(','));
    if (mo.decodeError !== undefined) fields.push('decodeError', mo.decodeError);
    fields.push('at', String(mo.receivedAt));
    // An MO to a number no account owns has no account stream: it goes to the operators' own stream.
    await this.deps.mo.publish(account, fields);
  }
}
