// Enqueue: every ingress (HTTP, Redis stream, SMPP server) ends here. Messages are routed, encoded and
// split now, so the record holds the exact parts to submit, and written in batches through the store:
// a batch is one Redis call, and single messages arriving together are batched too. A call returns only
// once Redis has the message.
import { splitMessage, type EncodingOptions, type SplitResult } from '../codec/index.js';
import type { AccountConfig, Config, OperatorConfig } from '../config/index.js';
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
 * `error` at stage `policy` with a code such as OPTED_OUT), or defer to a later time (`scheduled`).
 */
export type PolicyVerdict =
  | { action: 'send' }
  | { action: 'refuse'; code: string; message: string }
  | { action: 'defer'; until: number; reason: string };

export type PolicyCheck = (message: NewMessage, now: number) => Promise<PolicyVerdict>;

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
        const split = splitMessage(message.text, { ...options, reference: 0 });
        const plan = { index, message, operator, split };
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
      plan.split = splitMessage(plan.message.text, { ...options, reference: references[i]! % modulo });
    });

    const full = await this.fullQueues(planned);
    const verdicts = await Promise.all(
      planned.map((p) => (this.policy ? this.policy(p.message, now) : Promise.resolve(undefined))),
    );
    const records: NewRecord[] = [];
    const written: Array<{ plan: Planned; record: NewRecord }> = [];
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
      if (verdict?.action === 'defer' && verdict.until > (sendAt ?? 0)) sendAt = verdict.until;
      const scheduled = sendAt !== undefined && sendAt > now;
      const refused = verdict?.action === 'refuse' ? verdict : undefined;
      const record: NewRecord = {
        context: {
          id: message.id ?? newMessageId(now),
          account: message.account,
          ...(message.clientRef !== undefined ? { clientRef: message.clientRef } : {}),
          ...(message.campaignId !== undefined ? { campaignId: message.campaignId } : {}),
          hasCallback: message.callbackUrl !== undefined,
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
        ...(message.id !== undefined ? { preallocated: true } : {}),
      };
      records.push(record);
      written.push({ plan, record });
    });
    const results = await this.store.write(records, now);
    const duplicates = await Promise.all(
      results.map((r) => (r.written ? undefined : this.store.summary(r.duplicateOf))),
    );
    written.forEach(({ plan, record }, i) => {
      const result = results[i]!;
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
          id: result.duplicateOf,
          state: first?.state ?? record.state,
          segments: first?.segments ?? plan.split.segments.length,
          encoding: (first?.encoding as SplitResult['encoding'] | undefined) ?? plan.split.encoding,
          operator: first?.operator ?? plan.operator.id,
          duplicate: true,
        },
      };
    });
    return outcomes;
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
