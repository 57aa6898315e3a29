// The SMPP server's PartGatherer on Redis: the parts of messages platforms send pre-split, kept durably per
// (account, from, to, method, reference) until the whole is submitted or abandoned, so a restart or another
// instance carries on where this one stopped. The message id is allocated at the first part to arrive (the
// platform gets it back for every part); after finish() a short marker answers a part sent again late with
// the same id instead of starting a new message. Scripts: lua/platform-part*.lua.
import { createHash } from 'node:crypto';
import type { RedisClient } from './connect.js';
import type {
  ExpiredGathering,
  GatheredPart,
  GatherOutcome,
  PartGatherer,
  PartKey,
} from '../smpp-server/ports.js';
import { newMessageId } from './ids.js';
import type { RedisKeys } from './keys.js';
import { replyArray, scripts, type LuaReply } from './scripts.js';

export interface PlatformPartsOptions {
  /** Accounts that may send parts (those with `smpp`): expired() looks at each one's pending set. */
  accounts: readonly string[];
  /** How long the marker of a finished message answers a part sent again. Default 2 minutes. */
  doneMarkerMs?: number;
  /** TTL of a gathering's hash, a safety net behind the server's sweep. Default 24 h. */
  gatheringTtlSeconds?: number;
  now?: () => number;
  newId?: (now: number) => string;
}

interface StoredPart {
  seq: number;
  total: number;
  payload: string;
  dataCoding: number;
  registeredDelivery: number;
  receivedAt: number;
}

function decodePart(json: LuaReply | undefined): GatheredPart {
  const p = JSON.parse(String(json)) as StoredPart;
  return { ...p, payload: Buffer.from(p.payload, 'base64') };
}

export class RedisPartGatherer implements PartGatherer {
  private readonly doneMarkerMs: number;
  private readonly gatheringTtlSeconds: number;
  private readonly now: () => number;
  private readonly newId: (now: number) => string;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly options: PlatformPartsOptions,
  ) {
    this.doneMarkerMs = options.doneMarkerMs ?? 120_000;
    this.gatheringTtlSeconds = options.gatheringTtlSeconds ?? 24 * 3600;
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? ((now) => newMessageId(now, keys.pickShard()));
  }

  private keysOf(key: PartKey): [string, string, string] {
    const { account, via, to, reference, from } = key;
    return [
      this.keys.platformParts(account, via, to, reference, from),
      this.keys.platformPartsPending(account),
      this.keys.platformPartsDone(account, via, to, reference, from),
    ];
  }

  async addPart(key: PartKey, part: GatheredPart): Promise<GatherOutcome> {
    const stored: StoredPart = {
      seq: part.seq,
      total: part.total,
      payload: part.payload.toString('base64'),
      dataCoding: part.dataCoding,
      registeredDelivery: part.registeredDelivery,
      receivedAt: part.receivedAt,
    };
    // The digest covers what makes the part this part: its octets and coding.
    const digest = createHash('sha1').update(part.payload).update(`|${part.dataCoding}`).digest('hex');
    const reply = replyArray(
      await scripts.platformPart.run(this.redis, this.keysOf(key), [
        part.seq,
        part.total,
        JSON.stringify(stored),
        digest,
        part.receivedAt,
        this.newId(part.receivedAt),
        part.registeredDelivery,
        this.gatheringTtlSeconds,
        key.account,
        key.from,
        key.to,
        key.via,
        key.reference,
      ]),
    );
    const kind = String(reply[0]);
    if (kind === 'conflict') return { complete: false, conflict: true };
    const id = String(reply[1]);
    if (kind !== 'complete') return { complete: false, id };
    return { complete: true, id, parts: reply.slice(2).map(decodePart) };
  }

  async finish(key: PartKey, id: string): Promise<void> {
    await scripts.platformPartsFinish.run(this.redis, this.keysOf(key), [id, this.doneMarkerMs]);
  }

  async expired(firstPartBefore: number, max: number): Promise<ExpiredGathering[]> {
    const out: ExpiredGathering[] = [];
    for (const account of this.options.accounts) {
      if (out.length >= max) break;
      const pending = this.keys.platformPartsPending(account);
      const candidates = await this.redis.zrangebyscore(
        pending,
        '-inf',
        `(${firstPartBefore}`,
        'LIMIT',
        0,
        max - out.length,
      );
      if (candidates.length === 0) continue;
      const reply = replyArray(
        await scripts.platformPartsExpired.run(
          this.redis,
          [pending, ...candidates],
          [firstPartBefore, this.now()],
        ),
      ).map(String);
      for (let i = 0; i + 8 < reply.length; i += 9) {
        const [id, total, received, rd, acct, from, to, via, ref] = reply.slice(i, i + 9) as [
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
        ];
        out.push({
          key: { account: acct, from, to, via: via as PartKey['via'], reference: Number(ref) },
          id,
          received: Number(received),
          total: Number(total),
          registeredDelivery: Number(rd),
        });
      }
    }
    return out;
  }

  /** Gatherings of the account in progress (tests, status). */
  async pendingCount(account: string): Promise<number> {
    return this.redis.zcard(this.keys.platformPartsPending(account));
  }
}
