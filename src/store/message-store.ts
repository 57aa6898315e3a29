// The message store: every write of a message's record goes through here, in batches, through the Lua
// scripts of lua/ (one call for N messages), so concurrent instances stay consistent and Redis sees a
// handful of commands per message. Every move to a final state, whatever path made it (submit, receipt,
// receipt timeout, cancel, policy, expiry), passes through one hook: metrics, figures and credit follow it.
import type { RedisClient } from './connect.js';
import { ReplicationError } from './errors.js';
import type { MessageIdFormat } from '../config/index.js';
import { isFinalReceiptStat } from '../smpp/pdu/index.js';
import { Batcher } from './batcher.js';
import { groupBy } from './group.js';
import { CONSUMER_GROUP, RedisKeys, shardOfId, type Lane } from './keys.js';
import type { ErrorStage, MessageState, MessageView } from './message.js';
import {
  decodeContext,
  decodeMeta,
  decodeRecord,
  decodeRef,
  encodeContext,
  encodeMeta,
  encodeRef,
  oneLine,
  toView,
  type MessageContext,
  type MessageMeta,
  type MessageRecord,
  type MessageRef,
} from './record.js';
import { replyArray, scripts, type LuaArg, type LuaReply } from './scripts.js';
import { smscIdForms } from './smsc-id.js';

export const DEFAULT_EVENTS_MAXLEN = 1_000_000;
const CLIENT_REF_TTL_SECONDS = 24 * 3600;
/** How long a refund is remembered as applied (Cluster): far longer than a crashed move can wait. */
const REFUND_MARKER_TTL_SECONDS = 7 * 86_400;
/** A credit hold older than this is a crash's leftover (Cluster): MessageStore.sweepCreditHolds ends it. */
export const CREDIT_HOLD_STALE_MS = 60_000;
/** Messages per enqueue.lua call (its arguments stay well within the call stack and Lua's unpack). */
const WRITE_CHUNK = 1000;

export type FinalState = 'delivered' | 'confirmed' | 'error' | 'cancelled';

/** One message reaching a final state, reported once, by the call that made the change. */
export interface FinalChange {
  id: string;
  account: string;
  campaignId?: string;
  state: FinalState;
  errorStage?: ErrorStage;
  code?: string;
}

export type FinalStateHook = (change: FinalChange) => void;

export interface MessageStoreOptions {
  /** Per account event stream cap (XADD MAXLEN ~). */
  eventsMaxLen?: number;
  retentionDays?: number;
  onFinal?: FinalStateHook;
  /**
   * Redis WAIT after every write of new messages: the write resolves only once this many replicas have it,
   * and fails with NOTREPLICATED (the caller answers "retry") when they do not within `waitTimeoutMs`.
   */
  waitReplicas?: number;
  waitTimeoutMs?: number;
}

/** A new message, encoded and split, ready to be written. */
export interface NewRecord {
  context: MessageContext;
  meta: MessageMeta;
  lane: Lane;
  /** `error`: refused by policy at enqueue, recorded and never queued. */
  state: 'queued' | 'scheduled' | 'error';
  dueMs?: number;
  error?: { code: string; message: string };
  /** Recorded with the first state (history, `dt`, the event's `detail`): why a message is held (QUIET_HOURS). */
  detail?: string;
  /**
   * The id was allocated before this write and already given out (a pre-split SMPP message's, at its first
   * part): a second write of the same id is a duplicate of the first, like a repeated clientRef.
   */
  preallocated?: boolean;
  /**
   * The Redis ingress entry the message came from: carried by its first event (`ingressId`, SPEC §4) and
   * nowhere else, so the record stays as compact as before.
   */
  ingressId?: string;
  /**
   * The account has a credit balance: `charge` segments are reserved in the same call, or the message is
   * not written (`insufficientCredit`). `initial` is the balance before any use (the configured credits),
   * `threshold` the low-balance threshold.
   */
  credit?: { charge: number; initial: number; threshold?: number | undefined };
}

export type WriteOutcome =
  | {
      written: true;
      /** Charged: the account's balance after this message, and whether it fired the low-balance alert. */
      credit?: { balance: number; lowAlert: boolean };
    }
  | { written: false; duplicateOf: string; insufficientCredit?: undefined }
  | { written: false; insufficientCredit: { balance: number; needed: number }; duplicateOf?: undefined };

/** A stream entry the worker read: where it came from, and the message it names. */
export interface HeldEntry {
  stream: string;
  entryId: string;
  ref: MessageRef;
}

/**
 * What `take` did with an entry: `send` claimed (now `sending`); `check` marketing left as it is for the
 * policy to decide first (with `holdMarketing`); `optout` left for the policy to refuse; `expired` ended
 * in EXPIRED; `lapsed` ended in QUIET_HOURS (its validity passed while quiet hours held it); `gone` and
 * `settled` have nothing left to send. The last four are acknowledged in the same call.
 */
export type TakeStatus = 'gone' | 'settled' | 'expired' | 'lapsed' | 'optout' | 'check' | 'capped' | 'send';

export interface TakeResult {
  status: TakeStatus;
  previous: string;
  meta?: MessageMeta;
  context?: MessageContext;
  attempts: number;
  /** Part numbers (1-based) the SMSC already accepted: a message taken over after a crash. */
  acceptedParts: number[];
}

export interface AcceptedPart {
  ref: MessageRef;
  /** The stream entry the worker holds: acknowledged when this part completes the message. */
  entry?: { stream: string; entryId: string };
  part: number;
  operatorId: string;
  smscId: string;
  format: MessageIdFormat;
  /** 0: the operator sends no receipts, so `delivered` is final. */
  receiptTimeoutMs: number;
  /** How long the SMSC id stays findable for its receipt; 0: no receipt was asked for, so no index. */
  indexTtlSeconds: number;
}

export interface AcceptResult {
  state: string;
  /** This part completed the message (it moved to delivered, or confirmed). */
  settled: boolean;
  accepted: number;
}

