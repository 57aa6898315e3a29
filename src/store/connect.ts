// One place that opens ioredis connections, so every connection shares the retry policy, the
// readiness logging and the check that the server will not silently drop messages.
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { RedisSetupError } from './errors.js';

/** Jittered exponential reconnect: 100 ms doubling to 5 s. Redis restarts must not stop the daemon. */
export function redisRetryStrategy(attempt: number): number {
  const base = Math.min(5_000, 100 * 2 ** Math.min(attempt, 6));
  return Math.round(base / 2 + Math.random() * (base / 2));
}

export function createRedis(
  url: string,
  options: RedisOptions & { logger?: Logger; name?: string } = {},
): Redis {
  const { logger, name, ...rest } = options;
  const client = new Redis(url, {
    retryStrategy: redisRetryStrategy,
    // Commands issued while Redis is away fail fast; callers (HTTP 503, consumers pausing) decide what to do.
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    connectionName: name,
    lazyConnect: true,
    // Commands issued in the same tick go out in one write: the worker issues many small ones at once,
    // and one syscall per command was the largest cost in the queue benchmark.
    enableAutoPipelining: true,
    // After disconnect(), a socket the server does not close (a stopped or hung server) is destroyed after
    // this, not after ioredis' 2 s default: that timer would hold a stopping daemon open.
    disconnectTimeout: 200,
    ...rest,
  });
  let lastStatus = '';
  const log = logger?.child({ redis: name ?? 'main' });
  client.on('error', (error: Error) => {
    // ioredis emits the same connection error on every retry; log once per change.
    if (lastStatus !== `error:${error.message}`) log?.warn({ err: error.message }, 'redis connection error');
    lastStatus = `error:${error.message}`;
  });
  client.on('ready', () => {
    if (lastStatus !== 'ready') log?.info('redis connection ready');
    lastStatus = 'ready';
  });
  return client;
}

/**
 * Close a client for good, now, whatever its state: every command waiting for a reply or in the offline
 * queue fails with "Connection is closed.", and so does every later one.
 */
export function closeNow(client: Redis): void {
  client.disconnect();
  if (client.status === 'end') return;
  // ioredis ends a client only from its socket's close event. A client between two reconnect attempts has no
  // socket left to close: its offline queue would wait forever, and new commands would join it. End it here
  // (ioredis 6's own flushQueue and setStatus, which its close handler calls).
  const internals = client as unknown as {
    flushQueue?: (error: Error) => void;
    setStatus?: (status: string) => void;
  };
  internals.setStatus?.('end');
  internals.flushQueue?.(new Error('Connection is closed.'));
}

export async function connectRedis(client: Redis, url: string): Promise<void> {
  try {
    await client.connect();
  } catch (error) {
    throw new RedisSetupError(
      'REDIS_UNREACHABLE',
      `cannot reach Redis at ${redactUrl(url)}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

/** Hide a password in redis://user:password@host URLs before logging. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:@/]*:)[^@/]*@/, '$1***@');
}

export interface RedisServerReport {
  version: string;
  warnings: string[];
}

function parseInfo(info: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of info.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) map.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return map;
}

function versionAtLeast(version: string, min: [number, number]): boolean {
  const [major = 0, minor = 0] = version.split('.').map((n) => Number.parseInt(n, 10));
  return major > min[0] || (major === min[0] && minor >= min[1]);
}

/**
 * Redis ≥ 6.2 is required (XAUTOCLAIM, GETDEL). Eviction or no persistence would lose queued messages:
 * those are warnings, since an operator may run Redis replicated without persistence on purpose.
 */
export async function checkRedisServer(client: Redis): Promise<RedisServerReport> {
  const info = parseInfo(await client.info());
  const version = info.get('redis_version') ?? '0.0.0';
  if (!versionAtLeast(version, [6, 2])) {
    throw new RedisSetupError(
      'REDIS_VERSION_TOO_OLD',
      `Redis ${version} is too old: 6.2 or newer is required`,
    );
  }
  const warnings: string[] = [];
  const policy = info.get('maxmemory_policy') ?? 'noeviction';
  if (policy !== 'noeviction') {
    warnings.push(`maxmemory-policy is ${policy}: Redis may evict queued messages; set it to noeviction`);
  }
  const aof = info.get('aof_enabled') === '1';
  let rdb = false;
  try {
    const save = (await client.config('GET', 'save')) as string[];
    rdb = typeof save[1] === 'string' && save[1].trim() !== '';
  } catch {
    // CONFIG may be disabled on managed services; persistence cannot be verified then.
    warnings.push('cannot read the save setting (CONFIG disabled): persistence not verified');
  }
  if (!aof && !rdb)
    warnings.push('persistence is off (no AOF, no RDB): a Redis restart loses every queued message');
  else if (!aof)
    warnings.push('appendonly is off: a Redis crash may lose the messages of the last snapshot interval');
  return { version, warnings };
}
