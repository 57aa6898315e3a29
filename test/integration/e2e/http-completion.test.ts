// Issue 12, "HTTP, completing what users expect": the Idempotency-Key header as the clientRef, the OpenAPI
// document served at /openapi.json (the very docs/openapi.yaml), and batches of up to 10,000 messages.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ConfigInput } from '../../../src/config/index.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';

let redis: TestRedis;
let gw: TestGateway;
beforeAll(async () => {
  redis = await startTestRedis();
  gw = await startTestGateway(redis, {
    operator: { tps: 20_000, window: 100, receipts: false },
    queue: { leaseMs: 2000, maxDepth: 100_000 },
  } as Partial<ConfigInput>);
});
afterAll(async () => {
  await gw?.stop();
  await redis?.stop();
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${gw.baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.apiKey}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const message = { to: '+33612345678', from: 'ACME', text: 'Bonjour', class: 'transactional' };

describe('HTTP completion', () => {
  it('serves docs/openapi.yaml as JSON at /openapi.json, without a key', async () => {
    const response = await fetch(`${gw.baseUrl}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    const served = await response.json();
    const doc = parse(
      readFileSync(new URL('../../../docs/openapi.yaml', import.meta.url), 'utf8'),
    ) as unknown;
    expect(served).toEqual(doc);
  });

  it('Idempotency-Key is the clientRef: the same key again is the same message; a different body clientRef is 400', async () => {
    const first = await post('/v1/messages', message, { 'idempotency-key': 'idem-1' });
    expect(first.status).toBe(202);
    const again = await post('/v1/messages', message, { 'idempotency-key': 'idem-1' });
    expect(again.status).toBe(202);
    expect(again.json.id).toBe(first.json.id);
    expect(again.json.duplicate).toBe(true);
    // The body's clientRef equal to the header: the same message too.
    const same = await post(
      '/v1/messages',
      { ...message, clientRef: 'idem-1' },
      { 'idempotency-key': 'idem-1' },
    );
    expect(same.json.id).toBe(first.json.id);
    const view = await gw.request('GET', `/v1/messages/${String(first.json.id)}`);
    expect(view.json.clientRef).toBe('idem-1');
    const conflict = await post(
      '/v1/messages',
      { ...message, clientRef: 'other' },
      { 'idempotency-key': 'idem-1' },
    );
    expect(conflict.status).toBe(400);
    expect((conflict.json.error as { code: string }).code).toBe('IDEMPOTENCY_CONFLICT');
    const tooLong = await post('/v1/messages', message, { 'idempotency-key': 'x'.repeat(123) });
    expect(tooLong.status).toBe(400);
    expect((tooLong.json.error as { field: string }).field).toBe('Idempotency-Key');
  });

  it('a batch of 10,000 is accepted in reasonable time; with an Idempotency-Key, sending it again queues nothing twice', async () => {
    const messages = Array.from({ length: 10_000 }, (_, i) => ({ ...message, text: `b${i}` }));
    const started = Date.now();
    const first = await post('/v1/messages/batch', { messages }, { 'idempotency-key': 'batch-1' });
    const elapsed = Date.now() - started;
    expect(first.status).toBe(202);
    const results = first.json.results as Array<{ index: number; id?: string }>;
    expect(results).toHaveLength(10_000);
    expect(results.every((r) => typeof r.id === 'string')).toBe(true);
    expect(elapsed).toBeLessThan(15_000);
    const again = await post('/v1/messages/batch', { messages }, { 'idempotency-key': 'batch-1' });
    const ids = (again.json.results as Array<{ id?: string }>).map((r) => r.id);
    expect(ids).toEqual(results.map((r) => r.id));
    const over = await post('/v1/messages/batch', { messages: [...messages, message] });
    expect(over.status).toBe(400);
    expect((over.json.error as { message: string }).message).toContain('10000');
  }, 60_000);
});