export interface ReceiptInput {
  operatorId: string;
  smscId: string;
  format: MessageIdFormat;
  stat: string;
  err: string;
}

export type ReceiptResult = 'applied' | 'duplicate' | 'unknown';

export interface SettleItem {
  ref: MessageRef;
  to: MessageState;
  error?: { stage: ErrorStage; code: string; message: string };
  detail?: string;
  /** Put the message in its operator's scheduled set at this time (deferral, retry). */
  schedule?: { operatorId: string; lane: Lane; dueMs: number };
  /** The stream entry the worker holds for it: acknowledged and deleted in the same call. */
  entry?: HeldEntry;
  attempts?: number;
}

export interface SettleResult {
  changed: boolean;
  previous: string;
}

export interface TransitionOptions {
  error?: { stage: ErrorStage; code: string; message: string };
  detail?: string;
  now?: number;
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

/**
 * Run `call` once per shard over the items of that shard (a script's keys must share one hash tag, so a
 * Redis Cluster can run it), and give the results back in the items' order.
 */
async function perShard<T, R>(
  items: readonly T[],
  shardOf: (item: T) => number,
  call: (group: T[], shard: number) => Promise<R[]>,
): Promise<R[]> {
  const first = items.length > 0 ? shardOf(items[0]!) : 0;
  if (items.every((item) => shardOf(item) === first)) return call([...items], first);
  const groups = new Map<number, { items: T[]; at: number[] }>();
  items.forEach((item, i) => {
    const shard = shardOf(item);
    let group = groups.get(shard);
    if (!group) groups.set(shard, (group = { items: [], at: [] }));
    group.items.push(item);
    group.at.push(i);
  });
  const results = new Array<R>(items.length);
  await Promise.all(
    [...groups].map(async ([shard, group]) => {
      const out = await call(group.items, shard);
      group.at.forEach((at, j) => (results[at] = out[j]!));
    }),
  );
  return results;
}

/** Every distinct key of a batch call once in KEYS; the per-item arguments name them by index. */
class KeyTable {
  readonly keys: string[];
  private readonly index = new Map<string, number>();

  constructor(first: string) {
    this.keys = [first];
    this.index.set(first, 1);
  }

  at(key: string): number {
    let i = this.index.get(key);
    if (i === undefined) {
      this.keys.push(key);
      i = this.keys.length;
      this.index.set(key, i);
    }
    return i;
  }
}

// enqueue, take and accept get one argument per batch item, its fields joined by this (lib-record.lua `item`):
// one argument per field cost 5 to 6 µs a message in ioredis alone (enqueue has 23 fields).
const FIELD_SEPARATOR = '\x1f';

/** One batch item's fields as one script argument; only the last may hold the separator. */
function pack(fields: ReadonlyArray<string | number>): string {
  for (let i = 0; i < fields.length - 1; i++) {
    const f = fields[i];
    if (typeof f === 'string' && f.includes(FIELD_SEPARATOR)) {
      // The ingresses refuse control characters in clientRef and campaignId; nothing else can bring one.
      throw new RangeError(
        `field ${i} of a batch item holds U+001F, which separates the fields: ${JSON.stringify(f)}`,
      );
    }
  }
  return fields.join(FIELD_SEPARATOR);
}

function str(reply: LuaReply | undefined): string {
  return reply === null || reply === undefined ? '' : String(reply);
}

export class MessageStore {
  readonly eventsMaxLen: number;
  private readonly retentionSeconds: number;
  private readonly waitReplicas: number;
  private readonly waitTimeoutMs: number;
  private readonly finalHooks: FinalStateHook[] = [];
  private readonly acceptBatcher: Batcher<AcceptedPart, AcceptResult>;
  private readonly receiptBatcher: Batcher<ReceiptInput, ReceiptResult>;

  constructor(
    readonly redis: RedisClient,
    readonly keys: RedisKeys,
    options: MessageStoreOptions = {},
  ) {
    this.eventsMaxLen = options.eventsMaxLen ?? DEFAULT_EVENTS_MAXLEN;
    this.retentionSeconds = Math.round((options.retentionDays ?? 7) * 86_400);
    this.waitReplicas = options.waitReplicas ?? 0;
    this.waitTimeoutMs = options.waitTimeoutMs ?? 500;
    if (options.onFinal) this.finalHooks.push(options.onFinal);
    this.acceptBatcher = new Batcher((items) => this.acceptBatch(items));
    this.receiptBatcher = new Batcher((items) => this.receiptBatch(items));
  }

  /** Add a final-state hook (metrics, credit return, ...). */
  onFinal(hook: FinalStateHook): void {
    this.finalHooks.push(hook);
  }

  private final(change: FinalChange): void {
    for (const hook of this.finalHooks) hook(change);
  }

  /** The four keys every state change of a message touches: record, events, figures. */
  private contextKeys(ref: MessageRef): [string, string, string, string] {
    const shard = shardOfId(ref.id);
    const figA = this.keys.accountFigures(ref.account, shard);
    return [
      this.keys.message(ref.id),
      this.keys.stateEvents(ref.account, shard),
      figA,
      ref.campaignId ? this.keys.campaignFigures(ref.account, ref.campaignId, shard) : figA,
    ];
  }

  /**
   * Where a script that may give reserved credit back gives it: the account's balance, or on a Cluster
   * (the balance on another slot) the shard's refund ledger, which applyRefunds empties into the balances.
   */
  private creditKey(ref: MessageRef, shard: number): string {
    return this.keys.cluster ? this.keys.creditRefunds(shard) : this.keys.credit(ref.account);
  }

