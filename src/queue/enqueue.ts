// Enqueue: every ingress (HTTP, Redis stream, SMPP server) ends here. Messages are routed, encoded and
// split now, so the record holds the exact parts to submit, and written in batches through the store:
// a batch is one Redis call, and single messages arriving together are batched too. A call returns only
// once Redis has the message.
import { splitMessage, type EncodingOptions, type SplitResult } from '../codec/index.js';
import type { AccountConfig, Config, OperatorConfig } from '../config/index.js';
import type { GatewayMetrics } from '../metrics/index.js';
import {
  Batcher,
  newMessageId,
  type MessageState,
  type MessageStore,
  type NewMessage,
  type NewRecord,
  type StoredSegment,
} from '../store/index.js';
import { QueueError } from './errors.js';

export interface EnqueueResult {
  id: string;
  state: MessageState;
  segments: number;
  encoding: SplitResult['encoding'];
  operator: string;
  /** true when clientRef matched an earlier message: `id` is that message's. */
  duplicate: boolean;
}

/** One message's outcome in a batch: its result, or the error that refused it alone. */
export type EnqueueOutcome = { ok: true; result: EnqueueResult } | { ok: false; error: unknown };

export type OperatorSelector = (to: string, from: string) => string | undefined;

/**
 * The campaign policy's answer for one message at one instant (SPEC §3): send, refuse (recorded as
 * `error` at stage `policy` with a code such as OPTED_OUT), or defer to a later time (`scheduled`, the
 * reason recorded as the state's detail).
 */
export type PolicyVerdict =
  | { action: 'send' }
  | { action: 'refuse'; code: string; message: string }
  | { action: 'defer'; until: number; reason: string };

/** What the policy reads of a message (a `NewMessage` has it all; at send time there is no text). */
export interface PolicySubject {
  account: string;
  to: string;
  class: NewMessage['class'];
  text?: string | undefined;
  zone?: string | undefined;
  validUntil?: number | undefined;
}

/** May `message` leave at `at` (epoch ms: now, or its requested send time when later)? */
export type PolicyCheck = (message: PolicySubject, at: number) => Promise<PolicyVerdict> | PolicyVerdict;

/**
 * The text a message is sent with, decided before it is encoded (so an appended STOP mention counts in
 * the segments), or a refusal (`STOP_MENTION_MISSING`).
 */
export type TextPolicy = (
  message: NewMessage,
) => { ok: true; text: string } | { ok: false; code: string; message: string };

export interface MessageQueueOptions {
  /** The STOP mention, applied before encoding; omitted: texts are sent as given. */
  text?: TextPolicy;
  /** `smppgw_policy_decisions_total{stage="enqueue"}`. */
  metrics?: GatewayMetrics;
  /**
   * An account's balance after a batch charged it, and whether this batch fired its low-balance alert
   * (once per crossing, across instances: the flag is set in the enqueue script).
   */
  onCredit?: (account: string, balance: number, lowAlert: boolean) => void;
}

/** The metric labels of a verdict: decision and reason (`none` when sent). */
export function verdictLabels(verdict: PolicyVerdict): { decision: string; reason: string } {
  switch (verdict.action) {
    case 'send':
      return { decision: 'send', reason: 'none' };
    case 'defer':
      return { decision: 'defer', reason: verdict.reason };
    case 'refuse':
      return { decision: 'refuse', reason: verdict.code };
  }
}

/** The policy threw (a caller's mistake such as an invalid zone, never a verdict): a refusal with its code. */
export function verdictOfError(error: unknown): PolicyVerdict {
  const code =
    typeof (error as { code?: unknown }).code === 'string'
      ? (error as { code: string }).code
      : 'POLICY_ERROR';
  return {
    action: 'refuse',
    code,
    message: `the campaign policy could not decide: ${error instanceof Error ? error.message : String(error)}`,
  };
}

export function encodingOptionsFor(operator: OperatorConfig, account?: AccountConfig): EncodingOptions {
  return {
    gsm7DataCoding: operator.gsm7DataCoding,
    packed: operator.packed,
    latin1: operator.latin1,
    smartEncoding: account?.smartEncoding ?? false,
    ...(operator.nationalLanguage ? { nationalLanguage: operator.nationalLanguage } : {}),
    concatenation: operator.concatenation,
    maxParts: operator.maxParts,
  };
}

