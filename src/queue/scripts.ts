// Loads the Lua scripts of src/queue/lua once and runs them by SHA, falling back to EVAL when Redis
// forgot them (restart, SCRIPT FLUSH). Each script's header lists its KEYS and ARGV.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

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

  /** `withStateLib`: prepend lua/lib-state.lua, the one place that records a state change. */
  static load(name: string, options: { withStateLib?: boolean } = {}): LuaScript {
    const read = (file: string) => readFileSync(new URL(`./lua/${file}.lua`, import.meta.url), 'utf8');
    const source = options.withStateLib ? `${read('lib-state')}\n${read(name)}` : read(name);
    return new LuaScript(name, source);
  }

  async run(redis: Redis, keys: readonly string[], args: readonly LuaArg[]): Promise<LuaReply> {
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
  enqueue: LuaScript.load('enqueue', { withStateLib: true }),
  transition: LuaScript.load('transition', { withStateLib: true }),
  partAccepted: LuaScript.load('part-accepted', { withStateLib: true }),
  receipt: LuaScript.load('receipt', { withStateLib: true }),
  receiptDeadlines: LuaScript.load('receipt-deadlines', { withStateLib: true }),
  tokenBucket: LuaScript.load('token-bucket'),
  moveDue: LuaScript.load('move-due'),
  lease: LuaScript.load('lease'),
} as const;

export function replyArray(reply: LuaReply): LuaReply[] {
  if (!Array.isArray(reply)) throw new TypeError(`expected a Lua table reply, got ${String(reply)}`);
  return reply;
}