  /**
   * Cluster only: move the refunds the state scripts left on a shard's ledger to the accounts' balances,
   * once each (credit-refund.lua's markers), then clear them from the ledger. Called after every call that
   * may have refunded, and by the ClusterRelay's passes for what a crash left. Returns the refunds applied.
   */
  async applyRefunds(shard: number): Promise<number> {
    const ledger = this.keys.creditRefunds(shard);
    const entries = await this.redis.hgetall(ledger);
    const ids = Object.keys(entries);
    if (ids.length === 0) return 0;
    const refunds = ids.map((id) => {
      const value = entries[id]!;
      const sep = value.lastIndexOf('|');
      return { id, account: value.slice(0, sep), segments: Number(value.slice(sep + 1)) };
    });
    const applied = await Promise.all(
      [...groupBy(refunds, (r) => r.account)].map(async ([account, ofAccount]) =>
        Number(
          await scripts.creditRefund.run(
            this.redis,
            [this.keys.credit(account), ...ofAccount.map((r) => this.keys.creditRefunded(account, r.id))],
            [REFUND_MARKER_TTL_SECONDS, ...ofAccount.map((r) => r.segments)],
          ),
        ),
      ),
    );
    await this.redis.hdel(ledger, ...ids);
    return applied.reduce((a, b) => a + b, 0);
  }

  // ------------------------------------------------------------------ writes

  /** Write new messages (and queue them) in one call; returns only once Redis has every one. */
  async write(records: readonly NewRecord[], now: number = Date.now()): Promise<WriteOutcome[]> {
    if (records.length <= WRITE_CHUNK) return this.writeChunk(records, now);
    // A 10,000-message batch in calls of WRITE_CHUNK: each call atomic, every message its own outcome.
    const outcomes: WriteOutcome[] = [];
    for (let i = 0; i < records.length; i += WRITE_CHUNK) {
      outcomes.push(...(await this.writeChunk(records.slice(i, i + WRITE_CHUNK), now)));
    }
    return outcomes;
  }

  private async writeChunk(records: readonly NewRecord[], now: number): Promise<WriteOutcome[]> {
    if (records.length === 0) return [];
    if (this.keys.cluster && records.some((r) => r.credit && r.state !== 'error')) {
      return this.writeReserved(records, now);
    }
    const outcomes = await perShard(
      records,
      (r) => shardOfId(r.context.id),
      (group, shard) => this.writeShard(group, shard, now),
    );
    if (this.waitReplicas > 0) await this.awaitReplicas();
    return outcomes;
  }

  /**
   * A write of messages charged to credit-limited accounts on a Redis Cluster, where the balance sits on
   * another slot than the messages: their credit is reserved first (credit-reserve.lua, held per message
   * id), then the messages are written, then the holds end, kept for what was written and given back for
   * what was not (a duplicate clientRef). A crash in between leaves holds that sweepCreditHolds ends once
   * stale: kept when the message's record exists, given back when it does not.
   */
  private async writeReserved(records: readonly NewRecord[], now: number): Promise<WriteOutcome[]> {
    const byAccount = groupBy(records.keys(), (i) => {
      const r = records[i]!;
      return r.credit && r.state !== 'error' ? r.context.account : undefined;
    });
    const reserved = new Map<number, { balance: number; lowAlert: boolean }>();
    const outcomes = new Array<WriteOutcome | undefined>(records.length);
    await Promise.all(
      [...byAccount].map(async ([account, at]) => {
        await this.rememberCreditAccount(account);
        const credit = records[at[0]!]!.credit!;
        const reply = replyArray(
          await scripts.creditReserve.run(
            this.redis,
            [this.keys.credit(account), this.keys.creditLow(account), this.keys.creditHeld(account)],
            [
              credit.initial,
              credit.threshold ?? '',
              now,
              ...at.flatMap((i) => [records[i]!.context.id, records[i]!.credit!.charge]),
            ],
          ),
        );
        at.forEach((i, j) => {
          const out = str(reply[j]);
          if (out.startsWith('credit:')) {
            outcomes[i] = {
              written: false,
              insufficientCredit: { balance: Number(out.slice(7)), needed: records[i]!.credit!.charge },
            };
          } else {
            const [, balance, fired] = out.split(':');
            reserved.set(i, { balance: Number(balance), lowAlert: fired === '1' });
          }
        });
      }),
    );
    const toWrite = records.flatMap((_, i) => (outcomes[i] ? [] : [i]));
    const reservedIds = new Set([...reserved.keys()].map((i) => records[i]!.context.id));
    // A failed write leaves its holds to the sweep: whether Redis wrote the messages is not known here.
    const written = await perShard(
      toWrite.map((i) => records[i]!),
      (r) => shardOfId(r.context.id),
      (group, shard) => this.writeShard(group, shard, now, reservedIds),
    );
    const ends = new Map<string, { commit: string[]; release: string[] }>();
    toWrite.forEach((i, j) => {
      const out = written[j]!;
      const reservation = reserved.get(i);
      outcomes[i] = reservation && out.written ? { written: true, credit: reservation } : out;
      if (!reservation) return;
      const r = records[i]!;
      let end = ends.get(r.context.account);
      if (!end) ends.set(r.context.account, (end = { commit: [], release: [] }));
      (out.written ? end.commit : end.release).push(r.context.id);
    });
    await Promise.all(
      [...ends].flatMap(([account, end]) =>
        (['commit', 'release'] as const)
          .filter((action) => end[action].length > 0)
          .map((action) =>
            scripts.creditRelease.run(
              this.redis,
              [this.keys.credit(account), this.keys.creditHeld(account)],
              [action, ...end[action]],
            ),
          ),
      ),
    );
    return outcomes.map((o) => o!);
  }

  private readonly creditAccountsKnown = new Set<string>();

  /** Cluster: the accounts whose holds the sweep visits (once per account and process). */
  private async rememberCreditAccount(account: string): Promise<void> {
    if (this.creditAccountsKnown.has(account)) return;
    await this.redis.sadd(this.keys.creditAccounts(), account);
    this.creditAccountsKnown.add(account);
  }

