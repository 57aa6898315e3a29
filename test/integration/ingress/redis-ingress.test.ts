// Issue 12, the Redis ingress for aggregators, on real parts (redis-server, the whole gateway, the simulator):
// 10,000 entries with 3 % malformed, each with its outcome on the account's own events and the bad ones
// dead-lettered; the account's tps honoured by reading slower; a daemon killed with -9 mid-stream.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConfig, type ConfigInput } from '../../../src/config/index.js';
import { MessageQueue } from '../../../src/queue/index.js';
import { MessageStore } from '../../../src/store/index.js';
import { SmscSimulator } from '../../../src/simulator/index.js';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';
import {
  ON_CLUSTER,
  redisSection,
  testKeys,
  startTestRedis,
  uniquePrefix,
  type TestRedis,
} from '../../helpers/redis.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const ACCOUNTS = [
  { id: 'acme', apiKeys: ['test-key-acme'], senders: ['ACME', '36180'] },
  { id: 'other', apiKeys: ['k-other'], senders: ['OTHER'] },
];

/** Malformed entries of every kind, each with the code it must be refused with. */
const MALFORMED: Array<{ fields: Record<string, string>; code: string }> = [
  { fields: { from: 'ACME', text: 'x', class: 'transactional' }, code: 'MISSING_FIELD' },
  { fields: { to: 'not-a-number', from: 'ACME', text: 'x', class: 'transactional' }, code: 'INVALID_NUMBER' },
  {
    fields: { to: '+33612345678', from: 'EVIL', text: 'x', class: 'transactional' },
    code: 'SENDER_NOT_ALLOWED',
  },
  { fields: { to: '+33612345678', from: 'ACME', text: 'x', class: 'loud' }, code: 'INVALID_FIELD' },
  {
    fields: { to: '+33612345678', from: 'ACME', text: 'x', class: 'marketing', colour: 'red' },
    code: 'UNKNOWN_FIELD',
  },
  {
    fields: { to: '+33612345678', from: 'ACME', text: 'x', class: 'transactional', validityMinutes: 'soon' },
    code: 'INVALID_FIELD',
  },
];

type Flat = Record<string, string>;

async function xaddAll(stream: string, entries: readonly Flat[]): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < entries.length; start += 1000) {
    const pipeline = redis.client.pipeline();
    for (const fields of entries.slice(start, start + 1000))
      pipeline.xadd(stream, '*', ...Object.entries(fields).flat());
    const replies = (await pipeline.exec()) ?? [];
    for (const [error, id] of replies) {
      if (error) throw error;
      ids.push(String(id));
    }
  }
  return ids;
}

async function readStream(stream: string): Promise<Array<{ id: string; fields: Flat }>> {
  const out: Array<{ id: string; fields: Flat }> = [];
  let from = '-';
  for (;;) {
    const batch = await redis.client.xrange(stream, from, '+', 'COUNT', 5000);
    for (const [id, flat] of batch) {
      const fields: Flat = {};
      for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
      if (id !== from) out.push({ id, fields });
    }
    if (batch.length < 5000) return out;
    from = batch[batch.length - 1]![0];
  }
}

/** `total` entries, every 33rd malformed (3 %); good ones carry their number as text. */
function workload(total: number): { entries: Flat[]; good: Set<string>; bad: Map<number, string> } {
  const entries: Flat[] = [];
  const good = new Set<string>();
  const bad = new Map<number, string>();
  for (let i = 0; i < total; i++) {
    if (i % 33 === 5) {
      const m = MALFORMED[bad.size % MALFORMED.length]!;
      bad.set(i, m.code);
      entries.push(m.fields);
    } else {
      good.add(`m${i}`);
      entries.push({ to: '+33612345678', from: 'ACME', text: `m${i}`, class: 'transactional' });
    }
  }
  return { entries, good, bad };
}

function texts(sim: SmscSimulator): string[] {
  return sim.submits.map((s) => s.shortMessage.toString('latin1'));
}

