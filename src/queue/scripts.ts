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

  /**
   * `lib`: a shared Lua file prepended to the script (Redis has no include): lib-state, the one place
   * that records a state change; lib-mo, the move of a reassembled MO to the inbox.
   */
  static load(name: string, options: { lib?: 'lib-state' | 'lib-mo' } = {}): LuaScript {
    const read = (file: string) => readFileSync(new URL(`./lua/${file}.lua`, import.meta.url), 'utf8');
    const source = options.lib ? `${read(options.lib)}\n${read(name)}` : read(name);
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
  enqueue: LuaScript.load('enqueue', { lib: 'lib-state' }),
  transition: LuaScript.load('transition', { lib: 'lib-state' }),
  partAccepted: LuaScript.load('part-accepted', { lib: 'lib-state' }),
  receipt: LuaScript.load('receipt', { lib: 'lib-state' }),
  receiptDeadlines: LuaScript.load('receipt-deadlines', { lib: 'lib-state' }),
  tokenBucket: LuaScript.load('token-bucket'),
  moveDue: LuaScript.load('move-due'),
  lease: LuaScript.load('lease'),
} as const;

export function replyArray(reply: LuaReply): LuaReply[] {
  if (!Array.isArray(reply)) throw new TypeError(`expected a Lua table reply, got ${String(reply)}`);
  return reply;
}