  /**
   * Cluster: end the credit holds a crash left (older than CREDIT_HOLD_STALE_MS): kept when the message's
   * record exists (it was written), given back when it does not. Returns the holds ended.
   */
  async sweepCreditHolds(now: number = Date.now()): Promise<number> {
    if (!this.keys.cluster) return 0;
    let ended = 0;
    for (const account of await this.redis.smembers(this.keys.creditAccounts())) {
      const holds = await this.redis.hgetall(this.keys.creditHeld(account));
      const stale = Object.entries(holds)
        .filter(([, value]) => now - Number(value.split('|')[1]) >= CREDIT_HOLD_STALE_MS)
        .map(([id]) => id);
      if (stale.length === 0) continue;
      const exists = await Promise.all(stale.map((id) => this.redis.exists(this.keys.message(id))));
      for (const action of ['commit', 'release'] as const) {
        const ids = stale.filter((_, i) => (exists[i] === 1) === (action === 'commit'));
        if (ids.length === 0) continue;
        ended += Number(
          await scripts.creditRelease.run(
            this.redis,
            [this.keys.credit(account), this.keys.creditHeld(account)],
            [action, ...ids],
          ),
        );
      }
    }
    return ended;
  }

  private async writeShard(
    records: readonly NewRecord[],
    shard: number,
    now: number,
    /** Cluster: the ids whose credit the caller reserved (written as "r<n>": recorded, not charged). */
    reserved?: ReadonlySet<string>,
  ): Promise<WriteOutcome[]> {
    const kt = new KeyTable(this.keys.notifications(shard));
    const args: LuaArg[] = [now, this.retentionSeconds, this.eventsMaxLen, CLIENT_REF_TTL_SECONDS];
    // The credit keys of an unlimited account are the record (never read: nothing is charged).
    for (const r of records) {
      const ref: MessageRef = { id: r.context.id, account: r.context.account };
      if (r.context.campaignId) ref.campaignId = r.context.campaignId;
      const [rec, ev, figA, figC] = this.contextKeys(ref);
      const kind = r.state === 'error' ? 'none' : r.state === 'scheduled' ? 'scheduled' : 'stream';
      const target =
        kind === 'stream'
          ? this.keys.stream(r.meta.operator, r.lane, shard)
          : kind === 'scheduled'
            ? this.keys.scheduled(r.meta.operator, shard)
            : rec;
      const cref = r.context.clientRef
        ? this.keys.clientRef(ref.account, r.context.clientRef, shard)
        : r.preallocated
          ? this.keys.preallocatedId(ref.account, ref.id)
          : rec;
      const member =
        kind === 'scheduled' ? `${r.lane === 'transactional' ? 't' : 'm'}|${encodeRef(ref)}` : encodeRef(ref);
      args.push(
        pack([
          kt.at(rec),
          kt.at(ev),
          kt.at(figA),
          kt.at(figC),
          kt.at(target),
          kt.at(cref),
          kt.at(r.credit && !this.keys.cluster ? this.keys.credit(ref.account) : rec),
          kt.at(r.credit && !this.keys.cluster ? this.keys.creditLow(ref.account) : rec),
          ref.id,
          kind,
          r.dueMs ?? 0,
          r.state,
          r.error?.code ?? '',
          oneLine(r.error?.message),
          encodeContext(r.context),
          r.meta.validUntil !== undefined ? r.meta.validUntil : '',
          member,
          oneLine(r.detail),
          r.ingressId ?? '',
          r.credit ? (reserved?.has(ref.id) ? `r${r.credit.charge}` : r.credit.charge) : '',
          r.credit ? r.credit.initial : '',
          r.credit?.threshold !== undefined ? r.credit.threshold : '',
          encodeMeta(r.meta),
        ]),
      );
    }
    if (this.keys.cluster && records.some((r) => r.credit && !reserved?.has(r.context.id))) {
      // The balance is on another slot: only writeReserved may write a charged message on a Cluster.
      throw new RangeError('a charged message on a Redis Cluster must be reserved first (writeReserved)');
    }
    const reply = replyArray(await scripts.enqueue.run(this.redis, kt.keys, args));
    return records.map((r, i): WriteOutcome => {
      const out = str(reply[i]);
      if (out.startsWith('dup:')) return { written: false, duplicateOf: out.slice(4) };
      if (out.startsWith('credit:')) {
        return {
          written: false,
          insufficientCredit: { balance: Number(out.slice(7)), needed: r.credit?.charge ?? 0 },
        };
      }
      if (r.state === 'error') {
        this.final({
          id: r.context.id,
          account: r.context.account,
          ...(r.context.campaignId ? { campaignId: r.context.campaignId } : {}),
          state: 'error',
          errorStage: 'policy',
          ...(r.error ? { code: r.error.code } : {}),
        });
      }
      if (out.startsWith('ok:')) {
        const [, balance, fired] = out.split(':');
        return { written: true, credit: { balance: Number(balance), lowAlert: fired === '1' } };
      }
      return { written: true };
    });
  }

  /**
   * WAIT on the connection that wrote: it counts that connection's writes up to now. One WAIT covers
   * every message written before it, so concurrent writes share it (autopipelining sends them together).
   */
  private async awaitReplicas(): Promise<void> {
    const got = await this.replicasAcknowledged();
    if (got < this.waitReplicas) throw new ReplicationError(this.waitReplicas, got, this.waitTimeoutMs);
  }

  /**
   * How many replicas acknowledged this connection's writes so far, asked as `redis.waitReplicas` says
   * (Infinity when it is 0: nothing is waited for). The write probe asks it too, so a refusal clears only
   * once the replicas are back.
   */
  async replicasAcknowledged(): Promise<number> {
    if (this.waitReplicas === 0) return Number.POSITIVE_INFINITY;
    return Number(await this.redis.call('WAIT', this.waitReplicas, this.waitTimeoutMs));
  }

  /** `redis.waitReplicas`: how many replicas a write of new messages waits for (0: none). */
  get replicasWanted(): number {
    return this.waitReplicas;
  }

