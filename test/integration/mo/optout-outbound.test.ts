// Issues 6 and 7 meet here: an opt-out (by STOP or by API) stops marketing at enqueue and again at send
// time; state changes reach the account's webhook, signed, at least once, even after failures.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../../src/api/webhooks.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { waitFor, type TestGateway } from '../../helpers/gateway.js';
import {
  SHORT_CODE,
  startMoGateway,
  startWebhookReceiver,
  submitText,
  submitsTo,
  type WebhookReceiver,
} from '../../helpers/mo.js';

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

const NUMBER = '+33612345670';
const marketing = (extra: Record<string, unknown> = {}) => ({
  to: NUMBER,
  from: 'ACME',
  text: 'Promo -20 % STOP au 36180',
  class: 'marketing',
  ...extra,
});

async function finalState(gw: TestGateway, id: string): Promise<Record<string, unknown>> {
  return waitFor(
    async () => {
      const { json } = await gw.request('GET', `/v1/messages/${id}`);
      return ['confirmed', 'error', 'cancelled'].includes(String(json.state)) ? json : undefined;
    },
    10_000,
    `message ${id} to settle`,
  );
}

describe('opt-outs on the outbound path', () => {
  it('after STOP, marketing ends in OPTED_OUT; transactional still goes; after START marketing goes again', async () => {
    const gw = await startMoGateway(redis);
    cleanup.push(() => gw.stop());
    const sim = gw.gateway.simulator!;
    await sim.injectMo({ from: NUMBER.slice(1), to: SHORT_CODE, text: 'Stop.' });
    await waitFor(async () =>
      (await gw.request('GET', `/v1/optouts/${encodeURIComponent(NUMBER)}`)).status === 200
        ? true
        : undefined,
    );

    const refused = await gw.request('POST', '/v1/messages', marketing());
    expect(refused.status).toBe(202);
    expect(refused.json.state).toBe('error');
    const view = await finalState(gw, String(refused.json.id));
    expect(view.error).toMatchObject({ stage: 'policy', code: 'OPTED_OUT' });
    expect(
      sim.submits.filter(
        (s) => s.destinationAddr === NUMBER.slice(1) && s.shortMessage.toString().startsWith('Promo'),
      ),
    ).toHaveLength(0);

    const alert = await gw.request(
      'POST',
      '/v1/messages',
      marketing({ class: 'transactional', text: 'Votre code : 1234' }),
    );
    expect((await finalState(gw, String(alert.json.id))).state).toBe('confirmed');

    await sim.injectMo({ from: NUMBER.slice(1), to: SHORT_CODE, text: 'START' });
    await waitFor(async () =>
      (await gw.request('GET', `/v1/optouts/${encodeURIComponent(NUMBER)}`)).status === 404
        ? true
        : undefined,
    );
    const again = await gw.request('POST', '/v1/messages', marketing());
    expect((await finalState(gw, String(again.json.id))).state).toBe('confirmed');
  });

  it('an opt-out that arrives while a message waits stops it at send time', async () => {
    const gw = await startMoGateway(redis);
    cleanup.push(() => gw.stop());
    const scheduled = await gw.request(
      'POST',
      '/v1/messages',
      marketing({ sendAt: new Date(Date.now() + 800).toISOString() }),
    );
    expect(scheduled.json.state).toBe('scheduled');
    expect((await gw.request('PUT', `/v1/optouts/${encodeURIComponent(NUMBER)}`)).status).toBeLessThan(300);
    const view = await finalState(gw, String(scheduled.json.id));
    expect(view.error).toMatchObject({ stage: 'policy', code: 'OPTED_OUT' });
    expect(gw.gateway.simulator!.submits.filter((s) => s.destinationAddr === NUMBER.slice(1))).toHaveLength(
      0,
    );
  });
});

