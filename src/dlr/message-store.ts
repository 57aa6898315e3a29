// The message store: the record of every message in Redis (state, history, parts, SMSC ids, error),
// read for the API and changed only through the Lua scripts so concurrent instances stay consistent.
import type { Redis } from 'ioredis';
import type { MessageIdFormat } from '../config/index.js';
import type { RedisKeys } from '../queue/keys.js';
import { EVENTS_MAXLEN } from '../queue/enqueue.js';
import type {
  ErrorStage,
  HistoryEntry,
  MessageClass,
  MessageState,
  MessageView,
  PartView,
} from '../queue/message.js';
import { replyArray, scripts } from '../queue/scripts.js';
import { isFinalReceiptStat } from '../smpp/pdu/index.js';
import { smscIdForms } from './message-id.js';

export interface TransitionOptions {
  error?: { stage: ErrorStage; code: string; message: string };
  detail?: string;
  now?: number;
}

export interface PartRef {
  messageId: string;
  part: number;
}

export class MessageStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async raw(id: string): Promise<Record<string, string> | undefined> {
    const record = await this.redis.hgetall(this.keys.message(id));
    return record.id ? record : undefined;
  }

  async get(id: string): Promise<MessageView | undefined> {
    const r = await this.raw(id);
    return r ? toView(r) : undefined;
  }

  async transition(
    id: string,
    to: MessageState,
    options: TransitionOptions = {},
  ): Promise<{ changed: boolean; previous: string }> {
    const reply = replyArray(
      await scripts.transition.run(
        this.redis,
        [this.keys.message(id), this.keys.events(), this.keys.receiptDeadlines()],
        [
          to,
          options.now ?? Date.now(),
          EVENTS_MAXLEN,
          options.error?.stage ?? '',
          options.error?.code ?? '',
          options.error?.message ?? '',
          options.detail ?? '',
          this.keys.prefix,
        ],
      ),
    );
    return { changed: reply[0] === 1, previous: String(reply[1] ?? '') };
  }

  /** submit_sm_resp ok for one part: index its SMSC id (for receipts) and settle `delivered` when all are in. */
  async partAccepted(
    ref: PartRef,
    operatorId: string,
    smscId: string,
    options: { format: MessageIdFormat; receiptTimeoutMs: number; indexTtlSeconds: number; now?: number },
  ): Promise<{ accepted: number; total: number; state: string; settled: boolean }> {
    const indexKeys = smscIdForms(smscId, options.format).map((form) => this.keys.smscId(operatorId, form));
    const reply = replyArray(
      await scripts.partAccepted.run(
        this.redis,
        [this.keys.message(ref.messageId), this.keys.events(), this.keys.receiptDeadlines(), ...indexKeys],
        [
          ref.part,
          smscId,
          options.now ?? Date.now(),
          `${ref.messageId}:${ref.part}`,
          options.indexTtlSeconds,
          EVENTS_MAXLEN,
          options.receiptTimeoutMs,
          this.keys.prefix,
        ],
      ),
    );
    return {
      accepted: Number(reply[0]),
      total: Number(reply[1]),
      state: String(reply[2] ?? ''),
      settled: Number(reply[3]) === 1,
    };
  }

  /** Find the part an SMSC id belongs to, trying the id's canonical forms in order. */
  async findPart(operatorId: string, smscId: string, format: MessageIdFormat): Promise<PartRef | undefined> {
    const forms = smscIdForms(smscId, format);
    if (forms.length === 0) return undefined;
    const values = await this.redis.mget(...forms.map((f) => this.keys.smscId(operatorId, f)));
    for (const value of values) {
      if (!value) continue;
      const sep = value.lastIndexOf(':');
      return { messageId: value.slice(0, sep), part: Number(value.slice(sep + 1)) };
    }
    return undefined;
  }

  /** Settle delivered messages whose receipt deadline passed as final "delivered, unconfirmed". */
  async settleReceiptDeadlines(max = 500): Promise<number> {
    return Number(
      await scripts.receiptDeadlines.run(
        this.redis,
        [this.keys.receiptDeadlines(), this.keys.events()],
        [max, EVENTS_MAXLEN, this.keys.prefix, this.keys.messagePrefix()],
      ),
    );
  }

  /** Account figures, or a campaign's when `campaignId` is given (SPEC §3 campaign statistics). */
  async figures(accountId: string, campaignId?: string): Promise<Figures> {
    const key = campaignId
      ? this.keys.campaignFigures(accountId, campaignId)
      : this.keys.accountFigures(accountId);
    return toFigures(await this.redis.hgetall(key));
  }

  async applyReceipt(
    ref: PartRef,
    stat: string,
    err: string,
    now: number = Date.now(),
  ): Promise<{ result: 'applied' | 'duplicate' | 'missing'; state: string }> {
    const reply = replyArray(
      await scripts.receipt.run(
        this.redis,
        [this.keys.message(ref.messageId), this.keys.events(), this.keys.receiptDeadlines()],
        [
          ref.part,
          stat,
          err,
          now,
          EVENTS_MAXLEN,
          isFinalReceiptStat(stat) ? 'final' : 'interim',
          this.keys.prefix,
        ],
      ),
    );
    return { result: String(reply[0]) as 'applied' | 'duplicate' | 'missing', state: String(reply[1] ?? '') };
  }
}

