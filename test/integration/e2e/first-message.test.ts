// Issue 2: the first message end to end on the real parts — HTTP → Redis stream → bind → simulator →
// submit_sm_resp → delivered → receipt → confirmed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSend } from '../../../src/cli/send.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';

let redis: TestRedis;
let gw: TestGateway;

beforeAll(async () => {
  redis = await startTestRedis();
  gw = await startTestGateway(redis);
});

afterAll(async () => {
  await gw?.stop();
  await redis?.stop();
});

async function waitForState(id: string, state: string): Promise<Record<string, unknown>> {
  return waitFor(
    async () => {
      const { json } = await gw.request('GET', `/v1/messages/${id}`);
      return json.state === state ? json : undefined;
    },
    10_000,
    `message ${id} to reach ${state}`,
  );
}

describe('first message end to end', () => {
  it('goes queued → sending → delivered → confirmed, with its part and SMSC id', async () => {
    const created = await gw.request('POST', '/v1/messages', {
      to: '+33612345678',
      from: 'ACME',
      text: 'Bonjour',
      class: 'transactional',
    });
    expect(created.status).toBe(202);
    expect(created.json).toMatchObject({ state: 'queued', segments: 1, encoding: 'gsm7' });
    const id = String(created.json.id);

    const view = await waitForState(id, 'confirmed');
    expect((view.history as Array<{ state: string }>).map((h) => h.state)).toEqual([
      'queued',
      'sending',
      'delivered',
      'confirmed',
    ]);
    const parts = view.parts as Array<{ smscMessageId: string; state: string }>;
    expect(parts).toHaveLength(1);
    expect(parts[0]!.state).toBe('confirmed');

    const sim = gw.gateway.simulator!;
    const submit = sim.submits.find((s) => s.messageId === parts[0]!.smscMessageId);
    expect(submit).toBeDefined();
    expect(submit!.destinationAddr).toBe('33612345678');
    expect(submit!.sourceAddr).toBe('ACME');
    expect(submit!.dataCoding).toBe(0);
    expect(submit!.shortMessage.toString('latin1')).toBe('Bonjour');
    expect(submit!.registeredDelivery).toBe(1);
  });

  it('splits a long UCS-2 message into UDH parts and confirms it only when every part is confirmed', async () => {
    const text = `Réunion demain 😀 ${'à bientôt, '.repeat(14)}`;
    const created = await gw.request('POST', '/v1/messages', {
      to: '+33612345679',
      from: 'ACME',
      text,
      class: 'transactional',
    });
    expect(created.status).toBe(202);
    expect(created.json.encoding).toBe('ucs2');
    const segments = Number(created.json.segments);
    expect(segments).toBeGreaterThan(1);
    const view = await waitForState(String(created.json.id), 'confirmed');
    const parts = view.parts as Array<{ smscMessageId: string }>;
    const submits = parts.map((p) =>
      gw.gateway.simulator!.submits.find((s) => s.messageId === p.smscMessageId)!,
    );
    expect(submits.every((s) => s.dataCoding === 8 && (s.esmClass & 0x40) === 0x40)).toBe(true);
    // UDH 05 00 03 ref total seq, then UTF-16BE: the parts joined give the text back.
    const udhs = submits.map((s) => s.shortMessage.subarray(0, 6));
    expect(udhs.map((u) => u[5])).toEqual(Array.from({ length: segments }, (_, i) => i + 1));
    expect(new Set(udhs.map((u) => u[3])).size).toBe(1);
    const joined = Buffer.concat(submits.map((s) => s.shortMessage.subarray(6)));
    expect(joined.swap16().toString('utf16le')).toBe(text);
  });

  it('answers 401 for a wrong API key, and names the field of bad input', async () => {
    const body = { to: '+33612345678', from: 'ACME', text: 'x', class: 'transactional' };
    const unauthorised = await gw.request('POST', '/v1/messages', body, 'wrong-key');
    expect(unauthorised.status).toBe(401);
    expect(unauthorised.json).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });

    const badNumber = await gw.request('POST', '/v1/messages', { ...body, to: '+3312' });
    expect(badNumber.status).toBe(400);
    expect(badNumber.json).toEqual({
      error: { code: 'INVALID_NUMBER', message: 'to: not a valid phone number', field: 'to' },
    });

    const badSender = await gw.request('POST', '/v1/messages', { ...body, from: 'OTHER' });
    expect(badSender.status).toBe(403);
    expect(badSender.json).toMatchObject({ error: { code: 'SENDER_NOT_ALLOWED', field: 'from' } });

    const badClass = await gw.request('POST', '/v1/messages', { ...body, class: 'promo' });
    expect(badClass.json).toMatchObject({ error: { field: 'class' } });

    const badJson = await gw.request('POST', '/v1/messages', '{"to":');
    expect(badJson.status).toBe(400);
    expect(badJson.json).toMatchObject({ error: { code: 'INVALID_JSON' } });

    const missing = await gw.request('GET', '/v1/messages/01ARZ3NDEKTSV4RRFFQ69G5FAV');
    expect(missing.status).toBe(404);
  });

  it('accepts a batch, answering each message in request order with its id or its own error', async () => {
    const ok = { to: '+33612345678', from: 'ACME', text: 'batch', class: 'marketing' };
    const batch = await gw.request('POST', '/v1/messages/batch', {
      messages: [ok, { ...ok, to: 'nope' }, { ...ok, from: 'OTHER' }, ok],
    });
    expect(batch.status).toBe(202);
    const results = batch.json.results as Array<Record<string, unknown>>;
    expect(results.map((r) => r.index)).toEqual([0, 1, 2, 3]);
    expect(results[0]!.id).toMatch(/^[0-9A-Z]{27}$/);
    expect(results[1]).toEqual({
      index: 1,
      error: { code: 'INVALID_NUMBER', message: 'to: not a valid phone number', field: 'to' },
    });
    expect(results[2]).toMatchObject({ index: 2, error: { code: 'SENDER_NOT_ALLOWED', field: 'from' } });
    expect(results[3]!.id).not.toBe(results[0]!.id);
    await waitForState(String(results[3]!.id), 'confirmed');
    const empty = await gw.request('POST', '/v1/messages/batch', { messages: [] });
    expect(empty.status).toBe(400);
    expect(empty.json).toMatchObject({ error: { field: 'messages' } });
  });

  it('send --wait from the command line prints the final state', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (s: string) => void out.push(s), stderr: (s: string) => void err.push(s) };
    const args = [
      '--to',
      '+33612345678',
      '--from',
      'ACME',
      '--text',
      'Bonjour',
      '--wait',
      '--url',
      gw.baseUrl,
      '--api-key',
      gw.apiKey,
    ];
    expect(await runSend(args, io)).toBe(0);
    expect(out.join('')).toMatch(/^[0-9A-Z]{27} confirmed\n$/);

    out.length = 0;
    expect(await runSend([...args, '--json'], io)).toBe(0);
    const json = JSON.parse(out.join('')) as { state: string; parts: unknown[] };
    expect(json.state).toBe('confirmed');
    expect(json.parts).toHaveLength(1);
  });

  it('serves health, readiness and metrics that count the traffic', async () => {
    const health = await fetch(`${gw.baseUrl}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${gw.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      ready: true,
      checks: { redis: true, boundSessions: { sim: 1 } },
    });
    const metrics = await (await fetch(`${gw.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^smppgw_submits_total\{operator="sim",result="ok"\} \d+$/m);
    expect(metrics).toMatch(/^smppgw_messages_final_total\{state="confirmed"\} \d+$/m);
    expect(metrics).toMatch(/^smppgw_bind_up\{operator="sim",bind="sim-0"\} 1$/m);
  });
});
