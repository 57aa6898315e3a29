// Issue 5: the queue's promises one at a time — idempotent clientRef, scheduling on time, cancel,
// retry back-off then a final error, back-pressure, and the Redis-down behaviour.
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { CommandStatus } from '../../../src/smpp/index.js';
import { freePort } from '../../../src/store/index.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';

let redis: TestRedis;
const gateways: TestGateway[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.stop();
});
afterEach(async () => {
  for (const gw of gateways.splice(0)) await gw.stop();
});

async function gateway(overrides: Parameters<typeof startTestGateway>[1] = {}): Promise<TestGateway> {
  const gw = await startTestGateway(redis, overrides);
  gateways.push(gw);
  return gw;
}

const message = (extra: Record<string, unknown> = {}) => ({
  to: '+33612345678',
  from: 'ACME',
  text: 'Bonjour',
  class: 'transactional',
  ...extra,
});

async function stateOf(gw: TestGateway, id: string): Promise<Record<string, unknown>> {
  return (await gw.request('GET', `/v1/messages/${id}`)).json;
}

describe('queue', () => {
  it('deduplicates a clientRef per account: the second submission returns the first id', async () => {
    const gw = await gateway();
    const first = await gw.request('POST', '/v1/messages', message({ clientRef: 'order-42' }));
    const second = await gw.request(
      'POST',
      '/v1/messages',
      message({ clientRef: 'order-42', text: 'other' }),
    );
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.json.id).toBe(first.json.id);
    expect(second.json.duplicate).toBe(true);
    await waitFor(async () =>
      (await stateOf(gw, String(first.json.id))).state === 'confirmed' ? true : undefined,
    );
    expect(gw.gateway.simulator!.submits.filter((s) => s.shortMessage.toString() === 'other')).toHaveLength(
      0,
    );
  });

  it('submits a scheduled message within 1 s of its time, and never a cancelled one', async () => {
    const gw = await gateway();
    const at = Date.now() + 1500;
    const scheduled = await gw.request(
      'POST',
      '/v1/messages',
      message({ sendAt: new Date(at).toISOString(), text: 'on time' }),
    );
    expect(scheduled.json.state).toBe('scheduled');
    const cancelled = await gw.request(
      'POST',
      '/v1/messages',
      message({ sendAt: new Date(at).toISOString(), text: 'never' }),
    );
    const del = await gw.request('DELETE', `/v1/messages/${String(cancelled.json.id)}`);
    expect(del.status).toBe(200);
    expect(del.json.state).toBe('cancelled');
    // Due 300 ms after the cancelled one: had that one been sent, it would have reached the SMSC first.
    await gw.request(
      'POST',
      '/v1/messages',
      message({ sendAt: new Date(at + 300).toISOString(), text: 'marker' }),
    );

    const submit = await waitFor(
      () => gw.gateway.simulator!.submits.find((s) => s.shortMessage.toString() === 'on time'),
      10_000,
      'the scheduled submit',
    );
    expect(submit.receivedAt).toBeGreaterThanOrEqual(at);
    expect(submit.receivedAt - at).toBeLessThan(1000);
    await waitFor(
      () => gw.gateway.simulator!.submits.find((s) => s.shortMessage.toString() === 'marker'),
      10_000,
      'the marker due after the cancelled message',
    );
    expect(gw.gateway.simulator!.submits.filter((s) => s.shortMessage.toString() === 'never')).toHaveLength(
      0,
    );
    expect((await stateOf(gw, String(cancelled.json.id))).state).toBe('cancelled');
    // A message already submitted cannot be cancelled.
    const late = await gw.request('DELETE', `/v1/messages/${String(scheduled.json.id)}`);
    expect(late.status).toBe(409);
    expect(late.json).toMatchObject({ error: { code: 'NOT_CANCELLABLE' } });
  });

  it('waits its back-off between retries, then ends in error with the status after maxAttempts', async () => {
    const gw = await gateway({
      queue: { leaseMs: 2000, retryInitialMs: 600, retryMaxMs: 5000, maxAttempts: 3 },
    });
    gw.gateway.simulator!.setRules([{ prefix: '33699', submitStatus: CommandStatus.ESME_RSYSERR }]);
    const created = await gw.request('POST', '/v1/messages', message({ to: '+33699000001' }));
    const id = String(created.json.id);
    const view = await waitFor(
      async () => {
        const v = await stateOf(gw, id);
        return v.state === 'error' ? v : undefined;
      },
      15_000,
      'the final error',
    );
    expect(view.error).toMatchObject({ stage: 'submit', code: 'ESME_RSYSERR' });
    const attempts = gw.gateway.simulator!.submits.filter((s) => s.destinationAddr === '33699000001');
    expect(attempts).toHaveLength(3);
    // Back-off: first retry after 300–600 ms (half jitter), the second after 600–1200 ms.
    const gap1 = attempts[1]!.receivedAt - attempts[0]!.receivedAt;
    const gap2 = attempts[2]!.receivedAt - attempts[1]!.receivedAt;
    expect(gap1).toBeGreaterThanOrEqual(290);
    expect(gap2).toBeGreaterThanOrEqual(590);
    const states = (view.history as Array<{ state: string }>).map((h) => h.state);
    expect(states.filter((s) => s === 'scheduled')).toHaveLength(2);
  });

  it('refuses with 429 past the configured queue depth, instead of growing without bound', async () => {
    // The operator points at a port nobody listens on: nothing leaves the queue.
    const gw = await gateway({ queue: { leaseMs: 2000, maxDepth: 5 }, operator: { port: await freePort() } });
    for (let i = 0; i < 5; i++)
      expect((await gw.request('POST', '/v1/messages', message())).status).toBe(202);
    const refused = await gw.request('POST', '/v1/messages', message());
    expect(refused.status).toBe(429);
    expect(refused.json).toMatchObject({ error: { code: 'QUEUE_FULL' } });
    const marketing = await gw.request('POST', '/v1/messages', message({ class: 'marketing' }));
    expect(marketing.status).toBe(202);
  });
});