  /**
   * The worker's claim on entries it read: messages to send move to `sending` in one call; entries with
   * nothing to send are acknowledged; expired messages end in EXPIRED (or QUIET_HOURS, when the policy was
   * holding them). `holdMarketing`: marketing is not claimed but returned as `check`, so the quiet hours
   * can be asked before the message is `sending`; claim what may go with a second call without it.
   */
  async take(
    entries: readonly HeldEntry[],
    options: {
      transactionalHonoursOptOut: boolean;
      holdMarketing?: boolean;
      now?: number;
      /**
       * Count marketing against the frequency cap as it moves to `sending` (`recipients[i]`: entry i's
       * number, undefined for one not counted), refusing it `capped` past `maxPerRecipient` in the window.
       */
      frequencyCap?: {
        maxPerRecipient: number;
        windowMs: number;
        recipients: ReadonlyArray<string | undefined>;
      };
    },
  ): Promise<TakeResult[]> {
    if (entries.length === 0) return [];
    const recipients = options.frequencyCap?.recipients;
    const indexed = entries.map((entry, i) => ({ entry, to: recipients?.[i] }));
    return perShard(
      indexed,
      (x) => shardOfId(x.entry.ref.id),
      (group, shard) => this.takeShard(group, shard, options),
    );
  }

  private async takeShard(
    items: ReadonlyArray<{ entry: HeldEntry; to: string | undefined }>,
    shard: number,
    options: Parameters<MessageStore['take']>[1],
  ): Promise<TakeResult[]> {
    const entries = items.map((x) => x.entry);
    const now = options.now ?? Date.now();
    const kt = new KeyTable(this.keys.notifications(shard));
    const args: LuaArg[] = [
      now,
      this.eventsMaxLen,
      options.transactionalHonoursOptOut ? '1' : '0',
      CONSUMER_GROUP,
      this.retentionSeconds,
      options.holdMarketing ? '1' : '0',
      options.frequencyCap ? options.frequencyCap.maxPerRecipient : '',
      options.frequencyCap ? options.frequencyCap.windowMs : 0,
      this.keys.cluster ? '1' : '0',
    ];
    const cluster = this.keys.cluster;
    const optedOut = cluster ? await this.optedOutBeforeClaim(entries, options) : undefined;
    entries.forEach((e, i) => {
      const [rec, ev, figA, figC] = this.contextKeys(e.ref);
      const to = options.holdMarketing ? undefined : items[i]!.to;
      // On a Cluster the opt-out list and the frequency sets sit on other slots: the opt-outs were read
      // just before (index 0: opted out, the record: not), and the cap is counted after the claim.
      args.push(
        pack([
          kt.at(rec),
          kt.at(ev),
          kt.at(figA),
          kt.at(figC),
          kt.at(e.stream),
          cluster ? (optedOut![i] ? 0 : kt.at(rec)) : kt.at(this.keys.optOuts(e.ref.account)),
          kt.at(this.creditKey(e.ref, shard)),
          kt.at(to !== undefined && !cluster ? this.keys.frequency(e.ref.account, to) : rec),
          e.entryId,
        ]),
      );
    });
    const reply = replyArray(await scripts.take.run(this.redis, kt.keys, args));
    const results = entries.map((e, i) => {
      const status = str(reply[i * 6]) as TakeStatus;
      const m = str(reply[i * 6 + 2]);
      const accepted = str(reply[i * 6 + 4]);
      const k = str(reply[i * 6 + 5]);
      if (status === 'expired' || status === 'lapsed') {
        this.final({
          id: e.ref.id,
          account: e.ref.account,
          ...(e.ref.campaignId ? { campaignId: e.ref.campaignId } : {}),
          state: 'error',
          errorStage: status === 'expired' ? 'submit' : 'policy',
          code: status === 'expired' ? 'EXPIRED' : 'QUIET_HOURS',
        });
      }
      return {
        status,
        previous: str(reply[i * 6 + 1]),
        ...(m ? { meta: decodeMeta(m) } : {}),
        ...(k ? { context: decodeContext(k) } : {}),
        attempts: Number(reply[i * 6 + 3] ?? 0),
        acceptedParts: accepted ? accepted.split(',').map(Number) : [],
      } satisfies TakeResult as TakeResult;
    });
    if (this.keys.cluster) {
      if (results.some((r) => r.status === 'expired' || r.status === 'lapsed'))
        await this.applyRefunds(shard);
      await this.checkAfterClaim(entries, results, options, now);
    }
    return results;
  }

  /**
   * On a Cluster, the opt-out list lives on another slot than the messages: read it (for the recipients
   * of the records, all on this shard's slot) just before the claim, so an opted-out message is refused
   * without ever being `sending`, as on one server.
   */
  private async optedOutBeforeClaim(
    entries: readonly HeldEntry[],
    options: Parameters<MessageStore['take']>[1],
  ): Promise<boolean[]> {
    const pipeline = this.redis.pipeline();
    for (const e of entries) pipeline.hget(this.keys.message(e.ref.id), 'k');
    const contexts = ((await pipeline.exec()) ?? []).map(([error, k]) => {
      if (error) throw error;
      return typeof k === 'string' ? decodeContext(k) : undefined;
    });
    const byAccount = groupBy(contexts.keys(), (i) => {
      const context = contexts[i];
      if (!context || (context.class !== 'marketing' && !options.transactionalHonoursOptOut))
        return undefined;
      return entries[i]!.ref.account;
    });
    const optedOut = entries.map(() => false);
    await Promise.all(
      [...byAccount].map(async ([account, at]) => {
        const listed = await this.redis.hmget(this.keys.optOuts(account), ...at.map((i) => contexts[i]!.to));
        at.forEach((i, j) => (optedOut[i] = listed[j] !== null));
      }),
    );
    return optedOut;
  }

