// One place that opens ioredis connections, so every connection shares the retry policy, the
// readiness logging and the check that the server will not silently drop messages.
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { RedisSetupError } from './errors.js';

/** Jittered exponential reconnect: 100 ms doubling to 5 s. Redis restarts must not stop the daemon. */
export function redisRetryStrategy(attempt: number): number {
  const base = Math.min(5_000, 100 * 2 ** Math.min(attempt, 6));
  return Math.round(base / 2 + Math.random() * (base / 2));
}

/** A connection the store works through: one server (plain or behind Sentinel), or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/**
 * Where Redis is, in the three shapes the configuration allows (SPEC §6): one server by URL, a primary
 * found through Sentinel, or a Cluster from its seed nodes.
 */
export type RedisTarget =
  | { kind: 'url'; url: string }
  | {
      kind: 'sentinel';
      nodes: readonly string[];
      name: string;
      username?: string;
      password?: string;
      tls?: boolean;
    }
  | { kind: 'cluster'; nodes: readonly string[]; username?: string; password?: string };

/** The redis section of the configuration, as far as where Redis is goes. */
export interface RedisWhereConfig {
  url?: string | undefined;
  cluster?: readonly string[] | undefined;
  sentinel?:
    | {
        nodes: readonly string[];
        name: string;
        username?: string | undefined;
        password?: string | undefined;
        tls?: boolean;
      }
    | undefined;
  username?: string | undefined;
  password?: string | undefined;
}

/** Where the configuration says Redis is; undefined: nowhere, the daemon runs its own. */
export function redisTargetOf(config: RedisWhereConfig): RedisTarget | undefined {
  if (config.url) return { kind: 'url', url: config.url };
  const auth = {
    ...(config.username ? { username: config.username } : {}),
    ...(config.password ? { password: config.password } : {}),
  };
  if (config.cluster) return { kind: 'cluster', nodes: config.cluster, ...auth };
  if (config.sentinel) {
    const { nodes, name, tls } = config.sentinel;
    return {
      kind: 'sentinel',
      nodes,
      name,
      ...auth,
      ...(config.sentinel.username ? { username: config.sentinel.username } : {}),
      ...(config.sentinel.password ? { password: config.sentinel.password } : {}),
      ...(tls ? { tls } : {}),
    };
  }
  return undefined;
}

/** The target as a log line or an error message can show it (no password). */
export function describeTarget(target: RedisTarget | string): string {
  if (typeof target === 'string') return redactUrl(target);
  if (target.kind === 'url') return redactUrl(target.url);
  const nodes = target.nodes.map(redactUrl).join(',');
  return target.kind === 'sentinel' ? `sentinel ${target.name}@${nodes}` : `cluster ${nodes}`;
}

interface NodeAddress {
  host: string;
  port: number;
  username?: string;
  password?: string;
}

function nodeAddress(url: string): NodeAddress {
  const u = new URL(url);
  const address: NodeAddress = { host: u.hostname, port: Number(u.port || 6379) };
  if (u.username) address.username = decodeURIComponent(u.username);
  if (u.password) address.password = decodeURIComponent(u.password);
  return address;
}

const SHARED_OPTIONS = {
  retryStrategy: redisRetryStrategy,
  // Commands issued while Redis is away fail fast; callers (HTTP 503, consumers pausing) decide what to do.
  maxRetriesPerRequest: 1,
  enableOfflineQueue: true,
  lazyConnect: true,
  // Commands issued in the same tick go out in one write: the worker issues many small ones at once,
  // and one syscall per command was the largest cost in the queue benchmark.
  enableAutoPipelining: true,
  // After disconnect(), a socket the server does not close (a stopped or hung server) is destroyed after
  // this, not after ioredis' 2 s default: that timer would hold a stopping daemon open.
  disconnectTimeout: 200,
} satisfies RedisOptions;

export function createRedis(
  target: RedisTarget | string,
  options: RedisOptions & { logger?: Logger; name?: string } = {},
): RedisClient {
  const { logger, name, ...rest } = options;
  const where: RedisTarget = typeof target === 'string' ? { kind: 'url', url: target } : target;
  let client: RedisClient;
  if (where.kind === 'url') {
    client = new Redis(where.url, { ...SHARED_OPTIONS, connectionName: name, ...rest });
  } else if (where.kind === 'sentinel') {
    const sentinels = where.nodes.map(nodeAddress);
    const sentinelAuth = sentinels.find((n) => n.password !== undefined);
    client = new Redis({
      ...SHARED_OPTIONS,
      connectionName: name,
      sentinels: sentinels.map(({ host, port }) => ({ host, port })),
      name: where.name,
      role: 'master',
      // Not ioredis' failoverDetector: its disconnect on +switch-master, landing while a client is between
      // two reconnect attempts, left that client connecting forever (seen in test/integration/redis/
      // sentinel.test.ts: the worker's reading connection never came back). A killed primary closes our
      // connections anyway; a primary demoted in a planned failover answers writes READONLY, on which we
      // reconnect, asking the sentinels again.
      reconnectOnError: (error: Error) => error.message.startsWith('READONLY'),
      // A failover takes the sentinels seconds; ask them again at the same pace as a reconnect.
      sentinelRetryStrategy: redisRetryStrategy,
      ...(sentinelAuth?.username ? { sentinelUsername: sentinelAuth.username } : {}),
      ...(sentinelAuth?.password ? { sentinelPassword: sentinelAuth.password } : {}),
      ...(where.username ? { username: where.username } : {}),
      ...(where.password ? { password: where.password } : {}),
      ...(where.tls ? { tls: {}, enableTLSForSentinelMode: true } : {}),
      ...rest,
    });
  } else {
    const nodes = where.nodes.map(nodeAddress);
    const auth = nodes.find((n) => n.password !== undefined);
    const clusterOptions: ClusterOptions = {
      clusterRetryStrategy: redisRetryStrategy,
      enableOfflineQueue: true,
      lazyConnect: true,
      enableAutoPipelining: true,
      // A script runs on the primary of its slot; MOVED/ASK during a resharding are followed.
      scaleReads: 'master',
      redisOptions: {
        ...SHARED_OPTIONS,
        connectionName: name,
        ...((where.username ?? auth?.username) ? { username: where.username ?? auth?.username } : {}),
        ...((where.password ?? auth?.password) ? { password: where.password ?? auth?.password } : {}),
        ...rest,
      },
    };
    client = new Cluster(
      nodes.map(({ host, port }) => ({ host, port })),
      clusterOptions,
    );
  }
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

/** A second connection to the same Redis (e.g. for blocking reads), with the same options unless overridden. */
export function duplicateClient(client: RedisClient, overrides: Partial<RedisOptions> = {}): RedisClient {
  if (client instanceof Cluster) {
    return client.duplicate(undefined, {
      ...(overrides.enableAutoPipelining !== undefined
        ? { enableAutoPipelining: overrides.enableAutoPipelining }
        : {}),
      redisOptions: { ...client.options.redisOptions, ...overrides },
    });
  }
  return client.duplicate(overrides);
}

/**
 * Close a client for good, now, whatever its state: every command waiting for a reply or in the offline
 * queue fails with "Connection is closed.", and so does every later one.
 */
export function closeNow(client: RedisClient): void {
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

export async function connectRedis(client: RedisClient, target: RedisTarget | string): Promise<void> {
  try {
    await client.connect();
  } catch (error) {
    throw new RedisSetupError(
      'REDIS_UNREACHABLE',
      `cannot reach Redis at ${describeTarget(target)}: ${(error as Error).message}`,
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
export async function checkRedisServer(client: RedisClient): Promise<RedisServerReport> {
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