describe('Redis going away', () => {
  it('answers 503 while Redis is down, and takes and delivers messages again when it returns', async () => {
    const own = await startTestRedis();
    const gw = await startTestGateway(own);
    try {
      const before = await gw.request('POST', '/v1/messages', message({ text: 'before' }));
      await waitFor(async () =>
        (await stateOf(gw, String(before.json.id))).state === 'confirmed' ? true : undefined,
      );

      await own.server.stop();
      await waitFor(() => (!gw.gateway.store.available ? true : undefined), 5000, 'the client to notice');
      const during = await gw.request('POST', '/v1/messages', message({ text: 'during' }));
      expect(during.status).toBe(503);
      expect(during.json).toMatchObject({ error: { code: 'UNAVAILABLE' } });
      const ready = await fetch(`${gw.baseUrl}/readyz`);
      expect(ready.status).toBe(503);

      await own.restart();
      await waitFor(() => (gw.gateway.store.available ? true : undefined), 10_000, 'the client to reconnect');
      const after = await gw.request('POST', '/v1/messages', message({ text: 'after' }));
      expect(after.status).toBe(202);
      const view = await waitFor(
        async () => {
          const v = await stateOf(gw, String(after.json.id));
          return v.state === 'confirmed' ? v : undefined;
        },
        15_000,
        'the message after the restart',
      );
      expect(view.state).toBe('confirmed');
    } finally {
      await gw.stop();
      await own.stop();
    }
  }, 40_000);
});

describe('ingress limits and validity', () => {
  it('holds an account to its own messages per second with 429 and Retry-After', async () => {
    const gw = await gateway({
      accounts: [{ id: 'acme', apiKeys: ['test-key-acme'], senders: ['ACME'], tps: 5 }],
    });
    // All at once: one after the other, a slow machine would let the bucket refill between two requests.
    const codes = (
      await Promise.all(Array.from({ length: 8 }, () => gw.request('POST', '/v1/messages', message())))
    ).map((r) => r.status);
    expect(codes.filter((c) => c === 202)).toHaveLength(5);
    expect(codes.filter((c) => c === 429)).toHaveLength(3);
    const response = await fetch(`${gw.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-key-acme', 'content-type': 'application/json' },
      body: JSON.stringify(message()),
    });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await response.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await gw.request('POST', '/v1/messages', message())).status).toBe(202);
  });

  it('charges a batch as a whole: a batch bigger than one second of traffic passes once, then waits', async () => {
    const gw = await gateway({
      accounts: [{ id: 'acme', apiKeys: ['test-key-acme'], senders: ['ACME'], tps: 5 }],
    });
    const big = await gw.request('POST', '/v1/messages/batch', {
      messages: Array.from({ length: 8 }, () => message()),
    });
    expect(big.status).toBe(202);
    expect((big.json.results as unknown[]).length).toBe(8);
    const next = await gw.request('POST', '/v1/messages/batch', { messages: [message()] });
    expect(next.status).toBe(429);
  });

  it('ends in EXPIRED a message whose validity passes before it can be submitted', async () => {
    const gw = await gateway();
    const { config } = gw.gateway;
    const { MessageQueue } = await import('../../../src/queue/index.js');
    const queue = new MessageQueue(gw.gateway.store.messages, config, () => 'sim');
    const now = Date.now();
    const result = await queue.enqueue({
      ...message(),
      account: 'acme',
      class: 'transactional',
      sendAt: now + 400,
      validUntil: now + 200,
    });
    const view = await waitFor(async () => {
      const v = await stateOf(gw, result.id);
      return v.state === 'error' ? v : undefined;
    });
    expect(view.error).toMatchObject({ stage: 'submit', code: 'EXPIRED' });
    expect(gw.gateway.simulator!.submits).toHaveLength(0);
  });
});
