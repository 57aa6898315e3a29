// Integration tests run a real redis-server on a free port in a temporary directory (no mocks), with a
// unique key prefix per test so tests sharing one server never see each other's keys.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { ManagedRedis } from '../../src/store/index.js';

export interface TestRedis {
  url: string;
  port: number;
  dataDir: string;
  server: ManagedRedis;
  /** A connected client for assertions; closed by stop(). */
  client: Redis;
  /** Restart on the same port and data directory (AOF replayed). */
  restart(options?: { kill?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestRedis(): Promise<TestRedis> {
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

export function uniquePrefix(name = 't'): string {
  return `${name}-${randomBytes(4).toString('hex')}`;
}