  /**
   * On a Cluster, the recipients' frequency sets live on other slots than the messages: take.lua claims
   * without them, and here, before anything is sent, a claimed marketing message past the cap becomes
   * `capped`, for the worker to refuse as it does on one server (from `sending` rather than `queued`:
   * its events show the claim first).
   */
  private async checkAfterClaim(
    entries: readonly HeldEntry[],
    results: TakeResult[],
    options: Parameters<MessageStore['take']>[1],
    now: number,
  ): Promise<void> {
    const claimed = results.flatMap((r, i) => (r.status === 'send' && r.context ? [i] : []));
    const cap = options.frequencyCap;
    if (!cap || options.holdMarketing) return;
    await Promise.all(
      claimed.map(async (i) => {
        const r = results[i]!;
        if (r.status !== 'send' || r.context!.class !== 'marketing') return;
        const counted = await scripts.frequencyCount.run(
          this.redis,
          [this.keys.frequency(entries[i]!.ref.account, r.context!.to)],
          [now, cap.windowMs, cap.maxPerRecipient, entries[i]!.ref.id],
        );
        if (Number(counted) === 0) results[i] = { ...r, status: 'capped' };
      }),
    );
  }

  /** submit_sm_resp ok for one part; batched with the others of the same turn of the event loop. */
  acceptPart(part: AcceptedPart): Promise<AcceptResult> {
    return this.acceptBatcher.add(part);
  }

  private acceptBatch(parts: AcceptedPart[], now: number = Date.now()): Promise<AcceptResult[]> {
    return perShard(
      parts,
      (p) => shardOfId(p.ref.id),
      (group, shard) => this.acceptShard(group, shard, now),
    );
  }

  private async acceptShard(parts: AcceptedPart[], shard: number, now: number): Promise<AcceptResult[]> {
    const kt = new KeyTable(this.keys.notifications(shard));
    const args: LuaArg[] = [now, this.eventsMaxLen, CONSUMER_GROUP, this.retentionSeconds];
    for (const p of parts) {
      const index =
        p.indexTtlSeconds > 0
          ? smscIdForms(p.smscId, p.format).map((form) => this.keys.smscId(p.operatorId, form, shard))
          : [];
      const [rec, ev, figA, figC] = this.contextKeys(p.ref);
      args.push(
        pack([
          kt.at(rec),
          kt.at(ev),
          kt.at(figA),
          kt.at(figC),
          kt.at(this.keys.receiptDeadlines(shard)),
          kt.at(p.entry?.stream ?? rec),
          index.map((key) => kt.at(key)).join(','),
          p.part,
          `${encodeRef(p.ref)}|${p.part}`,
          p.indexTtlSeconds,
          p.receiptTimeoutMs,
          p.entry?.entryId ?? '',
          // Last: an SMSC id is the operator's bytes, read to the end whatever they hold.
          p.smscId,
        ]),
      );
    }
    const reply = replyArray(await scripts.accept.run(this.redis, kt.keys, args));
    return parts.map((p, i) => {
      const state = str(reply[i * 3]);
      const settled = Number(reply[i * 3 + 1]) === 1;
      if (settled && (state === 'confirmed' || (state === 'delivered' && p.receiptTimeoutMs === 0))) {
        const ref = p.ref;
        this.final({
          id: ref.id,
          account: ref.account,
          ...(ref.campaignId ? { campaignId: ref.campaignId } : {}),
          state: state === 'confirmed' ? 'confirmed' : 'delivered',
        });
      }
      return { state, settled, accepted: Number(reply[i * 3 + 2]) };
    });
  }

  /** One delivery receipt: correlated with its part and applied; batched with the others of the same turn. */
  applyReceipt(receipt: ReceiptInput): Promise<ReceiptResult> {
    return this.receiptBatcher.add(receipt);
  }

  private async receiptBatch(receipts: ReceiptInput[], now: number = Date.now()): Promise<ReceiptResult[]> {
    const results = await this.correlate(receipts, now);
    const unknown = receipts.map((r, i) => ({ r, i })).filter(({ i }) => results[i] === 'unknown');
    if (unknown.length === 0) return results;
    // A receipt read in the same socket read as its submit_sm_resp reaches Redis before that part's
    // acceptance (both wait for the same turn of the event loop): once the acceptances already on their
    // way are written, look again, rather than hold it for the sweep.
    await this.acceptBatcher.flushed();
    const again = await this.correlate(
      unknown.map(({ r }) => r),
      now,
    );
    unknown.forEach(({ i }, j) => (results[i] = again[j]!));
    return results;
  }

