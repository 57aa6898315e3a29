// Enqueue: every ingress (HTTP, Redis stream, SMPP server) ends here. The message is encoded and split
// now, so the record holds the exact parts to submit, and the call returns only once Redis has it all.
import type { Redis } from 'ioredis';
import { splitMessage, type EncodingOptions, type SplitResult } from '../codec/index.js';
import type { AccountConfig, Config, OperatorConfig } from '../config/index.js';
import { QueueError } from './errors.js';
import { newMessageId } from './ids.js';
import type { RedisKeys } from './keys.js';
import type { MessageState, NewMessage, StoredSegment } from './message.js';
import { replyArray, scripts } from './scripts.js';

export const EVENTS_MAXLEN = 1_000_000;
const CLIENT_REF_TTL_SECONDS = 24 * 3600;

export interface EnqueueResult {
  id: string;
  state: MessageState;
  segments: number;
  encoding: SplitResult['encoding'];
  operator: string;
  /** true when clientRef matched an earlier message: `id` is that message's. */
  duplicate: boolean;
}

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

export class MessageQueue {
  private readonly operators: Map<string, OperatorConfig>;
  private readonly accounts: Map<string, AccountConfig>;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly config: Config,
    private readonly selectOperator: OperatorSelector,
    private readonly policy?: PolicyCheck,
  ) {
    this.operators = new Map(config.operators.map((o) => [o.id, o]));
    this.accounts = new Map(config.accounts.map((a) => [a.id, a]));
  }

  /** Allocate a concatenation reference that rotates per destination (never shared by two live messages). */
  private async nextReference(to: string, modulo: number): Promise<number> {
    const key = this.keys.concatReference(to);
    const n = await this.redis.incr(key);
    if (n === 1) await this.redis.expire(key, 7 * 24 * 3600);
    return n % modulo;
  }

  async enqueue(message: NewMessage, now: number = Date.now()): Promise<EnqueueResult> {
    const operatorId = this.selectOperator(message.to, message.from);
    const operator = operatorId ? this.operators.get(operatorId) : undefined;
    if (!operator) throw new QueueError('NO_ROUTE', `to: no route to ${message.to}`);
    const options = encodingOptionsFor(operator, this.accounts.get(message.account));
    let split = splitMessage(message.text, { ...options, reference: 0 });
    if (split.segments.length > 1) {
      const modulo = operator.concatenation === 'udh16' ? 65536 : 256;
      split = splitMessage(message.text, {
        ...options,
        reference: await this.nextReference(message.to, modulo),
      });
    }
    const lane = message.class === 'transactional' ? 'transactional' : 'marketing';
    const stream = this.keys.stream(operator.id, lane);
    const depth = await this.redis.xlen(stream);
    if (depth >= this.config.queue.maxDepth) {
      throw new QueueError(
        'QUEUE_FULL',
        `the queue for operator ${operator.id} is full (${depth} messages): retry later`,
        {
          retryable: true,
        },
      );
    }
    const policy = this.policy ? await this.policy(message, now) : undefined;
    if (policy?.action === 'defer' && policy.until > (message.sendAt ?? 0)) {
      message = { ...message, sendAt: policy.until };
    }
    const scheduled = message.sendAt !== undefined && message.sendAt > now;
    const id = newMessageId(now);
    const fields: Array<string | number> = [
      'id',
      id,
      'account',
      message.account,
      'to',
      message.to,
      'from',
      message.from,
      'text',
      message.text,
      'class',
      message.class,
      'lane',
      lane,
      'operator',
      operator.id,
      'encoding',
      split.encoding,
      'dataCoding',
      split.dataCoding,
      'segments',
      split.segments.length,
      'segs',
      JSON.stringify(storedSegments(split)),
      'attempts',
      0,
    ];
    const optional: Array<[string, string | number | undefined]> = [
      ['sendAt', message.sendAt],
      ['validUntil', message.validUntil],
      ['clientRef', message.clientRef],
      ['callbackUrl', message.callbackUrl],
      ['campaignId', message.campaignId],
      ['zone', message.zone],
    ];
    for (const [name, value] of optional) if (value !== undefined) fields.push(name, value);
    const refused = policy?.action === 'refuse' ? policy : undefined;
    const state: MessageState = refused ? 'error' : scheduled ? 'scheduled' : 'queued';
    const reply = replyArray(
      await scripts.enqueue.run(
        this.redis,
        [
          this.keys.message(id),
          scheduled ? this.keys.scheduled(operator.id) : stream,
          message.clientRef ? this.keys.clientRef(message.account, message.clientRef) : this.keys.message(id),
          this.keys.events(),
        ],
        [
          id,
          refused ? 'none' : scheduled ? 'scheduled' : 'stream',
          message.sendAt ?? 0,
          message.clientRef ? CLIENT_REF_TTL_SECONDS : 0,
          now,
          this.config.messages.retentionDays * 86_400,
          EVENTS_MAXLEN,
          lane,
          state,
          this.keys.prefix,
          refused?.code ?? '',
          refused?.message ?? '',
          ...fields,
        ],
      ),
    );
    if (reply[0] === 'duplicate') {
      const firstId = String(reply[1]);
      const first = await this.redis.hmget(
        this.keys.message(firstId),
        'state',
        'segments',
        'encoding',
        'operator',
      );
      return {
        id: firstId,
        state: (first[0] as MessageState | null) ?? state,
        segments: Number(first[1] ?? split.segments.length),
        encoding: (first[2] as SplitResult['encoding'] | null) ?? split.encoding,
        operator: first[3] ?? operator.id,
        duplicate: true,
      };
    }
    return {
      id,
      state,
      segments: split.segments.length,
      encoding: split.encoding,
      operator: operator.id,
      duplicate: false,
    };
  }
}