describe('opt-outs and the queued backlog', () => {
  // take.lua reads the opt-out list for every message it claims, queued as well as scheduled: a backlog
  // already in the operator's stream (state `queued`, behind a slow send window) is checked again when the
  // worker takes it, so a number that opts out meanwhile gets none of it.
  it('a number that opts out (STOP, or the API) while marketing to it is queued gets none of it: OPTED_OUT', async () => {
    const viaStop = '+33612345671';
    const viaApi = '+33612345672';
    const other = '+33612345673';
    // One bind, window 1: the worker holds at most two messages; every submit_sm_resp takes 1.5 s.
    const gw = await startMoGateway(redis, { operator: { window: 1 } });
    cleanup.push(() => gw.stop());
    const sim = gw.gateway.simulator!;
    sim.setScenarios([{ name: 'slowResponse', delayMs: 1500 }]);
    const send = async (body: Record<string, unknown>) =>
      String((await gw.request('POST', '/v1/messages', body)).json.id);
    const state = async (id: string) => String((await gw.request('GET', `/v1/messages/${id}`)).json.state);
    // Two transactional messages fill the worker; what comes after waits in the stream, `queued`.
    const heads = [
      await send(marketing({ to: other, class: 'transactional', text: 'head 1' })),
      await send(marketing({ to: other, class: 'transactional', text: 'head 2' })),
    ];
    await waitFor(async () =>
      (await Promise.all(heads.map(state))).every((s) => s === 'sending') ? true : undefined,
    );
    const backlog = [];
    for (const to of [viaStop, viaApi])
      for (let i = 0; i < 3; i++) backlog.push(await send(marketing({ to })));
    // The positive marker: marketing to another number, behind them in the same lane, read after them.
    const marker = await send(marketing({ to: other, text: 'Promo marker STOP au 36180' }));
    await sim.injectMo({ from: viaStop.slice(1), to: SHORT_CODE, text: 'STOP' });
    expect((await gw.request('PUT', `/v1/optouts/${encodeURIComponent(viaApi)}`)).status).toBeLessThan(300);
    await waitFor(async () =>
      (await gw.request('GET', `/v1/optouts/${encodeURIComponent(viaStop)}`)).status === 200
        ? true
        : undefined,
    );
    // Both opt-outs are in before the worker took any of the backlog.
    expect(await Promise.all(backlog.map(state))).toEqual(backlog.map(() => 'queued'));
    sim.setScenarios([]);

    expect((await finalState(gw, marker)).state).toBe('confirmed');
    for (const id of backlog) {
      const view = await finalState(gw, id);
      expect(view.error).toMatchObject({ stage: 'policy', code: 'OPTED_OUT' });
      expect((view.history as Array<{ state: string }>).map((h) => h.state)).not.toContain('sending');
    }
    // Only the STOP confirmation went to the number that sent STOP; nothing at all to the other.
    expect(submitsTo(gw, viaStop).filter((s) => submitText(s).startsWith('Promo'))).toHaveLength(0);
    expect(submitsTo(gw, viaApi)).toHaveLength(0);
  }, 30_000);
});

describe('state webhooks', () => {
  it('a receiver that fails twice then succeeds gets every state change, signed', async () => {
    const receiver: WebhookReceiver = await startWebhookReceiver();
    cleanup.push(() => receiver.close());
    receiver.failNext(2);
    const gw = await startMoGateway(redis, { webhook: { url: `${receiver.url}/events`, secret: 's3cret' } });
    cleanup.push(() => gw.stop());
    const created = await gw.request('POST', '/v1/messages', {
      to: NUMBER,
      from: 'ACME',
      text: 'Bonjour',
      class: 'transactional',
      clientRef: 'ref-1',
    });
    const id = String(created.json.id);
    const events = await waitFor(
      () => {
        const mine = receiver.requests
          .filter((r) => r.headers['content-type']?.includes('json'))
          .map((r) => ({ r, body: JSON.parse(r.body) as Record<string, unknown> }))
          .filter(({ body }) => body.id === id);
        const states = new Set(mine.map(({ body }) => body.state));
        // Four state changes, two of them refused once and sent again.
        return ['queued', 'sending', 'delivered', 'confirmed'].every((s) => states.has(s)) && mine.length >= 6
          ? mine
          : undefined;
      },
      15_000,
      'every state to reach the webhook',
    );
    for (const { r, body } of events) {
      expect(verifyWebhookSignature(r.body, 's3cret', r.headers['x-smppgw-signature'] as string)).toBe(true);
      expect(body).toMatchObject({ event: 'message.state', id, account: 'acme', clientRef: 'ref-1' });
    }
    // The two refused requests were retried: two more requests than distinct deliveries.
    const deliveries = new Set(events.map(({ r }) => r.headers['x-smppgw-delivery']));
    expect(deliveries.size).toBe(4);
    expect(events).toHaveLength(6);
    expect(
      verifyWebhookSignature(
        events[0]!.r.body,
        'wrong',
        events[0]!.r.headers['x-smppgw-signature'] as string,
      ),
    ).toBe(false);
  });
});