export function storedSegments(split: SplitResult): StoredSegment[] {
  return split.segments.map((segment) => ({
    sm: segment.shortMessage.toString('base64'),
    udhi: segment.udhi,
    ...(segment.sar ? { sar: segment.sar } : {}),
    ...(segment.messagePayload ? { payload: segment.messagePayload.toString('base64') } : {}),
  }));
}

interface Planned {
  index: number;
  message: NewMessage;
  /** The text to encode: the message's, with its STOP mention when one was appended. */
  text: string;
  /** Refused before encoding (STOP_MENTION_MISSING): the policy is not asked further. */
  refused?: { code: string; message: string };
  operator: OperatorConfig;
  split: SplitResult;
}

export class MessageQueue {
  private readonly operators: Map<string, OperatorConfig>;
  private readonly accounts: Map<string, AccountConfig>;
  private readonly singles: Batcher<{ message: NewMessage; now: number }, EnqueueOutcome>;

  constructor(
    private readonly store: MessageStore,
    private readonly config: Config,
    private readonly selectOperator: OperatorSelector,
    private readonly policy?: PolicyCheck,
    private readonly options: MessageQueueOptions = {},
  ) {
    this.operators = new Map(config.operators.map((o) => [o.id, o]));
    this.accounts = new Map(config.accounts.map((a) => [a.id, a]));
    // Concurrent single-message requests share one Redis call, stamped with the latest of their clocks
    // (they arrived within the same turn of the event loop).
    this.singles = new Batcher((items) =>
      this.enqueueMany(
        items.map((item) => item.message),
        Math.max(...items.map((item) => item.now)),
      ),
    );
  }

  /**
   * The segments `message` would be sent in, its text shaped as enqueue shapes it (the STOP mention
   * appended), without writing anything: a campaign's segment range and credits before launch. Throws as
   * enqueue would (NO_ROUTE, a codec error); undefined when the text policy would refuse it.
   */
  segmentsOf(message: NewMessage): number | undefined {
    const operatorId = this.selectOperator(message.to, message.from);
    const operator = operatorId ? this.operators.get(operatorId) : undefined;
    if (!operator) throw new QueueError('NO_ROUTE', `to: no route to ${message.to}`);
    const shaped = this.options.text?.(message) ?? { ok: true, text: message.text };
    if (!shaped.ok) return undefined;
    const options = encodingOptionsFor(operator, this.accounts.get(message.account));
    return splitMessage(shaped.text, { ...options, reference: 0 }).segments.length;
  }

  /** Enqueue one message; throws its refusal (QueueError, CodecError) or a Redis failure. */
  async enqueue(message: NewMessage, now: number = Date.now()): Promise<EnqueueResult> {
    const outcome = await this.singles.add({ message, now });
    if (!outcome.ok) throw outcome.error;
    return outcome.result;
  }