  private async correlate(receipts: ReceiptInput[], now: number): Promise<ReceiptResult[]> {
    // One MGET finds every receipt's part, trying each id's canonical forms in order, on every shard (the
    // index sits beside the record, on the message's shard, which an SMSC id does not tell).
    const forms = receipts.map((r) => smscIdForms(r.smscId, r.format));
    const values = await this.lookupSmscIds(
      receipts.flatMap((r, i) => forms[i]!.map((f) => ({ operatorId: r.operatorId, form: f }))),
    );
    const found: Array<{ ref: MessageRef; part: number } | undefined> = [];
    let cursor = 0;
    for (let i = 0; i < receipts.length; i++) {
      const n = forms[i]!.length;
      const value = values.slice(cursor, cursor + n).find((v): v is string => typeof v === 'string');
      cursor += n;
      if (!value) {
        found.push(undefined);
        continue;
      }
      const sep = value.lastIndexOf('|');
      found.push({ ref: decodeRef(value.slice(0, sep)), part: Number(value.slice(sep + 1)) });
    }
    const applicable = receipts.map((r, i) => ({ r, hit: found[i]! })).filter((x) => x.hit !== undefined);
    const results: ReceiptResult[] = receipts.map(() => 'unknown');
    if (applicable.length === 0) return results;
    const replies = await perShard(
      applicable,
      (x) => shardOfId(x.hit.ref.id),
      async (group, shard) => {
        const kt = new KeyTable(this.keys.notifications(shard));
        const args: LuaArg[] = [now, this.eventsMaxLen, this.retentionSeconds];
        for (const { r, hit } of group) {
          for (const key of this.contextKeys(hit.ref)) args.push(kt.at(key));
          args.push(kt.at(this.keys.receiptDeadlines(shard)));
          args.push(hit.part, r.stat, r.err, isFinalReceiptStat(r.stat) ? 'final' : 'interim');
        }
        const reply = replyArray(await scripts.receipt.run(this.redis, kt.keys, args));
        return group.map((_, j) => ({ result: str(reply[j * 2]), state: str(reply[j * 2 + 1]) }));
      },
    );
    let j = 0;
    for (let i = 0; i < receipts.length; i++) {
      const hit = found[i];
      if (!hit) continue;
      const { result, state } = replies[j]!;
      j++;
      if (result === 'missing') continue;
      results[i] = result === 'duplicate' ? 'duplicate' : 'applied';
      if (result === 'settled' && (state === 'confirmed' || state === 'error')) {
        // Only the receipt that made the change reports it (a repeat is a duplicate, and another part's
        // receipt for a message already in error is applied without a change), so it is reported once.
        this.final({
          id: hit.ref.id,
          account: hit.ref.account,
          ...(hit.ref.campaignId ? { campaignId: hit.ref.campaignId } : {}),
          state: state === 'confirmed' ? 'confirmed' : 'error',
          ...(state === 'error' ? { errorStage: 'receipt' as const, code: receipts[i]!.stat } : {}),
        });
      }
    }
    return results;
  }

  /** Move messages to a state (cancel, refusal, retry, deferral, receipt timeout) in one call. */
  async settle(items: readonly SettleItem[], now: number = Date.now()): Promise<SettleResult[]> {
    if (items.length === 0) return [];
    return perShard(
      items,
      (item) => shardOfId(item.ref.id),
      (group, shard) => this.settleShard(group, shard, now),
    );
  }

  private async settleShard(
    items: readonly SettleItem[],
    shard: number,
    now: number,
  ): Promise<SettleResult[]> {
    const kt = new KeyTable(this.keys.notifications(shard));
    const args: LuaArg[] = [
      now,
      this.eventsMaxLen,
      CONSUMER_GROUP,
      this.retentionSeconds,
      this.keys.cluster ? '1' : '0',
    ];
    for (const item of items) {
      const [rec] = this.contextKeys(item.ref);
      const sched = item.schedule ? this.keys.scheduled(item.schedule.operatorId, shard) : rec;
      for (const key of this.contextKeys(item.ref)) args.push(kt.at(key));
      args.push(
        kt.at(this.keys.receiptDeadlines(shard)),
        kt.at(sched),
        kt.at(item.entry ? item.entry.stream : rec),
        kt.at(this.creditKey(item.ref, shard)),
      );
      const member = item.schedule
        ? `${item.schedule.lane === 'transactional' ? 't' : 'm'}|${encodeRef(item.ref)}`
        : '';
      args.push(
        item.to,
        item.error?.stage ?? '',
        item.error?.code ?? '',
        (item.error?.message ?? '').replace(/[\t\n]/g, ' '),
        (item.detail ?? '').replace(/[\t\n]/g, ' '),
        item.schedule?.dueMs ?? 0,
        member,
        item.entry?.entryId ?? '',
        item.attempts !== undefined ? item.attempts : '',
      );
    }
    const reply = replyArray(await scripts.settle.run(this.redis, kt.keys, args));
    if (this.keys.cluster && items.some((item) => item.to === 'error' || item.to === 'cancelled')) {
      await this.applyRefunds(shard);
    }
    return items.map((item, i) => {
      const changed = Number(reply[i * 2]) === 1;
      const previous = str(reply[i * 2 + 1]);
      const finalNow =
        item.to === 'error' ||
        item.to === 'cancelled' ||
        (item.to === 'delivered' && item.detail === 'unconfirmed');
      if (changed && finalNow) {
        this.final({
          id: item.ref.id,
          account: item.ref.account,
          ...(item.ref.campaignId ? { campaignId: item.ref.campaignId } : {}),
          state: item.to as FinalState,
          ...(item.error ? { errorStage: item.error.stage, code: item.error.code } : {}),
        });
      }
      return { changed, previous };
    });
  }

  /** The index values of SMSC ids, each looked for on every shard (the first found wins), in order. */
  private async lookupSmscIds(
    lookups: ReadonlyArray<{ operatorId: string; form: string }>,
  ): Promise<Array<string | null>> {
    if (lookups.length === 0) return [];
    const perShardValues = await Promise.all(
      this.keys.shardList.map((shard) =>
        this.redis.mget(...lookups.map((l) => this.keys.smscId(l.operatorId, l.form, shard))),
      ),
    );
    return lookups.map((_, i) => {
      for (const values of perShardValues) if (typeof values[i] === 'string') return values[i]!;
      return null;
    });
  }

  /** The reference of a message (its account and campaign name its keys), read from its record. */
  async refOf(id: string): Promise<MessageRef | undefined> {
    const k = await this.redis.hget(this.keys.message(id), 'k');
    if (!k) return undefined;
    const context = decodeContext(k);
    return {
      id,
      account: context.account,
      ...(context.campaignId ? { campaignId: context.campaignId } : {}),
    };
  }

  /** A state change by message id alone (cancel from the API, tests): the record names its own keys. */
  async transition(
    id: string,
    to: MessageState,
    options: TransitionOptions = {},
  ): Promise<{ changed: boolean; previous: string }> {
    const ref = await this.refOf(id);
    if (!ref) return { changed: false, previous: '' };
    const [result] = await this.settle(
      [
        {
          ref,
          to,
          ...(options.error ? { error: options.error } : {}),
          ...(options.detail !== undefined ? { detail: options.detail } : {}),
        },
      ],
      options.now,
    );
    return result!;
  }

