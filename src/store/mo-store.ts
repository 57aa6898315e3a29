// Inbound (MO) state in Redis: parts of concatenated MO being reassembled (lua/mo-part.lua, atomically,
// under the operator's hash tag), the operator's MO inbox stream of whole messages not yet routed, the
// routing claims, the auto-responder's loop guard, and the MO entries of an account's event stream.
import type { RedisClient } from './connect.js';
import type { RedisKeys } from './keys.js';
import { replyArray, scripts, type LuaReply } from './scripts.js';

export interface MoPartKey {
  operatorId: string;
  from: string;
  to: string;
  reference: string;
}

export class MoStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly eventsMaxLen: number,
  ) {}

  /** A whole message of one part, straight to the inbox. Returns the entry id. */
  async addToInbox(operatorId: string, fields: readonly string[]): Promise<string | null> {
    return this.redis.xadd(this.keys.moInbox(operatorId), '*', ...fields);
  }

  /** One part of a concatenated MO (see lua/mo-part.lua for the arguments and the reply). */
  async addPart(key: MoPartKey, args: ReadonlyArray<string | number>): Promise<LuaReply[]> {
    return replyArray(
      await scripts.moPart.run(
        this.redis,
        [
          this.keys.moParts(key.operatorId, key.from, key.to, key.reference),
          this.keys.moPending(key.operatorId),
          this.keys.moDone(key.operatorId, key.from, key.to, key.reference),
          this.keys.moInbox(key.operatorId),
        ],
        args,
      ),
    );
  }

  /** Move every reassembly of the operator past its deadline to the inbox; returns the new entry ids. */
  async expire(operatorId: string, now: number, limit: number): Promise<string[]> {
    const pending = this.keys.moPending(operatorId);
    const due = await this.redis.zrangebyscore(pending, '-inf', now, 'LIMIT', 0, limit);
    const ids: string[] = [];
    for (const member of due) {
      const reply = await scripts.moExpire.run(
        this.redis,
        [pending, member, this.keys.moInbox(operatorId)],
        [now],
      );
      if (typeof reply === 'string') ids.push(reply);
    }
    return ids;
  }

  async readInbox(operatorId: string, entryId: string): Promise<[string, string[]] | undefined> {
    const entries = await this.redis.xrange(this.keys.moInbox(operatorId), entryId, entryId);
    return entries[0];
  }

  /** Inbox entries with ids up to `endMs`: their routing failed or their instance died. */
  async inboxUpTo(operatorId: string, endMs: number, count: number): Promise<string[]> {
    const entries = await this.redis.xrange(
      this.keys.moInbox(operatorId),
      '-',
      String(endMs),
      'COUNT',
      count,
    );
    return entries.map(([id]) => id);
  }

  /** Take the routing of an entry for `leaseMs`; false when another instance holds it. */
  async claim(operatorId: string, entryId: string, holder: string, leaseMs: number): Promise<boolean> {
    return (
      (await this.redis.set(this.keys.moClaim(operatorId, entryId), holder, 'PX', leaseMs, 'NX')) === 'OK'
    );
  }

  /** The entry is routed: remove it and its claim. */
  async done(operatorId: string, entryId: string): Promise<void> {
    await this.redis
      .multi()
      .xdel(this.keys.moInbox(operatorId), entryId)
      .del(this.keys.moClaim(operatorId, entryId))
      .exec();
  }

  async pendingCount(operatorId: string): Promise<number> {
    return this.redis.zcard(this.keys.moPending(operatorId));
  }

  /** The auto-responder's guard: true when this call took it (no reply to this number for `ttlSeconds`). */
  async takeReplyGuard(shortCode: string, number: string, ttlSeconds: number): Promise<boolean> {
    const taken = await this.redis.set(
      this.keys.autoReplyGuard(shortCode, number),
      '1',
      'EX',
      ttlSeconds,
      'NX',
    );
    return taken === 'OK';
  }

  /** An MO on its account's event stream (SPEC §4, `type=mo`); without an account, on the unrouted stream. */
  async publish(account: string | undefined, fields: readonly string[]): Promise<void> {
    const stream = account !== undefined ? this.keys.events(account) : this.keys.unroutedMo();
    await this.redis.xadd(stream, 'MAXLEN', '~', this.eventsMaxLen, '*', ...fields);
  }
}