export interface Figures {
  /** Accepted by an ingress (including those refused by policy). */
  total: number;
  /** Accepted by the operator's SMSC (reached `delivered`). */
  produced: number;
  /** Ended in error before or at submission (policy or submit stage). */
  productionErrors: number;
  /** Still to produce: queued, scheduled or sending. */
  remaining: number;
  cancelled: number;
  /** Produced and not failed by a receipt. */
  delivered: number;
  /** Failed by a receipt (UNDELIV, EXPIRED, REJECTD, ...). */
  deliveryErrors: number;
  confirmed: number;
  deliveredUnconfirmed: number;
  errorsByCode: Record<string, number>;
}

export function toFigures(raw: Record<string, string>): Figures {
  const n = (field: string) => Number(raw[field] ?? 0);
  const errorsByCode: Record<string, number> = {};
  for (const [field, value] of Object.entries(raw)) {
    if (field.startsWith('error:')) errorsByCode[field.slice('error:'.length)] = Number(value);
  }
  const total = n('total');
  const produced = n('produced');
  const productionErrors = n('productionErrors');
  const cancelled = n('cancelled');
  const deliveryErrors = n('deliveryErrors');
  return {
    total,
    produced,
    productionErrors,
    remaining: Math.max(0, total - produced - productionErrors - cancelled),
    cancelled,
    delivered: produced - deliveryErrors,
    deliveryErrors,
    confirmed: n('confirmed'),
    deliveredUnconfirmed: n('deliveredUnconfirmed'),
    errorsByCode,
  };
}

function iso(ms: string | number | undefined): string {
  const n = Number(ms);
  return Number.isFinite(n) ? new Date(n).toISOString() : '';
}

export function toView(r: Record<string, string>): MessageView {
  const segments = Number(r.segments ?? 0);
  const parts: PartView[] = [];
  for (let i = 1; i <= segments; i++) {
    const smscId = r[`p${i}.id`] ?? null;
    const stat = r[`p${i}.stat`];
    const err = r[`p${i}.err`];
    let state: PartView['state'] = smscId ? 'accepted' : 'pending';
    if (stat === 'DELIVRD') state = 'confirmed';
    else if (stat && isFinalReceiptStat(stat)) state = 'failed';
    parts.push({
      index: i,
      smscMessageId: smscId,
      state,
      ...(stat ? { stat } : {}),
      ...(err ? { err } : {}),
    });
  }
  const history = (JSON.parse(r.history ?? '[]') as HistoryEntry[]).map((h) => ({
    state: h.state,
    at: iso(h.at),
    ...(h.code ? { code: h.code } : {}),
    ...(h.detail ? { detail: h.detail } : {}),
  }));
  const view: MessageView = {
    id: r.id ?? '',
    account: r.account ?? '',
    to: r.to ?? '',
    from: r.from ?? '',
    class: (r.class ?? 'transactional') as MessageClass,
    state: (r.state ?? 'queued') as MessageState,
    operator: r.operator ?? '',
    encoding: r.encoding ?? '',
    segments,
    parts,
    history,
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
  };
  if (r.state === 'delivered' && (r.detail === 'unconfirmed' || r.detail === 'final'))
    view.unconfirmed = true;
  if (r.clientRef) view.clientRef = r.clientRef;
  if (r.campaignId) view.campaignId = r.campaignId;
  if (r.sendAt) view.sendAt = iso(r.sendAt);
  if (r.errorStage) {
    view.error = {
      stage: r.errorStage as ErrorStage,
      code: r.errorCode ?? '',
      message: r.errorMessage ?? '',
    };
  }
  return view;
}
