// Integration tests run a real redis-server on a free port in a temporary directory (no mocks), with a
// unique key prefix per test so tests sharing one server never see each other's keys.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { ManagedRedis, RedisKeys } from '../../src/store/index.js';
import { startTestRedisCluster } from './redis-cluster.js';

export interface TestRedis {
  url: string;
  /**
   * Set when the tests run on a Redis Cluster (TEST_REDIS_CLUSTER=1): its seed nodes, for `redis.cluster`.
   * `url` then names the first primary and `client` is a Cluster client; restart() is not available.
   */
  cluster?: string[];
  port: number;
  dataDir: string;
  server: ManagedRedis;
  /** A connected client for assertions; closed by stop(). */
  client: Redis;
  /** Restart on the same port and data directory (AOF replayed). */
  restart(options?: { kill?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

/** Do the tests run on a 3-primary Redis Cluster (TEST_REDIS_CLUSTER=1) instead of one server? */
export const ON_CLUSTER = process.env.TEST_REDIS_CLUSTER === '1';

/** The `redis` config section of a test: the cluster's nodes on a cluster, the server's URL otherwise. */
export function redisSection(
  redis: Pick<TestRedis, 'url' | 'cluster'>,
): { url: string } | { cluster: string[] } {
  return redis.cluster ? { cluster: redis.cluster } : { url: redis.url };
}

export async function startTestRedis(): Promise<TestRedis> {
  if (ON_CLUSTER) return startClusterAsTestRedis();
  const dataDir = mkdtempSync(join(tmpdir(), 'smppgw-redis-'));
  let server = new ManagedRedis({ dataDir });
  const url = await server.start();
  const port = server.port;
  const client = new Redis(url, { maxRetriesPerRequest: 3 });
  client.on('error', () => undefined);
  const handle: TestRedis = {
    url,
    port,
    dataDir,
    get server() {
      return server;
    },
    client,
    async restart(options = {}) {
      if (options.kill) await server.kill();
      else await server.stop();
      server = new ManagedRedis({ dataDir, port });
      await server.start();
    },
    async stop() {
      client.disconnect();
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return handle;
}

async function startClusterAsTestRedis(): Promise<TestRedis> {
  const set = await startTestRedisCluster();
  const unsupported = (): never => {
    throw new Error('restart() is not available on the test cluster');
  };
  return {
    url: set.nodes[0]!,
    port: set.ports[0]!,
    cluster: set.nodes,
    dataDir: '',
    get server(): ManagedRedis {
      return unsupported();
    },
    // The Cluster client answers the commands tests use for assertions the way a Redis client does.
    client: set.client as unknown as Redis,
    restart: async () => unsupported(),
    stop: () => set.stop(),
  };
}

export function uniquePrefix(name = 't'): string {
  return `${name}-${randomBytes(4).toString('hex')}`;
}

/** The key names a test's store uses: the Cluster layout when the tests run on one (TEST_REDIS_CLUSTER=1). */
export function testKeys(prefix: string, shards = 1): RedisKeys {
  return new RedisKeys(prefix, shards, { cluster: ON_CLUSTER });
}
