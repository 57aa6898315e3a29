// Issue 13, the frequency cap: marketing to one recipient is counted as it is claimed for submission (the
// worker's claim, atomically in take.lua), read at enqueue as the decision's `capCount` fact, and refused
// FREQUENCY_CAP at enqueue and at send time.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OPEN_ALL_HOURS, startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';

let redis: TestRedis;
const cleanup: Array<() => Promise<void>> = [];
beforeAll(async () => {
  redis = await startTestRedis();
});
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});
afterAll(async () => {
  await redis?.stop();
});

async function gateway(): Promise<TestGateway> {
  const gw = await startTestGateway(redis, {
    policy: { ...OPEN_ALL_HOURS, frequencyCap: { maxPerRecipient: 2, windowDays: 30 } },
  });
  cleanup.push(() => gw.stop());
  return gw;
}

const promo = (to: string, n: number, extra: Record<string, unknown> = {}) => ({
  from: 'ACME',
  to,
  text: `Promo ${n}`,
  class: 'marketing',
  ...extra,
});

async function finalState(gw: TestGateway, id: string): Promise<Record<string, unknown>> {
  return waitFor(
    async () => {
      const view = (await gw.request('GET', `/v1/messages/${id}`)).json;
      return ['delivered', 'confirmed', 'error'].includes(view.state as string) ? view : undefined;
    },
    10_000,
    `message ${id} to settle`,
  );
}

describe('frequency cap', () => {
  it('refuses FREQUENCY_CAP at enqueue once the recipient had the cap', async () => {
    const gw = await gateway();
    const to = '+33612000001';
    for (let n = 1; n <= 2; n++) {
      const sent = await gw.request('POST', '/v1/messages', promo(to, n));
      expect(sent.status).toBe(202);
      expect((await finalState(gw, sent.json.id as string)).state).not.toBe('error');
    }
    const third = await gw.request('POST', '/v1/messages', promo(to, 3));
    expect(third.status).toBe(202);
    expect(third.json.state).toBe('error');
    const view = await gw.request('GET', `/v1/messages/${third.json.id as string}`);
    expect(view.json.error).toMatchObject({ stage: 'policy', code: 'FREQUENCY_CAP' });
    // Transactional is not capped; another recipient is not either.
    const tx = await gw.request('POST', '/v1/messages', promo(to, 4, { class: 'transactional' }));
    expect(tx.json.state).toBe('queued');
    expect((await gw.request('POST', '/v1/messages', promo('+33612000002', 5))).json.state).toBe('queued');
  });

  it('refuses FREQUENCY_CAP at send time what enqueue let through together', async () => {
    const gw = await gateway();
    const to = '+33612000003';
    // Accepted together: nothing was submitted yet, so the count read at enqueue is 0 for all three.
    const batch = await gw.request('POST', '/v1/messages/batch', {
      messages: [promo(to, 1), promo(to, 2), promo(to, 3)],
    });
    const ids = (batch.json.results as Array<{ id: string }>).map((r) => r.id);
    expect(ids).toHaveLength(3);
    const views = await Promise.all(ids.map((id) => finalState(gw, id)));
    const refused = views.filter((v) => v.state === 'error');
    expect(refused).toHaveLength(1);
    expect(refused[0]!.error).toMatchObject({ stage: 'policy', code: 'FREQUENCY_CAP' });
    const metrics = await (await fetch(`${gw.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /smppgw_policy_decisions_total\{stage="send",decision="refuse",reason="FREQUENCY_CAP"\} 1/,
    );
  });
});
