import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { checkRedisServer, ManagedRedis, RedisSetupError, processAlive } from '../../../src/store/index.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'smppgw-managed-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('managed redis-server', () => {
  it('starts with safe persistence settings, answers, and stops leaving no process behind', async () => {
    const managed = new ManagedRedis({ dataDir: tempDir() });
    const url = await managed.start();
    const pid = managed.pid!;
    const client = new Redis(url);
    try {
      expect(await client.ping()).toBe('PONG');
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      expect(await client.config('GET', 'appendfsync')).toEqual(['appendfsync', 'everysec']);
      expect(await client.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
      const report = await checkRedisServer(client);
      expect(report.warnings).toEqual([]);
    } finally {
      client.disconnect();
    }
    await managed.stop();
    expect(processAlive(pid)).toBe(false);
  });

  it('keeps data across a restart through the append-only file', async () => {
    const dataDir = tempDir();
    const first = new ManagedRedis({ dataDir });
    const url = await first.start();
    const client = new Redis(url);
    await client.set('k', 'v');
    client.disconnect();
    await first.stop();
    const second = new ManagedRedis({ dataDir });
    const url2 = await second.start();
    const client2 = new Redis(url2);
    try {
      expect(await client2.get('k')).toBe('v');
    } finally {
      client2.disconnect();
      await second.stop();
    }
  });

  it('stops a redis-server left running by a killed daemon on the same data directory', async () => {
    const dataDir = tempDir();
    const orphan = new ManagedRedis({ dataDir });
    await orphan.start();
    const orphanPid = orphan.pid!;
    const next = new ManagedRedis({ dataDir });
    await next.start();
    try {
      expect(processAlive(orphanPid)).toBe(false);
    } finally {
      await next.stop();
      await orphan.stop();
    }
  });

  it('says in one line how to fix a missing redis-server', async () => {
    const managed = new ManagedRedis({ dataDir: tempDir(), serverBin: 'redis-server-that-does-not-exist' });
    const error = await managed.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisSetupError);
    expect((error as RedisSetupError).code).toBe('REDIS_SERVER_NOT_FOUND');
    expect((error as Error).message).toMatch(/not found on the PATH: install Redis .* or set redis\.url/);
    expect((error as Error).message).not.toContain('\n');
  });

  it('warns when the server could evict or lose messages', async () => {
    const managed = new ManagedRedis({
      dataDir: tempDir(),
      extraArgs: ['--appendonly', 'no', '--save', '', '--maxmemory-policy', 'allkeys-lru'],
    });
    const url = await managed.start();
    const client = new Redis(url);
    try {
      const report = await checkRedisServer(client);
      expect(report.warnings.join('\n')).toMatch(/evict/);
      expect(report.warnings.join('\n')).toMatch(/persistence is off/);
    } finally {
      client.disconnect();
      await managed.stop();
    }
  });
});
