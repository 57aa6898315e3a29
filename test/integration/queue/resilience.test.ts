// Issue 5, the hard promises: a daemon killed with -9 loses nothing (another picks up its work), a
// Redis restart loses nothing, and three instances share one operator limit and the work.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway } from '../../../src/app.js';
import { buildConfig, type Config, type ConfigInput } from '../../../src/config/index.js';
import { MessageQueue } from '../../../src/queue/index.js';
import { MessageStore, RedisKeys } from '../../../src/store/index.js';
import { SmscSimulator } from '../../../src/simulator/index.js';
import { startTestRedis, uniquePrefix, type TestRedis } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/gateway.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.stop();
});

function configFor(
  prefix: string,
  smscPort: number,
  operator: Record<string, unknown>,
  extra: Partial<ConfigInput> = {},
): ConfigInput {
  return {
    log: { level: 'warn' },
    redis: { url: redis.url, keyPrefix: prefix },
    http: { listen: '127.0.0.1:0' },
    accounts: [{ id: 'acme', apiKeys: ['k'], senders: ['ACME'] }],
    operators: [
      {
        id: 'sim',
        host: '127.0.0.1',
        port: smscPort,
        systemId: 'gateway',
        password: 'secret',
        receipts: false,
        reconnect: { initialMs: 100, maxMs: 500, bindRefusedMinMs: 500 },
        ...operator,
      },
    ],
    queue: { leaseMs: 1500, bindLeaseMs: 1500 },
    shutdown: { drainTimeoutMs: 500 },
    ...extra,
  } as ConfigInput;
}

/** Enqueue `count` messages whose text is their number, through the real enqueue path. */
async function enqueueMany(config: Config, count: number): Promise<void> {
  const queue = new MessageQueue(
    new MessageStore(redis.client, new RedisKeys(config.redis.keyPrefix)),
    config,
    () => 'sim',
  );
  const batch = 500;
  for (let start = 0; start < count; start += batch) {
    const jobs: Array<Promise<unknown>> = [];
    for (let i = start; i < Math.min(count, start + batch); i++) {
      jobs.push(
        queue.enqueue({
          account: 'acme',
          to: '+33612345678',
          from: 'ACME',
          text: `m${i}`,
          class: 'transactional',
        }),
      );
    }
    await Promise.all(jobs);
  }
}

function distinctTexts(sim: SmscSimulator): Set<string> {
  return new Set(sim.submits.map((s) => s.shortMessage.toString('latin1')));
}

describe('no loss', () => {
  it('a daemon killed with -9 mid-run: a second instance finishes, duplicates within the in-flight window', async () => {
    const sim = new SmscSimulator({ port: 0, receipts: false });
    const { port } = await sim.start();
    const dir = mkdtempSync(join(tmpdir(), 'smppgw-kill-'));
    const children: ChildProcess[] = [];
    try {
      const input = configFor(uniquePrefix('kill'), port, { tps: 20_000, window: 50 });
      const config = buildConfig(input);
      const total = 20_000;
      await enqueueMany(config, total);
      const file = join(dir, 'gateway.yaml');
      writeFileSync(file, JSON.stringify(input)); // JSON is YAML
      const daemon = () => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'start', '--config', file], {
          env: { ...process.env, LOG_LEVEL: 'error' },
          stdio: 'ignore',
        });
        children.push(child);
        return child;
      };
      const first = daemon();
      await waitFor(
        () => (sim.submits.length >= 3000 ? true : undefined),
        30_000,
        'the first daemon to submit',
      );
      first.kill('SIGKILL');
      await new Promise((resolve) => first.once('exit', resolve));
      const atKill = sim.submits.length;
      expect(atKill).toBeLessThan(total);

      daemon();
      await waitFor(
        () => (distinctTexts(sim).size === total ? true : undefined),
        90_000,
        'every message to arrive',
      );
      const duplicates = sim.submits.length - total;
      expect(duplicates).toBeGreaterThanOrEqual(0);
      expect(duplicates).toBeLessThanOrEqual(50);
    } finally {
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);

  it('a Redis restart mid-run (append-only file) loses nothing', async () => {
    const sim = new SmscSimulator({ port: 0, receipts: false });
    const { port } = await sim.start();
    const config = buildConfig(configFor(uniquePrefix('restart'), port, { tps: 2000, window: 20 }));
    const gateway = new Gateway(config, { logger: pino({ level: 'silent' }) });
    try {
      const total = 3000;
      await enqueueMany(config, total);
      await gateway.start();
      await waitFor(() => (sim.submits.length >= 800 ? true : undefined), 30_000, 'the run to start');
      await redis.restart();
      await waitFor(
        () => (distinctTexts(sim).size === total ? true : undefined),
        60_000,
        'every message after the restart',
      );
    } finally {
      await gateway.stop();
      await sim.stop();
    }
  }, 90_000);
});

