// Issue 15: the daemon stops cleanly however it is stopped, as real processes: `npm start` stopped by a
// terminal's Ctrl-C (SIGINT to the whole foreground process group) or by a process manager's SIGTERM to npm,
// and the daemon stopped while its external Redis is unreachable (a stopped server that holds the connection
// open, or a dead one). Each is bounded, leaves no process behind, and logs no warning it should not.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, processAlive } from '../../../src/store/index.js';
import {
  childrenOf,
  commandOf,
  complaints,
  ensureBuilt,
  gone,
  groupMembers,
  runDaemon,
  type Daemon,
} from '../../helpers/daemon.js';
import { waitFor } from '../../helpers/gateway.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';

const KEY = 'stop-test-key';
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

beforeAll(() => {
  // `npm start` runs dist/ (its prestart builds it; here it is built once and the script run alone).
  ensureBuilt();
}, 120_000);

interface Setup {
  dir: string;
  file: string;
  base: string;
}

async function setup(options: { redisUrl?: string; drainTimeoutMs?: number } = {}): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), 'smppgw-stop-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const [httpPort, smscPort] = [await freePort(), await freePort()];
  const file = join(dir, 'gateway.yaml');
  writeFileSync(
    file,
    `log: { pretty: false }
redis:
${options.redisUrl ? `  url: ${options.redisUrl}\n  keyPrefix: stop-${httpPort}` : `  dataDir: ${join(dir, 'redis')}`}
http:
  listen: 127.0.0.1:${httpPort}
simulator:
  enabled: true
  listen: 127.0.0.1:${smscPort}
  receiptDelayMs: 100
accounts:
  - id: acme
    apiKeys: ["${KEY}"]
    senders: [ACME]
operators:
  - id: sim
    host: 127.0.0.1
    port: ${smscPort}
    systemId: gateway
    password: secret
    window: 10
    tps: 200
shutdown:
  drainTimeoutMs: ${options.drainTimeoutMs ?? 5000}
`,
  );
  return { dir, file, base: `http://127.0.0.1:${httpPort}` };
}

function started(daemon: Daemon): Daemon {
  // Whatever a failed test left running: the whole process group (npm may be gone and node not).
  cleanup.push(() => {
    try {
      process.kill(-daemon.child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  });
  return daemon;
}

async function post(
  base: string,
  path: string,
  body: unknown,
): Promise<{ status: number; json: { id?: string } }> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as { id?: string } };
}

/** Some traffic: one message followed to `confirmed`, then a batch (one- and two-part) left in flight. */
async function traffic(base: string, batch = 100): Promise<void> {
  const one = await post(base, '/v1/messages', {
    to: '+33612345678',
    from: 'ACME',
    text: 'Bonjour',
    class: 'transactional',
  });
  expect(one.status).toBe(202);
  await waitFor(
    async () => {
      const view = await fetch(`${base}/v1/messages/${one.json.id}`, {
        headers: { authorization: `Bearer ${KEY}` },
      }).then((r) => r.json() as Promise<{ state: string }>);
      return view.state === 'confirmed' ? true : undefined;
    },
    15_000,
    'the first message to be confirmed',
  );
  const messages = Array.from({ length: batch }, (_, i) => ({
    to: `+336${String(10_000_000 + i)}`,
    from: 'ACME',
    text: i % 2 === 0 ? `in flight ${i}` : `two parts ${i} `.repeat(15),
    class: 'transactional',
  }));
  const accepted = await post(base, '/v1/messages/batch', { messages });
  expect(accepted.status).toBe(202);
}

/** Waits for the daemon to be ready and returns its node process, its redis-server (if managed) and npm's. */
async function processes(daemon: Daemon, dir: string, viaNpm: boolean) {
  await daemon.logged('gateway started');
  const npm = viaNpm ? daemon.child.pid! : undefined;
  const node = viaNpm ? childrenOf(npm!)[0]! : daemon.child.pid!;
  let redis: number | undefined;
  try {
    redis = Number(readFileSync(join(dir, 'redis', 'redis.pid'), 'utf8'));
  } catch {
    redis = undefined;
  }
  return { npm, node, redis };
}