  /**
   * Enqueue a batch in one Redis call. One message's bad input or refusal does not fail the others (its
   * outcome carries the error); Redis going away fails the whole call.
   */
  async enqueueMany(messages: readonly NewMessage[], now: number = Date.now()): Promise<EnqueueOutcome[]> {
    const outcomes: EnqueueOutcome[] = new Array<EnqueueOutcome>(messages.length);
    const planned: Planned[] = [];
    const needsReference: Planned[] = [];
    messages.forEach((message, index) => {
      try {
        const operatorId = this.selectOperator(message.to, message.from);
        const operator = operatorId ? this.operators.get(operatorId) : undefined;
        if (!operator) throw new QueueError('NO_ROUTE', `to: no route to ${message.to}`);
        const options = encodingOptionsFor(operator, this.accounts.get(message.account));
        // The STOP mention first, so its characters are counted (and can make the text UCS-2).
        const shaped = this.options.text?.(message) ?? { ok: true, text: message.text };
        const text = shaped.ok ? shaped.text : message.text;
        const split = splitMessage(text, { ...options, reference: 0 });
        const plan: Planned = { index, message, text, operator, split };
        if (!shaped.ok) plan.refused = { code: shaped.code, message: shaped.message };
        planned.push(plan);
        if (split.segments.length > 1) needsReference.push(plan);
      } catch (error) {
        outcomes[index] = { ok: false, error };
      }
    });
    // Multi-part messages get their concatenation reference in one round trip for the whole batch.
    const references = await this.store.nextReferences(needsReference.map((p) => p.message.to));
    needsReference.forEach((plan, i) => {
      const options = encodingOptionsFor(plan.operator, this.accounts.get(plan.message.account));
      const modulo = plan.operator.concatenation === 'udh16' ? 65536 : 256;
      plan.split = splitMessage(plan.text, { ...options, reference: references[i]! % modulo });
    });

    const full = await this.fullQueues(planned);
    const verdicts = await Promise.all(planned.map((p) => this.verdictFor(p, now)));
    const records: NewRecord[] = [];
    const written: Array<{ plan: Planned; record: NewRecord; verdict: PolicyVerdict | undefined }> = [];
    planned.forEach((plan, i) => {
      const { message, operator, split } = plan;
      const lane = message.class === 'transactional' ? 'transactional' : 'marketing';
      const depth = full.get(`${operator.id}|${lane}`);
      if (depth !== undefined) {
        outcomes[plan.index] = {
          ok: false,
          error: new QueueError(
            'QUEUE_FULL',
            `the queue for operator ${operator.id} is full (${depth} messages): retry later`,
            { retryable: true },
          ),
        };
        return;
      }
      const verdict = verdicts[i];
      let sendAt = message.sendAt;
      const deferred = verdict?.action === 'defer' && verdict.until > (sendAt ?? 0) ? verdict : undefined;
      if (deferred) sendAt = deferred.until;
      const scheduled = sendAt !== undefined && sendAt > now;
      const refused = verdict?.action === 'refuse' ? verdict : undefined;
      const record: NewRecord = {
        context: {
          id:
            message.id ??
            newMessageId(
              now,
              this.store.keys.pickShard(
                message.clientRef !== undefined ? `${message.account}\n${message.clientRef}` : undefined,
              ),
            ),
          account: message.account,
          ...(message.clientRef !== undefined ? { clientRef: message.clientRef } : {}),
          ...(message.campaignId !== undefined ? { campaignId: message.campaignId } : {}),
          hasCallback: message.callbackUrl !== undefined,
          // The state notifier reads only the changes someone is to be told of (docs/storage.md).
          notify:
            message.callbackUrl !== undefined || this.accounts.get(message.account)?.webhook !== undefined,
          segments: split.segments.length,
          to: message.to,
          class: message.class,
        },
        meta: {
          from: message.from,
          operator: operator.id,
          encoding: split.encoding,
          dataCoding: split.dataCoding,
          segs: storedSegments(split),
          ...(message.callbackUrl !== undefined ? { callbackUrl: message.callbackUrl } : {}),
          ...(message.zone !== undefined ? { zone: message.zone } : {}),
          ...(sendAt !== undefined ? { sendAt } : {}),
          ...(message.validUntil !== undefined ? { validUntil: message.validUntil } : {}),
          ...(message.registeredDelivery !== undefined
            ? {
                registeredDelivery: message.registeredDelivery,
                textStart: [...message.text].slice(0, 20).join(''),
              }
            : {}),
        },
        lane,
        state: refused ? 'error' : scheduled ? 'scheduled' : 'queued',
        ...(scheduled ? { dueMs: sendAt } : {}),
        ...(refused ? { error: { code: refused.code, message: refused.message } } : {}),
        ...(deferred && !refused ? { detail: deferred.reason } : {}),
        ...(message.id !== undefined ? { preallocated: true } : {}),
        ...(message.ingressId !== undefined ? { ingressId: message.ingressId } : {}),
      };
      // Credit (SPEC §3): reserved in the enqueue script, item by item, for what is queued or scheduled.
      const account = this.accounts.get(message.account);
      if (!refused && account?.credits !== undefined) {
        record.credit = {
          charge: split.segments.length,
          initial: account.credits,
          threshold: account.lowBalanceThreshold,
        };
      }
      records.push(record);
      written.push({ plan, record, verdict });
    });
    const results = await this.store.write(records, now);
    const duplicates = await Promise.all(
      results.map((r) =>
        r.written || r.duplicateOf === undefined ? undefined : this.store.summary(r.duplicateOf),
      ),
    );
    const balances = new Map<string, { balance: number; lowAlert: boolean }>();
    written.forEach(({ plan, record, verdict }, i) => {
      const result = results[i]!;
      if (result.written && result.credit) {
        const seen = balances.get(plan.message.account);
        balances.set(plan.message.account, {
          balance: result.credit.balance,
          lowAlert: (seen?.lowAlert ?? false) || result.credit.lowAlert,
        });
      }
      if (!result.written && result.insufficientCredit) {
        const { balance, needed } = result.insufficientCredit;
        this.options.metrics?.policyDecisions.inc({
          stage: 'enqueue',
          decision: 'refuse',
          reason: 'INSUFFICIENT_CREDIT',
        });
        outcomes[plan.index] = {
          ok: false,
          error: new QueueError(
            'INSUFFICIENT_CREDIT',
            `account ${plan.message.account} has ${balance} credits left and the message needs ${needed}`,
          ),
        };
        return;
      }
      if (result.written && verdict) {
        this.options.metrics?.policyDecisions.inc({ stage: 'enqueue', ...verdictLabels(verdict) });
      }
      if (result.written) {
        outcomes[plan.index] = {
          ok: true,
          result: {
            id: record.context.id,
            state: record.state,
            segments: plan.split.segments.length,
            encoding: plan.split.encoding,
            operator: plan.operator.id,
            duplicate: false,
          },
        };
        return;
      }
      const first = duplicates[i];
      outcomes[plan.index] = {
        ok: true,
        result: {
          id: result.duplicateOf!,
          state: first?.state ?? record.state,
          segments: first?.segments ?? plan.split.segments.length,
          encoding: (first?.encoding as SplitResult['encoding'] | undefined) ?? plan.split.encoding,
          operator: first?.operator ?? plan.operator.id,
          duplicate: true,
        },
      };
    });
    for (const [account, { balance, lowAlert }] of balances)
      this.options.onCredit?.(account, balance, lowAlert);
    return outcomes;
  }

