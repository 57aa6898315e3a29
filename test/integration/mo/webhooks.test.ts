// Issue 7: webhooks are delivered at least once from Redis, signed, retried with back-off on failure.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature, WebhookSender } from '../../../src/api/webhooks.js';
import { buildConfig } from '../../../src/config/index.js';
import { GatewayMetrics } from '../../../src/metrics/index.js';
import { freePort, RedisKeys, WebhookStore } from '../../../src/store/index.js';
import { startDaemonChild, type DaemonChild } from '../../helpers/daemon.js';
import { waitFor } from '../../helpers/gateway.js';
import {
  moEvents,
  SHORT_CODE,
  startMoGateway,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../helpers/mo.js';
import { redisSection, testKeys, startTestRedis, uniquePrefix, type TestRedis } from '../../helpers/redis.js';

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
  const keys = testKeys(uniquePrefix('wh'));
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

  it('a delivery whose sender is killed (-9) mid-request is delivered by another sender once its lease ends', async () => {
    // The first sender is a daemon process posting the account's state webhooks to a receiver that holds
    // its requests: its claims are in flight when it dies, never settled. The claim pushed their due time one
    // lease (timeoutMs + 30 s) ahead; a second sender (in this process) takes them once the lease has ended,
    // which its clock, moved just past it, reaches without the test waiting that long.
    receiver = await startWebhookReceiver();
    receiver.hold(true);
    const dir = mkdtempSync(join(tmpdir(), 'smppgw-wh-kill-'));
    const prefix = uniquePrefix('wh-kill');
    const keys = testKeys(prefix);
    const [httpPort, smscPort] = [await freePort(), await freePort()];
    // A request timeout far longer than the test: the held requests are still in flight at the kill.
    const webhooks = { pollIntervalMs: 20, retryInitialMs: 50, retryMaxMs: 200, timeoutMs: 20_000 };
    const daemon: DaemonChild = startDaemonChild(dir, 'first', {
      log: { level: 'warn' },
      redis: { ...redisSection(redis), keyPrefix: prefix },
      http: { listen: `127.0.0.1:${httpPort}` },
      simulator: { enabled: true, listen: `127.0.0.1:${smscPort}`, receiptDelayMs: 20 },
      accounts: [
        {
          id: 'acme',
          apiKeys: ['k'],
          senders: ['ACME'],
          webhook: { url: `${receiver.url}/events`, secret: SECRET },
        },
      ],
      operators: [{ id: 'sim', host: '127.0.0.1', port: smscPort, systemId: 'gateway', password: 'secret' }],
      webhooks,
    });
    try {
      const api = `http://127.0.0.1:${httpPort}`;
      await waitFor(
        async () =>
          (await fetch(`${api}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined,
        30_000,
        'the daemon to be ready',
      );
      const posted = await fetch(`${api}/v1/messages`, {
        method: 'POST',
        headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
        body: JSON.stringify({ to: '+33612345678', from: 'ACME', text: 'Bonjour', class: 'transactional' }),
      });
      const id = String(((await posted.json()) as { id: string }).id);
      // Every state change is queued as a delivery (queued, sending, delivered, confirmed), and the first
      // sender has some of them in flight, held by the receiver.
      await waitFor(
        async () =>
          (await redis.client.zcard(keys.webhookQueue())) === 4 && receiver.requests.length > 0
            ? true
            : undefined,
        15_000,
        'four deliveries queued, the first ones in flight',
      );
      const held = receiver.requests.map((r) => String(r.headers['x-smppgw-delivery']));
      await daemon.crash();
      // The claims outlived their sender: still queued, due again one lease (50 s) after the claim, not before.
      for (const delivery of held) {
        const raw = await redis.client.zscore(keys.webhookQueue(), delivery);
        const due = raw === 'inf' ? Infinity : Number(raw);
        expect(due).toBeGreaterThan(Date.now() + 40_000);
        expect(due).toBeLessThanOrEqual(Date.now() + webhooks.timeoutMs + 30_000);
      }
      receiver.hold(false);

      let shiftMs = 0;
      const second = new WebhookSender(
        new WebhookStore(redis.client, keys),
        { ...baseConfig.webhooks, ...webhooks },
        {
          logger: pino({ level: 'silent' }),
          clock: () => Date.now() + shiftMs,
        },
      );
      senders.push(second);
      second.start();
      // Within the lease the second sender leaves them alone: a marker queued after the kill reaches the
      // receiver, and none of the held deliveries came again before it.
      await second.enqueue(`${receiver.url}/marker`, SECRET, { marker: true });
      await waitFor(
        () => (receiver.requests.some((r) => r.path === '/marker') ? true : undefined),
        5000,
        'the marker',
      );
      const attempts = (delivery: string) =>
        receiver.requests.filter((r) => r.headers['x-smppgw-delivery'] === delivery).length;
      expect(held.map(attempts)).toEqual(held.map(() => 1));

      shiftMs = webhooks.timeoutMs + 30_000 + 1000;
      await waitFor(
        async () => ((await redis.client.zcard(keys.webhookQueue())) === 0 ? true : undefined),
        10_000,
        'every delivery delivered',
      );
      // Each held delivery came again from the second sender (same id, same signed body), answered 204.
      expect(held.map(attempts)).toEqual(held.map(() => 2));
      const bodies = receiver.requests.filter((r) => r.path === '/events');
      const states = new Set(bodies.map((r) => (JSON.parse(r.body) as { id: string; state: string }).state));
      expect(states).toEqual(new Set(['queued', 'sending', 'delivered', 'confirmed']));
      for (const r of bodies) {
        expect(JSON.parse(r.body)).toMatchObject({ id });
        expect(verifyWebhookSignature(r.body, SECRET, r.headers['x-smppgw-signature'] as string)).toBe(true);
      }
    } finally {
      await daemon.crash();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
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
