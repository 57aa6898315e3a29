// Issue 6: 10,000 messages through the simulator with receipts — every one confirmed, figures exact.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MessageQueue } from '../../../src/queue/index.js';
import type { Figures } from '../../../src/store/index.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';

let redis: TestRedis;
let gw: TestGateway;
beforeAll(async () => {
  redis = await startTestRedis();
  gw = await startTestGateway(redis, { operator: { tps: 10_000, window: 50 } });
});
afterAll(async () => {
  await gw?.stop();
  await redis?.stop();
});

it('confirms 10,000 messages and keeps the account figures exact', async () => {
  const { config } = gw.gateway;
  const store = gw.gateway.store.messages;
  const queue = new MessageQueue(store, config, () => 'sim');
  const total = 10_000;
  const ids: string[] = [];
  for (let start = 0; start < total; start += 500) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(500, total - start) }, (_, i) =>
        queue.enqueue({
          account: 'acme',
          to: '+33612345678',
          from: 'ACME',
          text: `n${start + i}`,
          class: 'marketing',
          campaignId: 'volume',
        }),
      ),
    );
    ids.push(...batch.map((r) => r.id));
  }
  const figures = await waitFor(
    async () => {
      const f = await store.figures('acme', 'volume');
      return f.confirmed === total ? f : undefined;
    },
    90_000,
    'every message confirmed',
  );
  expect(figures).toEqual<Figures>({
    total,
    produced: total,
    productionErrors: 0,
    remaining: 0,
    cancelled: 0,
    delivered: total,
    deliveryErrors: 0,
    confirmed: total,
    deliveredUnconfirmed: 0,
    errorsByCode: {},
  });
  const sample = await Promise.all(ids.filter((_, i) => i % 97 === 0).map((id) => store.get(id)));
  expect(sample.every((m) => m?.state === 'confirmed')).toBe(true);
}, 120_000);