describe('npm start', () => {
  it('Ctrl-C (SIGINT to the foreground process group): daemon and redis-server gone within 3 s, nothing logged above info after "shutting down"', async () => {
    const { dir, file, base } = await setup();
    const daemon = started(
      runDaemon('npm', ['start', '--ignore-scripts', '--', '--config', file], { ACME_API_KEY: KEY }),
    );
    const { npm, node, redis } = await processes(daemon, dir, true);
    // The script execs node: npm's child is the daemon itself, so npm's forwarded signals reach it.
    expect(commandOf(node)).toMatch(/^node dist\/main\.js start/);
    // The managed redis-server is in a process group of its own: the terminal's SIGINT does not reach it.
    expect(redis).toBeDefined();
    expect(groupMembers(npm!)).not.toContain(redis);
    expect(groupMembers(npm!)).toContain(node);
    await traffic(base);

    const t0 = Date.now();
    process.kill(-npm!, 'SIGINT');
    const [nodeGone, redisGone, npmGone] = await Promise.all([
      gone(node, 3000),
      gone(redis!, 3000),
      gone(npm!, 3000),
    ]);
    expect(Math.max(nodeGone, redisGone, npmGone) - t0).toBeLessThan(3000);
    expect(groupMembers(npm!)).toEqual([]);
    expect((await daemon.exit).code).toBe(0);
    const after = daemon.afterShutdown();
    expect(after.map((l) => l.msg)).toContain('gateway stopped');
    expect(complaints(after)).toEqual([]);
    // The redis-server was stopped by the daemon, last: after the daemon's own drain.
    const msgs = after.map((l) => l.msg);
    expect(msgs.indexOf('managed redis-server stopped')).toBeGreaterThan(
      msgs.indexOf('SMSC simulator stopped'),
    );
  }, 60_000);

  it('kill -TERM of the npm process (a process manager) leaves no process behind', async () => {
    const { dir, file, base } = await setup();
    const daemon = started(
      runDaemon('npm', ['start', '--ignore-scripts', '--', '--config', file], { ACME_API_KEY: KEY }),
    );
    const { npm, node, redis } = await processes(daemon, dir, true);
    await traffic(base, 50);

    const t0 = Date.now();
    process.kill(npm!, 'SIGTERM');
    await Promise.all([gone(node, 3000), gone(redis!, 3000), gone(npm!, 3000)]);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(groupMembers(npm!)).toEqual([]);
    expect(processAlive(redis!)).toBe(false);
    expect((await daemon.exit).code).toBe(0);
    expect(complaints(daemon.afterShutdown())).toEqual([]);
  }, 60_000);
});

describe('SIGTERM with the external Redis unreachable', () => {
  const drainTimeoutMs = 2000;

  async function run(fault: (redis: TestRedis) => Promise<void>): Promise<{ daemon: Daemon; ms: number }> {
    const redis = await startTestRedis();
    const pid = redis.server.pid!;
    cleanup.push(async () => {
      if (processAlive(pid)) process.kill(pid, 'SIGCONT');
      await redis.stop();
    });
    const { dir, file, base } = await setup({ redisUrl: redis.url, drainTimeoutMs });
    const daemon = started(runDaemon(process.execPath, ['dist/main.js', 'start', '--config', file]));
    const { node } = await processes(daemon, dir, false);
    await traffic(base, 200);
    await fault(redis);
    const t0 = Date.now();
    process.kill(node, 'SIGTERM');
    const exit = await daemon.exit;
    if (process.env.DEBUG_STOP) console.log(daemon.output().slice(-6000));
    expect(exit.code).toBe(0);
    return { daemon, ms: exit.at - t0 };
  }

  function expectOneWarning(daemon: Daemon): void {
    const after = daemon.afterShutdown();
    const said = complaints(after);
    expect(said.map((l) => l.msg)).toEqual([
      'Redis unreachable at shutdown: skipping what needs it; unfinished work stays pending in Redis for another instance or the next start',
    ]);
    // No stack traces, no retry warnings (MaxRetriesPerRequestError) after "shutting down".
    const text = daemon.output().slice(daemon.output().indexOf('"shutting down"'));
    expect(text).not.toMatch(/stack|MaxRetriesPerRequest/);
    expect(after.map((l) => l.msg)).toContain('gateway stopped');
  }

  it('a stopped server (SIGSTOP: the connection stays open, nothing answers): exits within drainTimeoutMs + 3 s', async () => {
    const { daemon, ms } = await run(async (redis) => {
      process.kill(redis.server.pid!, 'SIGSTOP');
    });
    expect(ms).toBeLessThan(drainTimeoutMs + 3000);
    expectOneWarning(daemon);
  }, 60_000);

  it('a dead server (connection refused, ioredis reconnecting): exits within drainTimeoutMs + 3 s', async () => {
    const { daemon, ms } = await run(async (redis) => {
      await redis.server.kill();
      // Let ioredis notice and start its reconnect attempts (commands now wait in its offline queue).
      await new Promise((r) => setTimeout(r, 300));
    });
    expect(ms).toBeLessThan(drainTimeoutMs + 3000);
    expectOneWarning(daemon);
  }, 60_000);
});
