// A real Redis Cluster per test file, as startTestRedis is for standalone Redis: three primaries on free
// loopback ports (`redis-server --cluster-enabled yes`), each in its own temporary directory, the slots
// assigned by `redis-cli --cluster create`. No mocks, no replicas (a failover is Sentinel's test).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { ManagedRedis, freePort } from '../../src/store/index.js';
import { clientPool, waitUntil } from './redis-nodes.js';

const run = promisify(execFile);

/** Can a server listen on this loopback port now? */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export interface TestRedisCluster {
  /** The primaries' URLs (what `redis.cluster` takes). */
  nodes: string[];
  ports: number[];
  /** A cluster client for assertions; closed by stop(). */
  client: Cluster;
  /** A plain client on one primary (its own keys only), for per-node counts. */
  clientOn(port: number): Redis;
  /** Keys per primary whose name starts with `prefix` (SCAN on each node). */
  keysPerNode(prefix: string): Promise<number[]>;
  stop(): Promise<void>;
}

export async function startTestRedisCluster(primaries = 3): Promise<TestRedisCluster> {
  const root = mkdtempSync(join(tmpdir(), 'smppgw-cluster-'));
  const servers: ManagedRedis[] = [];
  try {
    for (let i = 0; i < primaries; i++) {
      // Each node also listens on port + 10000 (the cluster bus): both must be free and under 65536.
      let port = await freePort();
      while (port + 10_000 > 65_535 || !(await portFree(port + 10_000))) port = await freePort();
      const server = new ManagedRedis({
        dataDir: join(root, `node-${i}`),
        port,
        extraArgs: [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          'nodes.conf',
          '--cluster-node-timeout',
          '5000',
        ],
      });
      await server.start();
      servers.push(server);
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.stop().catch(() => undefined)));
    rmSync(root, { recursive: true, force: true });
    throw err;
  }
  const ports = servers.map((s) => s.port);
  const pool = clientPool();
  const clientOn = pool.clientOn;
  await run('redis-cli', [
    '--cluster',
    'create',
    ...ports.map((p) => `127.0.0.1:${p}`),
    '--cluster-replicas',
    '0',
    '--cluster-yes',
  ]);
  // Every node must agree the cluster is whole before a client is handed the slot map.
  await waitUntil(
    async () => {
      for (const port of ports) {
        const info = (await clientOn(port).call('CLUSTER', 'INFO')) as string;
        if (!/cluster_state:ok/.test(info) || !/cluster_known_nodes:(\d+)/.test(info)) return false;
        if (Number(/cluster_known_nodes:(\d+)/.exec(info)![1]) !== primaries) return false;
      }
      return true;
    },
    20_000,
    'the cluster to be whole',
  );
  const nodes = ports.map((p) => `redis://127.0.0.1:${p}`);
  const client = new Cluster(
    ports.map((port) => ({ host: '127.0.0.1', port })),
    { redisOptions: { maxRetriesPerRequest: 3 } },
  );
  client.on('error', () => undefined);
  return {
    nodes,
    ports,
    client,
    clientOn,
    async keysPerNode(prefix) {
      const counts: number[] = [];
      for (const port of ports) {
        let cursor = '0';
        let n = 0;
        do {
          const [next, keys] = await clientOn(port).scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          cursor = next;
          n += keys.length;
        } while (cursor !== '0');
        counts.push(n);
      }
      return counts;
    },
    async stop() {
      client.disconnect();
      pool.close();
      await Promise.all(servers.map((s) => s.stop().catch(() => undefined)));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