describe('several instances', () => {
  it('three instances share one operator limit of 300 segments/s (±5 % over any second) and the work', async () => {
    const sim = new SmscSimulator({ port: 0, receipts: false });
    const { port } = await sim.start();
    const config = buildConfig(configFor(uniquePrefix('three'), port, { tps: 300, window: 10, binds: 3 }));
    const gateways = [0, 1, 2].map(
      (i) =>
        new Gateway(config, {
          logger: pino({ level: 'silent' }),
          instanceId: `instance-${i}`,
          leases: { ttlMs: 1500, heartbeatMs: 300 },
          bindManager: { leaseRenewMs: 300, leaseRetryMs: 200 },
        }),
    );
    try {
      await Promise.all(gateways.map((g) => g.start()));
      // Each instance settles on its fair share: one bind each.
      await waitFor(
        () => (gateways.every((g) => g.bindManager('sim')!.boundCount() === 1) ? true : undefined),
        15_000,
        'one bind per instance',
      );
      const total = 1800;
      await enqueueMany(config, total);
      await waitFor(() => (distinctTexts(sim).size === total ? true : undefined), 30_000, 'every message');
      const times = sim.submits.map((s) => s.receivedAt).sort((a, b) => a - b);
      let worst = 0;
      for (let i = 0, j = 0; i < times.length; i++) {
        while (times[i]! - times[j]! >= 1000) j++;
        worst = Math.max(worst, i - j + 1);
      }
      expect(worst).toBeLessThanOrEqual(315);
      expect(worst).toBeGreaterThan(250);
      const perSession = new Map<number, number>();
      for (const s of sim.submits) perSession.set(s.sessionId, (perSession.get(s.sessionId) ?? 0) + 1);
      expect(perSession.size).toBe(3);
      for (const n of perSession.values()) expect(n).toBeGreaterThan(total / 10);
    } finally {
      await Promise.all(gateways.map((g) => g.stop()));
      await sim.stop();
    }
  }, 60_000);
});

describe('carrier throttling', () => {
  it('settles under a carrier that throttles above 200/s: nothing lost, no retry storm', async () => {
    const sim = new SmscSimulator({
      port: 0,
      receipts: false,
      scenarios: [{ name: 'throttle', maxPerSecond: 200 }],
    });
    const { port } = await sim.start();
    const config = buildConfig(configFor(uniquePrefix('aimd'), port, { tps: 1000, window: 20 }));
    const gateway = new Gateway(config, { logger: pino({ level: 'silent' }) });
    try {
      await gateway.start();
      const total = 1500;
      await enqueueMany(config, total);
      await waitFor(
        () => (sim.counters().submitsOk >= total ? true : undefined),
        40_000,
        'every message accepted',
      );
      expect(distinctTexts(sim).size).toBe(total);
      const { submitsThrottled, submitsOk } = sim.counters();
      // Each throttle answer halves the rate: throttled answers stay a small share of the traffic.
      expect(submitsThrottled).toBeLessThan(submitsOk * 0.25);
      const rate = await gateway.metrics.throttleRate.get();
      expect(rate.values[0]!.value).toBeLessThan(1000);
    } finally {
      await gateway.stop();
      await sim.stop();
    }
  }, 60_000);
});
