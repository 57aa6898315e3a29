// Fault (c): Redis up but refusing writes, under load: first out of memory (maxmemory reached with noeviction:
// OOM), then a failing disk (a background save that cannot write: MISCONF). Meanwhile ingress answers 503
// with Retry-After (never 500, never 202 for what was not stored), /readyz is false and says why, and once
// Redis takes writes again the same gateway, not restarted, is ready and accepts within seconds. Every message
// acknowledged before, between and after ends confirmed; what was refused is not in Redis.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManagedRedis } from '../../src/store/index.js';
import { startTestGateway, waitFor, type TestGateway } from '../helpers/gateway.js';
import type { TestRedis } from '../helpers/redis.js';
import { report, tally } from './helpers.js';

let dataDir: string;
let server: ManagedRedis;
let admin: Redis;
let gw: TestGateway;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'smppgw-refuse-'));
  // RDB save points (a failed background save is what MISCONF reports) and CONFIG SET dir allowed.
  server = new ManagedRedis({
    dataDir,
    extraArgs: ['--save', '3600 1', '--enable-protected-configs', 'yes'],
  });
  const url = await server.start();
  admin = new Redis(url, { maxRetriesPerRequest: 3 });
  admin.on('error', () => undefined);
  gw = await startTestGateway({ url, client: admin } as unknown as TestRedis, {
    operator: { tps: 2000, window: 20 },
    queue: { leaseMs: 1000 },
  });
});

afterAll(async () => {
  await gw?.stop();
  admin?.disconnect();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function readyz(): Promise<{
  status: number;
  body: { ready: boolean; checks: Record<string, unknown> };
}> {
  const response = await fetch(`${gw.baseUrl}/readyz`);
  return {
    status: response.status,
    body: (await response.json()) as { ready: boolean; checks: Record<string, unknown> },
  };
}

describe('fault: Redis refusing writes', () => {
  it('OOM at maxmemory, then MISCONF after a failed save: 503 and /readyz false meanwhile, recovery without a restart, nothing acknowledged lost, nothing refused stored', async () => {
    const acknowledged = new Set<string>();
    const statuses = new Map<string, number>();
    let phase = 'before';
    let sending = true;
    let n = 0;
    const retryAfter = new Set<string>();
    // Clients keep sending: singles and small batches.
    const load = (async () => {
      while (sending) {
        n += 1;
        const batch = n % 3 === 0;
        const message = (i: number) => ({
          to: `+3361${String(2_000_000 + n * 10 + i)}`,
          from: 'ACME',
          text: `refuse ${n}.${i}`,
          class: 'transactional',
        });
        const response = await fetch(`${gw.baseUrl}${batch ? '/v1/messages/batch' : '/v1/messages'}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${gw.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify(batch ? { messages: [message(0), message(1), message(2)] } : message(0)),
        });
        const body = (await response.json()) as { id?: string; results?: Array<{ id?: string }> };
        tally(statuses, `${phase}:${response.status}`);
        if (response.status === 503) retryAfter.add(response.headers.get('retry-after') ?? 'none');
        if (response.status === 202) {
          if (body.id) acknowledged.add(body.id);
          for (const r of body.results ?? []) if (r.id) acknowledged.add(r.id);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const readyTimes: Record<string, number> = {};
    try {
      await waitFor(() => (acknowledged.size >= 50 ? true : undefined), 10_000, 'traffic before the fault');

      // 1. Out of memory.
      phase = 'oom';
      let t0 = Date.now();
      await admin.config('SET', 'maxmemory', '1');
      const oom = await waitFor(
        async () => {
          const r = await readyz();
          return r.status === 503 ? r : undefined;
        },
        10_000,
        '/readyz to say not ready',
      );
      readyTimes.oomDetectedMs = Date.now() - t0;
      expect(oom.body.checks).toMatchObject({ redis: false, redisRefusesWrites: 'OOM' });
      await waitFor(
        () => ((statuses.get('oom:503') ?? 0) >= 20 ? true : undefined),
        10_000,
        '503s during OOM',
      );
      phase = 'oom-recovering';
      t0 = Date.now();
      await admin.config('SET', 'maxmemory', '0');
      await waitFor(
        async () => ((await readyz()).status === 200 ? true : undefined),
        10_000,
        'ready after OOM',
      );
      readyTimes.oomRecoveredMs = Date.now() - t0;
      phase = 'between';
      const between = acknowledged.size;
      await waitFor(
        () => (acknowledged.size >= between + 30 ? true : undefined),
        10_000,
        '202s again after OOM',
      );

      // 2. A failing disk: the background save cannot write, Redis stops taking writes (MISCONF).
      phase = 'misconf';
      t0 = Date.now();
      await admin.config('SET', 'dir', '/proc');
      await admin.bgsave();
      await waitFor(
        async () =>
          (await admin.info('persistence')).includes('rdb_last_bgsave_status:err') ? true : undefined,
        10_000,
        'the background save to fail',
      );
      const misconf = await waitFor(
        async () => {
          const r = await readyz();
          return r.status === 503 ? r : undefined;
        },
        10_000,
        '/readyz to say not ready',
      );
      readyTimes.misconfDetectedMs = Date.now() - t0;
      expect(misconf.body.checks).toMatchObject({ redis: false, redisRefusesWrites: 'MISCONF' });
      await waitFor(
        () => ((statuses.get('misconf:503') ?? 0) >= 20 ? true : undefined),
        10_000,
        '503s during MISCONF',
      );
      phase = 'misconf-recovering';
      t0 = Date.now();
      await admin.config('SET', 'dir', dataDir);
      await admin.bgsave();
      await waitFor(
        async () => ((await readyz()).status === 200 ? true : undefined),
        10_000,
        'ready after MISCONF',
      );
      readyTimes.misconfRecoveredMs = Date.now() - t0;
      phase = 'after';
      const after = acknowledged.size;
      await waitFor(
        () => (acknowledged.size >= after + 30 ? true : undefined),
        10_000,
        '202s again after MISCONF',
      );
    } finally {
      sending = false;
      await load;
    }

    // Every acknowledged message reaches the SMSC and ends confirmed; Redis holds exactly those.
    const ids = [...acknowledged];
    const views = await waitFor(
      async () => {
        const all = await Promise.all(ids.map((id) => gw.gateway.store.messages.get(id)));
        return all.every((v) => v?.state === 'confirmed') ? all : undefined;
      },
      60_000,
      'every acknowledged message to be confirmed',
    );
    const figures = await gw.gateway.store.messages.figures('acme');
    const submits = gw.gateway.simulator!.submits;
    const distinct = new Set(submits.map((s) => s.destinationAddr)).size;
    report('redis-refuses-writes', {
      statuses: Object.fromEntries([...statuses].sort()),
      acknowledged: ids.length,
      confirmed: views.length,
      enqueuedInRedis: figures.total,
      smscSubmits: submits.length,
      smscDuplicates: submits.length - distinct,
      ...readyTimes,
    });
    expect([...statuses.keys()].filter((k) => !/:(202|503)$/.test(k))).toEqual([]);
    expect(statuses.get('oom:503') ?? 0).toBeGreaterThan(0);
    expect(statuses.get('misconf:503') ?? 0).toBeGreaterThan(0);
    expect([...retryAfter]).toEqual(['5']);
    expect(figures.total).toBe(ids.length);
    expect(distinct).toBe(ids.length);
  }, 180_000);
});