  /**
   * The policy's verdict for one planned message, at the instant it would leave (now, or its send time when
   * later); undefined without a policy. A throw (a caller's mistake) refuses this message alone; a Redis
   * failure (reading the opt-out) fails the whole call.
   */
  private async verdictFor(plan: Planned, now: number): Promise<PolicyVerdict | undefined> {
    if (plan.refused) return { action: 'refuse', ...plan.refused };
    if (!this.policy) return undefined;
    const at = Math.max(now, plan.message.sendAt ?? now);
    try {
      return await this.policy({ ...plan.message, text: plan.text }, at);
    } catch (error) {
      if (isPolicyMistake(error)) return verdictOfError(error);
      throw error;
    }
  }

  /** The operator lanes of this batch that are at `queue.maxDepth`, with their depth. */
  private async fullQueues(planned: readonly Planned[]): Promise<Map<string, number>> {
    const lanes = new Map<string, { operator: string; lane: 'transactional' | 'marketing' }>();
    for (const { operator, message } of planned) {
      const lane = message.class === 'transactional' ? 'transactional' : 'marketing';
      lanes.set(`${operator.id}|${lane}`, { operator: operator.id, lane });
    }
    const full = new Map<string, number>();
    await Promise.all(
      [...lanes].map(async ([key, { operator, lane }]) => {
        const depth = await this.store.depth(operator, lane);
        if (depth >= this.config.queue.maxDepth) full.set(key, depth);
      }),
    );
    return full;
  }
}

/** A PolicyError (name and code): a message the policy cannot decide, as opposed to Redis going away. */
export function isPolicyMistake(error: unknown): boolean {
  return error instanceof Error && error.name === 'PolicyError';
}
