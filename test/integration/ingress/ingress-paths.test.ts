// The Redis ingress's rarer paths on a real redis-server, with a stand-in queue: a full queue leaves the
// entry pending and reads it again (nothing refused for it), an unexpected per-message error is dead-lettered
// as INTERNAL instead of blocking the stream.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConfig } from '../../../src/config/index.js';
import { RedisIngress } from '../../../src/ingress/index.js';
import { GatewayMetrics } from '../../../src/metrics/index.js';
import { QueueError, type EnqueueOutcome } from '../../../src/queue/index.js';
import { GatewayStore, type NewMessage } from '../../../src/store/index.js';
import { waitFor } from '../../helpers/gateway.js';
import { redisSection, startTestRedis, uniquePrefix, type TestRedis } from '../../helpers/redis.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.stop();
});

describe('Redis ingress, rarer paths', () => {
  it('QUEUE_FULL: the entry stays pending and is queued later; an unexpected error is dead-lettered INTERNAL', async () => {
    const prefix = uniquePrefix('ipaths');
    const config = buildConfig({
      redis: { ...redisSection(redis), keyPrefix: prefix },
      accounts: [{ id: 'acme', apiKeys: ['k'], senders: ['ACME'] }],
      operators: [{ id: 'sim', host: '127.0.0.1', port: 1, systemId: 'g', password: 'p' }],
    });
    const store = new GatewayStore(redis.client, prefix);
    const seen: string[] = [];
    let fullOnce = true;
    const queue = {
      enqueueMany: async (messages: readonly NewMessage[]): Promise<EnqueueOutcome[]> =>
        messages.map((m): EnqueueOutcome => {
          seen.push(m.text);
          if (m.text === 'full' && fullOnce) {
            fullOnce = false;
            return { ok: false, error: new QueueError('QUEUE_FULL', 'full', { retryable: true }) };
          }
          if (m.text === 'boom') return { ok: false, error: new Error('a bug') };
          return {
            ok: true,
            result: {
              id: `id-${m.text}`,
              state: 'queued',
              segments: 1,
              encoding: 'gsm7',
              operator: 'sim',
              duplicate: false,
            },
          };
        }),
    };
    const metrics = new GatewayMetrics();
    const ingress = new RedisIngress({
      config,
      store,
      queue,
      selectOperator: () => 'sim',
      metrics,
      logger: pino({ level: 'silent' }),
      consumer: 'one',
      options: { retryMs: 100, blockMs: 100 },
    });
    const stream = store.keys.ingress('acme');
    const base = ['to', '+33612345678', 'from', 'ACME', 'class', 'transactional'];
    await redis.client.xadd(stream, '*', ...base, 'text', 'full');
    const boom = await redis.client.xadd(stream, '*', ...base, 'text', 'boom');
    await redis.client.xadd(stream, '*', ...base, 'text', 'after');
    await ingress.start();
    try {
      await waitFor(
        async () => ((await redis.client.xlen(stream)) === 0 ? true : undefined),
        5000,
        'settled',
      );
      // "full" was offered twice (refused for room, then queued), the others once.
      expect(seen.filter((t) => t === 'full')).toHaveLength(2);
      expect(seen.filter((t) => t === 'after')).toHaveLength(1);
      const dead = await redis.client.xrange(store.keys.ingressDead('acme'), '-', '+');
      expect(dead).toHaveLength(1);
      const fields = dead[0]![1];
      expect(fields.slice(0, 6)).toEqual([
        'ingressId',
        boom,
        'code',
        'INTERNAL',
        'message',
        'internal error',
      ]);
      const rendered = await metrics.render();
      expect(rendered).toContain('smppgw_redis_ingress_entries_total{account="acme",outcome="retried"} 1');
      expect(rendered).toContain('smppgw_redis_ingress_entries_total{account="acme",outcome="rejected"} 1');
    } finally {
      await ingress.stop();
    }
  });
  it('the group deleted under it (Redis back without its data): made again, reading goes on', async () => {
    const prefix = uniquePrefix('inogroup');
    const config = buildConfig({
      redis: { ...redisSection(redis), keyPrefix: prefix },
      accounts: [{ id: 'acme', apiKeys: ['k'], senders: ['ACME'] }],
      operators: [{ id: 'sim', host: '127.0.0.1', port: 1, systemId: 'g', password: 'p' }],
    });
    const store = new GatewayStore(redis.client, prefix);
    const seen: string[] = [];
    const queue = {
      enqueueMany: async (messages: readonly NewMessage[]): Promise<EnqueueOutcome[]> =>
        messages.map((m): EnqueueOutcome => {
          seen.push(m.text);
          return {
            ok: true,
            result: {
              id: `id-${m.text}`,
              state: 'queued',
              segments: 1,
              encoding: 'gsm7',
              operator: 'sim',
              duplicate: false,
            },
          };
        }),
    };
    const ingress = new RedisIngress({
      config,
      store,
      queue,
      selectOperator: () => 'sim',
      logger: pino({ level: 'silent' }),
      consumer: 'one',
      options: { retryMs: 100, blockMs: 100 },
    });
    const stream = store.keys.ingress('acme');
    await ingress.start();
    try {
      await redis.client.del(stream);
      await redis.client.xadd(
        stream,
        '*',
        'to',
        '+33612345678',
        'from',
        'ACME',
        'class',
        'transactional',
        'text',
        'again',
      );
      await waitFor(() => (seen.includes('again') ? true : undefined), 5000, 'read again');
    } finally {
      await ingress.stop();
    }
  });
});