describe('Redis ingress', () => {
  it('10,000 entries, 3 % malformed: each good one delivered once, each bad one dead-lettered, every outcome on its own account', async () => {
    const gw: TestGateway = await startTestGateway(redis, {
      accounts: ACCOUNTS,
      operator: { tps: 20_000, window: 100, receipts: false },
    } as Partial<ConfigInput>);
    try {
      const keys = gw.gateway.store.keys;
      const { entries, good, bad } = workload(10_000);
      const ids = await xaddAll(keys.ingress('acme'), entries);
      const sim = gw.gateway.simulator!;
      await waitFor(
        () => (new Set(texts(sim)).size >= good.size ? true : undefined),
        40_000,
        'every message',
      );
      // Every outcome on acme's events, once per entry.
      const outcomes = await waitFor(
        async () => {
          const events = (await readStream(keys.events('acme'))).filter((e) => e.fields.ingressId);
          return events.length >= entries.length ? events : undefined;
        },
        10_000,
        'every outcome',
      );
      const byIngress = new Map(outcomes.map((e) => [e.fields.ingressId!, e.fields]));
      expect(byIngress.size).toBe(entries.length);
      ids.forEach((id, i) => {
        const outcome = byIngress.get(id)!;
        if (bad.has(i)) {
          expect(outcome.type).toBe('rejected');
          expect(outcome.code).toBe(bad.get(i));
          expect(outcome.message).toBeTruthy();
        } else {
          expect(outcome.state).toBe('queued');
          expect(outcome.id).toBeTruthy();
        }
      });
      // Each bad one dead-lettered with its reason and its fields.
      const dead = await readStream(keys.ingressDead('acme'));
      expect(dead).toHaveLength(bad.size);
      const deadById = new Map(dead.map((d) => [d.fields.ingressId!, d.fields]));
      for (const [i, code] of bad) {
        const d = deadById.get(ids[i]!)!;
        expect(d.code).toBe(code);
        expect(d.message).toBeTruthy();
      }
      // Delivered exactly once; none on the other account; the stream emptied.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const sent = texts(sim);
      expect(sent).toHaveLength(good.size);
      expect(new Set(sent)).toEqual(good);
      expect((await readStream(keys.events('other'))).length).toBe(0);
      expect(await redis.client.xlen(keys.ingress('acme'))).toBe(0);
      const metrics = await gw.gateway.metrics.render();
      expect(metrics).toContain(
        `smppgw_redis_ingress_entries_total{account="acme",outcome="accepted"} ${good.size}`,
      );
      expect(metrics).toContain(
        `smppgw_redis_ingress_entries_total{account="acme",outcome="rejected"} ${bad.size}`,
      );
    } finally {
      await gw.stop();
    }
  }, 60_000);

  it('reads no faster than the account tps allows (nothing refused for speed)', async () => {
    const gw = await startTestGateway(redis, {
      accounts: [{ ...ACCOUNTS[0]!, tps: 50 }, ACCOUNTS[1]!],
      operator: { tps: 5000, window: 50, receipts: false },
    } as Partial<ConfigInput>);
    try {
      const keys = gw.gateway.store.keys;
      const entries = Array.from({ length: 200 }, (_, i) => ({
        to: '+33612345678',
        from: 'ACME',
        text: `t${i}`,
        class: 'marketing',
        clientRef: `ref-${i}`,
      }));
      const started = Date.now();
      await xaddAll(keys.ingress('acme'), entries);
      const sim = gw.gateway.simulator!;
      await waitFor(() => (sim.submits.length >= 200 ? true : undefined), 20_000, 'all 200');
      const elapsed = Date.now() - started;
      // 50 of burst, then 150 at 50/s: at least ~3 s (a lower bound only).
      expect(elapsed).toBeGreaterThanOrEqual(2700);
      const events = (await readStream(keys.events('acme'))).filter((e) => e.fields.ingressId);
      expect(events.filter((e) => e.fields.type === 'rejected')).toHaveLength(0);
      expect(events.every((e) => e.fields.clientRef?.startsWith('ref-'))).toBe(true);
    } finally {
      await gw.stop();
    }
  }, 30_000);
  it('two instances share one account stream: each reads part, every entry queued once', async () => {
    const prefix = uniquePrefix('ishare');
    const overrides = {
      redis: { ...redisSection(redis), keyPrefix: prefix },
      accounts: ACCOUNTS,
      operator: { tps: 20_000, window: 50, receipts: false },
    } as Partial<ConfigInput>;
    const a = await startTestGateway(redis, overrides, { redisIngress: { batchSize: 50 } });
    const b = await startTestGateway(redis, overrides, { redisIngress: { batchSize: 50 } });
    try {
      const keys = a.gateway.store.keys;
      const total = 3000;
      const ids = await xaddAll(
        keys.ingress('acme'),
        Array.from({ length: total }, (_, i) => ({
          to: '+33612345678',
          from: 'ACME',
          text: `s${i}`,
          class: 'marketing',
        })),
      );
      const sent = () => [...texts(a.gateway.simulator!), ...texts(b.gateway.simulator!)];
      await waitFor(() => (new Set(sent()).size >= total ? true : undefined), 30_000, 'every message');
      const accepted = async (gw: TestGateway) =>
        (await gw.gateway.metrics.ingressEntries.get()).values
          .filter((v) => v.labels.outcome === 'accepted')
          .reduce((sum, v) => sum + v.value, 0);
      const [na, nb] = [await accepted(a), await accepted(b)];
      expect(na + nb).toBe(total);
      expect(na).toBeGreaterThan(0);
      expect(nb).toBeGreaterThan(0);
      const queued = (await readStream(keys.events('acme'))).filter((e) => e.fields.ingressId);
      expect(queued).toHaveLength(total);
      expect(new Set(queued.map((e) => e.fields.ingressId))).toEqual(new Set(ids));
    } finally {
      await a.stop();
      await b.stop();
    }
  }, 40_000);

  it('a daemon killed with -9 mid-stream: none lost, none enqueued twice (derived clientRef), the next one takes over', async () => {
    const sim = new SmscSimulator({ port: 0, receipts: false });
    const { port } = await sim.start();
    const dir = mkdtempSync(join(tmpdir(), 'smppgw-ingress-kill-'));
    const children: ChildProcess[] = [];
    const prefix = uniquePrefix('ikill');
    try {
      const input = {
        log: { level: 'warn' },
        redis: { ...redisSection(redis), keyPrefix: prefix },
        http: { listen: '127.0.0.1:0' },
        accounts: ACCOUNTS,
        operators: [
          {
            id: 'sim',
            host: '127.0.0.1',
            port,
            systemId: 'gateway',
            password: 'secret',
            receipts: false,
            tps: 20_000,
            window: 1,
            reconnect: { initialMs: 100, maxMs: 500, bindRefusedMinMs: 500 },
          },
        ],
        queue: { leaseMs: 1500, bindLeaseMs: 1500 },
        shutdown: { drainTimeoutMs: 500 },
      };
      const file = join(dir, 'gateway.yaml');
      writeFileSync(file, JSON.stringify(input)); // JSON is YAML
      const stream = `${prefix}:ingress:acme`;
      const events = `${prefix}:events:acme`;
      const total = 4000;
      const entries = Array.from({ length: total }, (_, i) => ({
        to: '+33612345678',
        from: 'ACME',
        text: `k${i}`,
        class: 'transactional',
      }));
      const ids = await xaddAll(stream, entries);
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
        async () => ((await redis.client.xlen(events)) >= 300 ? true : undefined),
        30_000,
        'the first daemon to take entries',
      );
      first.kill('SIGKILL');
      await new Promise((resolve) => first.once('exit', resolve));
      expect(await redis.client.xlen(stream)).toBeGreaterThan(0);

      daemon();
      await waitFor(
        () => (new Set(texts(sim)).size === total ? true : undefined),
        40_000,
        'every message to arrive',
      );
      await waitFor(
        async () => ((await redis.client.xlen(stream)) === 0 ? true : undefined),
        10_000,
        'the stream to empty',
      );
      const outcomes = (await readStream(events)).filter((e) => e.fields.ingressId);
      // One message per entry: each entry has exactly one queued event, and no other outcome.
      const queued = outcomes.filter((e) => e.fields.state === 'queued');
      expect(outcomes.filter((e) => e.fields.type === 'rejected')).toHaveLength(0);
      expect(new Set(queued.map((e) => e.fields.ingressId))).toEqual(new Set(ids));
      expect(queued).toHaveLength(total);
      // At the SMSC: a segment in flight at the kill may go twice (the worker's bound, window 1 × 1 bind).
      expect(sim.submits.length - total).toBeLessThanOrEqual(1);
    } finally {
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
  it('a crash between enqueue and ack: the next instance re-reads the entries, queues nothing twice and settles them', async () => {
    const prefix = uniquePrefix('icrash');
    const keys = testKeys(prefix);
    const stream = keys.ingress('acme');
    const base = { to: '+33612345678', from: 'ACME', class: 'transactional' };
    const [derived, own] = await xaddAll(stream, [
      { ...base, text: 'c-derived' },
      { ...base, text: 'c-own', clientRef: 'mine' },
    ]);
    // A first instance read both, queued both, and died before acknowledging them.
    await redis.client.xgroup('CREATE', stream, 'gateway', '0');
    await redis.client.xreadgroup('GROUP', 'gateway', 'ghost', 'COUNT', 10, 'STREAMS', stream, '>');
    const config = buildConfig({
      redis: { ...redisSection(redis), keyPrefix: prefix },
      accounts: ACCOUNTS,
      operators: [{ id: 'sim', host: '127.0.0.1', port: 1, systemId: 'g', password: 'p' }],
    } as ConfigInput);
    // The shard count the gateway will use (16 on a Cluster), so the clientRef keys are where it looks.
    const queue = new MessageQueue(
      new MessageStore(redis.client, testKeys(prefix, config.redis.shards)),
      config,
      () => 'sim',
    );
    await queue.enqueueMany([
      {
        account: 'acme',
        ...base,
        class: 'transactional',
        text: 'c-derived',
        clientRef: `ingress:${derived}`,
        ingressId: derived!,
      },
      { account: 'acme', ...base, class: 'transactional', text: 'c-own', clientRef: 'mine', ingressId: own! },
    ]);
    const gw = await startTestGateway(
      redis,
      {
        redis: { ...redisSection(redis), keyPrefix: prefix },
        accounts: ACCOUNTS,
        operator: { receipts: false },
      } as Partial<ConfigInput>,
      { redisIngress: { reclaimIdleMs: 300 } },
    );
    try {
      await waitFor(
        async () => ((await redis.client.xlen(stream)) === 0 ? true : undefined),
        10_000,
        'the entries settled',
      );
      const sim = gw.gateway.simulator!;
      await waitFor(() => (sim.submits.length >= 2 ? true : undefined), 10_000, 'both sent');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(texts(sim).sort()).toEqual(['c-derived', 'c-own']);
      const outcomes = (await readStream(keys.events('acme'))).filter((e) => e.fields.ingressId);
      // Each entry's outcome once from the first instance; the entry with its own clientRef is also told it was
      // a duplicate (the gateway cannot tell a re-read from the aggregator sending the same clientRef twice).
      expect(
        outcomes
          .filter((e) => e.fields.state === 'queued')
          .map((e) => e.fields.ingressId)
          .sort(),
      ).toEqual([derived, own].sort());
      const dups = outcomes.filter((e) => e.fields.type === 'duplicate');
      expect(dups.map((e) => e.fields.ingressId)).toEqual([own]);
      expect(dups[0]!.fields.clientRef).toBe('mine');
      const metrics = await gw.gateway.metrics.render();
      expect(metrics).toContain('smppgw_redis_ingress_entries_total{account="acme",outcome="duplicate"} 2');
    } finally {
      await gw.stop();
    }
  }, 30_000);

  // Redis restarting is one server's subject (on a Cluster, its own failover).
  it.skipIf(ON_CLUSTER)(
    'Redis away: the ingress pauses and resumes by itself, nothing lost',
    async () => {
      const gw = await startTestGateway(redis, {
        accounts: ACCOUNTS,
        operator: { receipts: false, reconnect: { initialMs: 100, maxMs: 500 } },
      } as Partial<ConfigInput>);
      try {
        const keys = gw.gateway.store.keys;
        const batch = (from: number) =>
          Array.from({ length: 50 }, (_, i) => ({
            to: '+33612345678',
            from: 'ACME',
            text: `r${from + i}`,
            class: 'transactional',
          }));
        await xaddAll(keys.ingress('acme'), batch(0));
        const sim = gw.gateway.simulator!;
        await waitFor(() => (sim.submits.length >= 50 ? true : undefined), 10_000, 'the first 50');
        await redis.restart();
        await xaddAll(keys.ingress('acme'), batch(50));
        await waitFor(
          () => (new Set(texts(sim)).size >= 100 ? true : undefined),
          20_000,
          'the next 50 after the restart',
        );
        await waitFor(
          async () => ((await redis.client.xlen(keys.ingress('acme'))) === 0 ? true : undefined),
          10_000,
          'settled',
        );
      } finally {
        await gw.stop();
      }
    },
    40_000,
  );
});