  /** Move scheduled messages whose time has come into their streams. */
  async moveDue(operatorId: string, shard = 0, max = 500): Promise<number> {
    return Number(
      await scripts.moveDue.run(
        this.redis,
        [
          this.keys.scheduled(operatorId, shard),
          this.keys.stream(operatorId, 'transactional', shard),
          this.keys.stream(operatorId, 'marketing', shard),
        ],
        [max],
      ),
    );
  }

  /** Delete the acknowledged entries of an operator's queue streams (the scripts only acknowledge). */
  async trimAcknowledged(operatorId: string, shard = 0): Promise<number> {
    let trimmed = 0;
    for (const lane of ['transactional', 'marketing'] as const) {
      trimmed += Number(
        await scripts.trim.run(this.redis, [this.keys.stream(operatorId, lane, shard)], [CONSUMER_GROUP]),
      );
    }
    return trimmed;
  }

  /** Settle delivered messages whose receipt deadline passed as final "delivered, unconfirmed". */
  async settleReceiptDeadlines(max = 500, now: number = Date.now(), shard = 0): Promise<number> {
    const due = await this.redis.zrangebyscore(
      this.keys.receiptDeadlines(shard),
      '-inf',
      now,
      'LIMIT',
      0,
      max,
    );
    if (due.length === 0) return 0;
    const results = await this.settle(
      due.map((member) => ({ ref: decodeRef(member), to: 'delivered' as const, detail: 'unconfirmed' })),
      now,
    );
    // A member whose record is gone (retention) or settled otherwise leaves the set too.
    const stale = due.filter((_, i) => !results[i]!.changed && results[i]!.previous !== 'delivered');
    if (stale.length > 0) await this.redis.zrem(this.keys.receiptDeadlines(shard), ...stale);
    return results.filter((r) => r.changed).length;
  }

  // ------------------------------------------------------------------ reads

  async record(id: string): Promise<MessageRecord | undefined> {
    return decodeRecord(await this.redis.hgetall(this.keys.message(id)));
  }

  async get(id: string): Promise<MessageView | undefined> {
    const record = await this.record(id);
    return record ? toView(record) : undefined;
  }

  /** State, segments, encoding and operator of a message (the answer to a duplicate clientRef). */
  async summary(
    id: string,
  ): Promise<{ state: MessageState; segments: number; encoding: string; operator: string } | undefined> {
    const [st, k, m] = await this.redis.hmget(this.keys.message(id), 'st', 'k', 'm');
    if (!st || !k) return undefined;
    const meta = decodeMeta(m);
    return {
      state: st as MessageState,
      segments: decodeContext(k).segments,
      encoding: meta.encoding,
      operator: meta.operator,
    };
  }

  /** Account figures, or a campaign's when `campaignId` is given (SPEC §3 campaign statistics). */
  async figures(accountId: string, campaignId?: string): Promise<Figures> {
    const parts = await Promise.all(
      this.keys.figureShards.map((shard) =>
        this.redis.hgetall(
          campaignId
            ? this.keys.campaignFigures(accountId, campaignId, shard)
            : this.keys.accountFigures(accountId, shard),
        ),
      ),
    );
    if (parts.length === 1) return toFigures(parts[0]!);
    const sum: Record<string, string> = {};
    for (const part of parts) {
      for (const [field, value] of Object.entries(part))
        sum[field] = String(Number(sum[field] ?? 0) + Number(value));
    }
    return toFigures(sum);
  }

  /** Marketing messages submitted to `to` for the account within the last `windowMs` (the frequency cap). */
  async frequencyCount(
    account: string,
    to: string,
    windowMs: number,
    now: number = Date.now(),
  ): Promise<number> {
    return this.redis.zcount(this.keys.frequency(account, to), `(${now - windowMs}`, '+inf');
  }

  /** Entries waiting in an operator's lane (for the queue-full check and the depth metric). */
  async depth(operatorId: string, lane: Lane): Promise<number> {
    const counts = await Promise.all(
      this.keys.shardList.map((shard) => this.redis.xlen(this.keys.stream(operatorId, lane, shard))),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  async scheduledCount(operatorId: string): Promise<number> {
    const counts = await Promise.all(
      this.keys.shardList.map((shard) => this.redis.zcard(this.keys.scheduled(operatorId, shard))),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  /** A concatenation reference that rotates per destination (never shared by two live messages). */
  async nextReferences(destinations: readonly string[]): Promise<number[]> {
    if (destinations.length === 0) return [];
    if (this.keys.cluster) {
      // One key per destination, each on its own slot: a pipeline must stay on one slot there.
      return Promise.all(
        destinations.map(async (to) => {
          const key = this.keys.concatReference(to);
          const [value] = await Promise.all([this.redis.incr(key), this.redis.expire(key, 7 * 24 * 3600)]);
          return value;
        }),
      );
    }
    const pipeline = this.redis.pipeline();
    for (const to of destinations) {
      const key = this.keys.concatReference(to);
      pipeline.incr(key).expire(key, 7 * 24 * 3600);
    }
    const replies = (await pipeline.exec()) ?? [];
    return destinations.map((_, i) => {
      const [error, value] = replies[i * 2] ?? [];
      if (error) throw error;
      return Number(value);
    });
  }

  // ------------------------------------------------------------------ receipts held for a retry

  async holdReceipt(operatorId: string, field: string, json: string): Promise<void> {
    await this.redis.hset(this.keys.earlyReceipts(operatorId), field, json);
  }

  async heldReceipts(operatorId: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.keys.earlyReceipts(operatorId));
  }

  /** true when this call removed it (so a receipt given up by several instances is counted once). */
  async releaseReceipt(operatorId: string, field: string): Promise<boolean> {
    return (await this.redis.hdel(this.keys.earlyReceipts(operatorId), field)) === 1;
  }
}
