// The script registry: loads the Lua scripts of src/store/lua once and runs them by SHA, falling back to
// EVAL when Redis forgot them (restart, SCRIPT FLUSH). Each script's header lists its KEYS and ARGV; no
// script builds a key name, every key is passed in (so each call stays on one Cluster slot).
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { RedisClient } from './connect.js';

export type LuaArg = string | number | Buffer;
export type LuaReply = string | number | null | LuaReply[];

export class LuaScript {
  readonly sha: string;

  constructor(
    readonly name: string,
    readonly source: string,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /**
   * `lib`: a shared Lua file prepended to the script (Redis has no include): lib-record, the one place
   * that records a state change; lib-mo, the move of a reassembled MO to the inbox.
   */
  static load(name: string, options: { lib?: 'lib-record' | 'lib-mo' } = {}): LuaScript {
    const read = (file: string) => readFileSync(new URL(`./lua/${file}.lua`, import.meta.url), 'utf8');
    const source = options.lib ? `${read(options.lib)}\n${read(name)}` : read(name);
    return new LuaScript(name, source);
  }

  async run(redis: RedisClient, keys: readonly string[], args: readonly LuaArg[]): Promise<LuaReply> {
    try {
      return (await redis.evalsha(this.sha, keys.length, ...keys, ...args)) as LuaReply;
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
        return (await redis.eval(this.source, keys.length, ...keys, ...args)) as LuaReply;
      }
      throw error;
    }
  }
}

export const scripts = {
  enqueue: LuaScript.load('enqueue', { lib: 'lib-record' }),
  take: LuaScript.load('take', { lib: 'lib-record' }),
  accept: LuaScript.load('accept', { lib: 'lib-record' }),
  receipt: LuaScript.load('receipt', { lib: 'lib-record' }),
  settle: LuaScript.load('settle', { lib: 'lib-record' }),
  moveDue: LuaScript.load('move-due'),
  creditAdd: LuaScript.load('credit-add'),
  creditReserve: LuaScript.load('credit-reserve'),
  creditRelease: LuaScript.load('credit-release'),
  creditRefund: LuaScript.load('credit-refund'),
  trim: LuaScript.load('trim'),
  shardCount: LuaScript.load('shard-count'),
  frequencyCount: LuaScript.load('frequency-count'),
  eventRelay: LuaScript.load('event-relay'),
  ingressSettle: LuaScript.load('ingress-settle'),
  tokenBucket: LuaScript.load('token-bucket'),
  lease: LuaScript.load('lease'),
  moPart: LuaScript.load('mo-part', { lib: 'lib-mo' }),
  moExpire: LuaScript.load('mo-expire', { lib: 'lib-mo' }),
  webhookClaim: LuaScript.load('webhook-claim'),
  webhookEnqueue: LuaScript.load('webhook-enqueue'),
  platformBind: LuaScript.load('platform-bind'),
  platformPart: LuaScript.load('platform-part'),
  platformPartsFinish: LuaScript.load('platform-parts-finish'),
  platformPartsExpired: LuaScript.load('platform-parts-expired'),
  platformOutboxAdd: LuaScript.load('platform-outbox-add'),
  platformOutboxNext: LuaScript.load('platform-outbox-next'),
  platformOutboxSettle: LuaScript.load('platform-outbox-settle'),
} as const;

export function replyArray(reply: LuaReply): LuaReply[] {
  if (!Array.isArray(reply)) throw new TypeError(`expected a Lua table reply, got ${String(reply)}`);
  return reply;
}
