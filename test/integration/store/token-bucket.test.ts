// The token bucket in Redis (lua/token-bucket.lua), shared by every instance: after an idle period it holds
// at most `burst` tokens, however long the idle was, so what leaves at once after a pause is bounded by the
// burst and the rate holds from there on. Checked on a real redis-server, through the store's RedisBucket
// and through the operator throttle that the worker uses (src/throttle).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBucket } from '../../../src/store/index.js';
import { RedisTokenBucket } from '../../../src/throttle/index.js';
import { startTestGateway, waitFor } from '../../helpers/gateway.js';
import { testKeys, startTestRedis, uniquePrefix, type TestRedis } from '../../helpers/redis.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function bucket(): RedisBucket {
  return new RedisBucket(redis.client, testKeys(uniquePrefix('bucket')).bucket('op'));
}

describe('token bucket, burst cap', () => {
  it('grants at most burst at once after an idle period worth many times the burst', async () => {
    const b = bucket();
    // 20/s, burst 5: emptied, then idle 1.5 s (30 tokens' worth of refill, the key's TTL is 60 s).
    expect((await b.take(20, 5, 100, 'partial')).granted).toBe(5);
    expect((await b.take(20, 5, 100, 'partial')).granted).toBe(0);
    await sleep(1500);
    const after = await b.take(20, 5, 100, 'partial');
    expect(after.granted).toBe(5);
    expect(after.waitMs).toBeGreaterThan(0);
    expect(after.waitMs).toBeLessThanOrEqual(50);
    // And nothing was left over: the next token comes at the rate.
    expect((await b.take(20, 5, 100, 'partial')).granted).toBeLessThanOrEqual(1);
  });

  it('"whole": a long idle banks no more than the burst (the debt a large request leaves shows it)', async () => {
    const b = bucket();
    expect((await b.take(20, 5, 5, 'whole')).granted).toBe(5);
    await sleep(1500);
    // Capped at 5, the bucket holds the 5 a request of 10 needs to pass (and leave it in debt): granted.
    expect((await b.take(20, 5, 10, 'whole')).granted).toBe(10);
    // In debt by 5: a request of 5 waits about 500 ms (10 tokens at 20/s), not granted from a surplus.
    const next = await b.take(20, 5, 5, 'whole');
    expect(next.granted).toBe(0);
    expect(next.waitMs).toBeGreaterThan(400);
  });

  it('the operator throttle lets at most burst + rate × t through in the first t after an idle second', async () => {
    const shared = bucket();
    // The worker's wrapper, at 20 segments per second with a burst of 2.
    const throttle = new RedisTokenBucket(shared, { current: () => 20 }, () => 2);
    await throttle.take(2);
    await sleep(1200);
    const started = Date.now();
    const times: number[] = [];
    await Promise.all(
      Array.from({ length: 12 }, () => throttle.take(1).then(() => times.push(Date.now() - started))),
    );
    // Within 200 ms: the burst (2) and 200 ms at 20/s (4), one for rounding; all 12 by about 500 ms.
    expect(times.filter((t) => t < 200).length).toBeLessThanOrEqual(7);
    expect(Math.max(...times)).toBeGreaterThanOrEqual(400);
  });
});

describe('operator throttle, through the whole gateway', () => {
  it('after an idle period the SMSC sees at most the burst plus the rate: 30 messages at 20/s after 2 s idle', async () => {
    // tps 20: the worker's bucket holds ceil(20 / 100) = 1 token; 2 s idle would refill 40 uncapped.
    const gw = await startTestGateway(redis, { operator: { tps: 20, receipts: false } });
    try {
      const times: number[] = [];
      gw.gateway.simulator!.on('submit', () => times.push(Date.now()));
      const message = (text: string) => ({ to: '+33612345678', from: 'ACME', text, class: 'transactional' });
      await gw.request('POST', '/v1/messages', message('first'));
      await waitFor(() => (times.length === 1 ? true : undefined), 10_000, 'the first submit');
      await sleep(2000);
      const batch = await gw.request('POST', '/v1/messages/batch', {
        messages: Array.from({ length: 30 }, (_, i) => message(`n${i}`)),
      });
      expect(batch.status).toBe(202);
      await waitFor(() => (times.length === 31 ? true : undefined), 10_000, 'the 30 submits');
      const start = times[1]!;
      const first250 = times.slice(1).filter((t) => t - start < 250).length;
      // The burst (1), 250 ms at 20/s (5), one for rounding.
      expect(first250).toBeLessThanOrEqual(7);
      // And the whole run at the rate: 29 after the first at 20/s take about 1.45 s.
      expect(times[30]! - start).toBeGreaterThanOrEqual(1200);
    } finally {
      await gw.stop();
    }
  }, 30_000);
});
