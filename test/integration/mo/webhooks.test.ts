// Issue 7: webhooks are delivered at least once from Redis, signed, retried with back-off on failure.
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature, WebhookSender } from '../../../src/api/webhooks.js';
import { buildConfig } from '../../../src/config/index.js';
import { GatewayMetrics } from '../../../src/metrics/index.js';
import { RedisKeys, WebhookStore } from '../../../src/store/index.js';
import { waitFor } from '../../helpers/gateway.js';
import {
  moEvents,
  SHORT_CODE,
  startMoGateway,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../helpers/mo.js';
import { startTestRedis, uniquePrefix, type TestRedis } from '../../helpers/redis.js';

const SECRET = 'whsec-test';
const baseConfig = buildConfig({
  operators: [{ id: 'sim', host: '127.0.0.1', port: 2775, systemId: 'gw', password: 'x' }],
  webhooks: { pollIntervalMs: 20, retryInitialMs: 50, retryMaxMs: 200, timeoutMs: 1000 },
});

let redis: TestRedis;
let receiver: WebhookReceiver;
const senders: WebhookSender[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
});

afterEach(async () => {
  await Promise.all(senders.splice(0).map((s) => s.stop()));
  await receiver?.close();
});

afterAll(async () => {
  await redis?.stop();
});

function sender(options: Partial<typeof baseConfig.webhooks> = {}): {
  sender: WebhookSender;
  metrics: GatewayMetrics;
  keys: RedisKeys;
} {
  const metrics = new GatewayMetrics({ defaultMetrics: false });
  const keys = new RedisKeys(uniquePrefix('wh'));
  const s = new WebhookSender(
    new WebhookStore(redis.client, keys),
    { ...baseConfig.webhooks, ...options },
    { logger: pino({ level: 'silent' }), metrics },
  );
  senders.push(s);
  return { sender: s, metrics, keys };
}

async function counter(metrics: GatewayMetrics, result: string): Promise<number> {
  const metric = await metrics.webhookDeliveries.get();
  return metric.values.find((v) => v.labels.result === result)?.value ?? 0;
}

describe('WebhookSender', () => {
  it('retries a receiver that fails twice, then delivers the same signed body', async () => {
    receiver = await startWebhookReceiver();
    receiver.failNext(2);
    const { sender: s, metrics, keys } = sender();
    await s.enqueue(`${receiver.url}/hook`, SECRET, { event: 'mo', text: 'Été 😀' });
    s.start();
    await waitFor(() => (receiver.requests.length >= 3 ? true : undefined), 5000, 'three attempts');
    const [a, b, c] = receiver.requests;
    expect(a!.body).toBe(c!.body);
    expect(b!.headers['x-smppgw-delivery']).toBe(c!.headers['x-smppgw-delivery']);
    expect(JSON.parse(c!.body)).toEqual({ event: 'mo', text: 'Été 😀' });
    expect(c!.headers['content-type']).toBe('application/json');
    expect(verifyWebhookSignature(c!.body, SECRET, c!.headers['x-smppgw-signature'] as string)).toBe(true);
    await waitFor(async () => ((await counter(metrics, 'ok')) === 1 ? true : undefined));
    expect(await counter(metrics, 'failed')).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.requests).toHaveLength(3);
    expect(await redis.client.zcard(keys.webhookQueue())).toBe(0);
  });

  it('sends no signature header without a secret', async () => {
    receiver = await startWebhookReceiver();
    const { sender: s } = sender();
    await s.enqueue(receiver.url, undefined, { n: 1 });
    s.start();
    const [request] = await waitFor(() => (receiver.requests.length > 0 ? receiver.requests : undefined));
    expect(request!.headers['x-smppgw-signature']).toBeUndefined();
    expect(request!.headers['x-smppgw-timestamp']).toMatch(/^\d{10}$/);
  });

  it('abandons a delivery after maxAttempts, counted', async () => {
    receiver = await startWebhookReceiver();
    receiver.failNext(100);
    const { sender: s, metrics, keys } = sender({ maxAttempts: 2 });
    await s.enqueue(receiver.url, SECRET, { n: 2 });
    s.start();
    await waitFor(async () => ((await counter(metrics, 'abandoned')) === 1 ? true : undefined), 5000);
    expect(receiver.requests).toHaveLength(2);
    expect(await redis.client.zcard(keys.webhookQueue())).toBe(0);
  });

  it('retries a receiver that is not listening (network error)', async () => {
    const { sender: s, metrics } = sender({ maxAttempts: 2 });
    await s.enqueue('http://127.0.0.1:1/closed', SECRET, { n: 3 });
    s.start();
    await waitFor(async () => ((await counter(metrics, 'abandoned')) === 1 ? true : undefined), 5000);
    expect(await counter(metrics, 'failed')).toBe(1);
  });

  it('queues a delivery with a given id only once while it is pending', async () => {
    receiver = await startWebhookReceiver();
    const { sender: s } = sender();
    await s.enqueue(receiver.url, SECRET, { n: 4 }, { id: 'same' });
    await s.enqueue(receiver.url, SECRET, { n: 4 }, { id: 'same' });
    s.start();
    await waitFor(() => (receiver.requests.length > 0 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.requests).toHaveLength(1);
  });

  it('keeps a delivery queued while stopped, and another sender delivers it (at least once)', async () => {
    receiver = await startWebhookReceiver();
    const { sender: first, keys } = sender();
    await first.enqueue(receiver.url, SECRET, { n: 5 });
    await first.stop();
    const second = new WebhookSender(new WebhookStore(redis.client, keys), baseConfig.webhooks, {
      logger: pino({ level: 'silent' }),
    });
    senders.push(second);
    second.start();
    await waitFor(() => (receiver.requests.length > 0 ? true : undefined));
  });
});

describe('MO forwarding to a failing account webhook', () => {
  it('gets the MO event, signed, after the receiver failed twice', async () => {
    receiver = await startWebhookReceiver();
    receiver.failNext(2);
    const gw = await startMoGateway(redis, {
      webhook: { url: `${receiver.url}/mo`, secret: SECRET },
      webhooks: { pollIntervalMs: 20, retryInitialMs: 50, retryMaxMs: 200, timeoutMs: 1000 },
    });
    try {
      await gw.gateway.simulator!.injectMo({ from: '33612345801', to: SHORT_CODE, text: 'Bonjour !' });
      expect(await moEvents(redis, gw, '+33612345801')).toHaveLength(1);
      await waitFor(() => (receiver.requests.length >= 3 ? true : undefined), 5000, 'the third attempt');
      const last = receiver.requests[2]!;
      expect(verifyWebhookSignature(last.body, SECRET, last.headers['x-smppgw-signature'] as string)).toBe(
        true,
      );
      expect(JSON.parse(last.body)).toMatchObject({
        event: 'mo',
        account: 'acme',
        from: '+33612345801',
        to: SHORT_CODE,
        text: 'Bonjour !',
        route: 'default',
        incomplete: false,
      });
    } finally {
      await gw.stop();
    }
  });
});
