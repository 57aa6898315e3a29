// Issue 6: receipts correlate with their part whatever the SMSC's id format, in whatever order they
// arrive, once only; message states and the account figures follow.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConfig, type Config } from '../../../src/config/index.js';
import { ReceiptCorrelator, type ParsedReceipt } from '../../../src/dlr/index.js';
import { GatewayMetrics } from '../../../src/metrics/index.js';
import { MessageQueue } from '../../../src/queue/index.js';
import { MessageStore } from '../../../src/store/index.js';
import { testKeys, startTestRedis, uniquePrefix, type TestRedis } from '../../helpers/redis.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.stop();
});

function setup(messageIdFormat: 'auto' | 'hex' | 'decimal' | 'string' = 'auto') {
  const config: Config = buildConfig({
    redis: { url: redis.url, keyPrefix: uniquePrefix('dlr') },
    accounts: [{ id: 'acme', apiKeys: ['k'], senders: ['ACME'] }],
    operators: [{ id: 'op', host: '127.0.0.1', port: 1, systemId: 'gw', password: 'pw', messageIdFormat }],
  });
  const keys = testKeys(config.redis.keyPrefix);
  const metrics = new GatewayMetrics({ defaultMetrics: false });
  const store = new MessageStore(redis.client, keys, {
    onFinal: (change) => metrics.finalStates.inc({ state: change.state }),
  });
  const queue = new MessageQueue(store, config, () => 'op');
  const correlator = new ReceiptCorrelator(
    store,
    config.operators,
    {
      logger: pino({ level: 'silent' }),
      metrics,
    },
    { matchWindowMs: 60_000 },
  );
  const send = async (text = 'Bonjour', campaignId?: string) =>
    (
      await queue.enqueue({
        account: 'acme',
        to: '+33612345678',
        from: 'ACME',
        text,
        class: 'transactional',
        ...(campaignId ? { campaignId } : {}),
      })
    ).id;
  const accept = async (id: string, part: number, smscId: string, receiptTimeoutMs = 3_600_000) =>
    store.acceptPart({
      ref: (await store.refOf(id))!,
      part,
      operatorId: 'op',
      smscId,
      format: messageIdFormat,
      receiptTimeoutMs,
      indexTtlSeconds: 3600,
    });
  const receipt = (messageId: string, stat: ParsedReceipt['stat'] = 'DELIVRD', err = '000') =>
    correlator.handle('op', { messageId, stat, err });
  const state = async (id: string) => (await store.get(id))!.state;
  return { store, correlator, metrics, send, accept, receipt, state };
}

const threeParts = 'x'.repeat(400);

describe('receipt correlation', () => {
  it.each([
    ['hex response, decimal receipt', '0A1B', '2587'],
    ['decimal response, hex receipt', '2587', 'a1b'],
    ['leading zeros dropped', '000A1B2C', 'a1b2c'],
    ['upper against lower case', 'ABCDEF12', 'abcdef12'],
    ['string ids', 'msg-7f3e-1', 'msg-7f3e-1'],
  ])('matches with auto: %s', async (_name, responseId, receiptId) => {
    const t = setup('auto');
    const id = await t.send();
    await t.accept(id, 1, responseId);
    expect(await t.state(id)).toBe('delivered');
    expect(await t.receipt(receiptId)).toBe('applied');
    expect(await t.state(id)).toBe('confirmed');
  });

  it('holds a receipt that arrives before its submit_sm_resp, then applies it', async () => {
    const t = setup();
    const id = await t.send();
    expect(await t.receipt('5f00')).toBe('held');
    await t.accept(id, 1, '5f00');
    expect(await t.state(id)).toBe('delivered');
    await t.correlator.sweep();
    expect(await t.state(id)).toBe('confirmed');
  });

  it('a receipt for part 2 before part 1 is answered: confirmed only when every part is', async () => {
    const t = setup();
    const id = await t.send(threeParts);
    expect((await t.store.get(id))!.segments).toBe(3);
    await t.accept(id, 2, 'b2');
    expect(await t.receipt('b2')).toBe('applied');
    await t.accept(id, 1, 'b1');
    await t.accept(id, 3, 'b3');
    expect(await t.state(id)).toBe('delivered');
    await t.receipt('b3');
    expect(await t.state(id)).toBe('delivered');
    await t.receipt('b1');
    expect(await t.state(id)).toBe('confirmed');
    const view = (await t.store.get(id))!;
    expect(view.parts.map((p) => [p.smscMessageId, p.state])).toEqual([
      ['b1', 'confirmed'],
      ['b2', 'confirmed'],
      ['b3', 'confirmed'],
    ]);
    expect(view.history.map((h) => h.state)).toEqual(['queued', 'delivered', 'confirmed']);
  });

  it('all receipts before the last response: confirmed as soon as the last part is accepted', async () => {
    const t = setup();
    const id = await t.send(threeParts);
    await t.accept(id, 1, 'c1');
    await t.accept(id, 2, 'c2');
    await t.receipt('c1');
    await t.receipt('c2');
    expect(await t.receipt('c3')).toBe('held');
    await t.accept(id, 3, 'c3');
    await t.correlator.sweep();
    expect(await t.state(id)).toBe('confirmed');
  });

  it('a repeated receipt changes nothing', async () => {
    const t = setup();
    const id = await t.send();
    await t.accept(id, 1, 'd1');
    expect(await t.receipt('d1')).toBe('applied');
    const before = await t.store.get(id);
    expect(await t.receipt('d1')).toBe('duplicate');
    expect(await t.receipt('d1', 'UNDELIV')).toBe('duplicate');
    expect(await t.store.get(id)).toEqual(before);
  });

  it('UNDELIV for one part of three ends the message in error (stage receipt)', async () => {
    const t = setup();
    const id = await t.send(threeParts);
    for (const part of [1, 2, 3]) await t.accept(id, part, `e${part}`);
    await t.receipt('e1');
    await t.receipt('e2', 'UNDELIV', '001');
    expect(await t.state(id)).toBe('error');
    await t.receipt('e3');
    const view = (await t.store.get(id))!;
    expect(view.state).toBe('error');
    expect(view.error).toMatchObject({ stage: 'receipt', code: 'UNDELIV' });
    expect(view.parts.map((p) => p.state)).toEqual(['confirmed', 'failed', 'confirmed']);
  });

  it('interim receipts (ENROUTE, ACCEPTD) change no state', async () => {
    const t = setup();
    const id = await t.send();
    await t.accept(id, 1, 'f1');
    await t.receipt('f1', 'ENROUTE');
    expect(await t.state(id)).toBe('delivered');
    await t.receipt('f1', 'DELIVRD');
    expect(await t.state(id)).toBe('confirmed');
  });

  it('no receipt within the timeout: final as delivered, unconfirmed', async () => {
    const t = setup();
    const id = await t.send();
    await t.accept(id, 1, 'g1', 100);
    await t.correlator.sweep();
    expect((await t.store.get(id))!.unconfirmed).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 150));
    await t.correlator.sweep();
    const view = (await t.store.get(id))!;
    expect(view.state).toBe('delivered');
    expect(view.unconfirmed).toBe(true);
    expect(view.history.at(-1)).toMatchObject({ state: 'delivered', detail: 'unconfirmed' });
  });

  it('counts a receipt that never finds its message as orphaned, once', async () => {
    const t = setup();
    const correlator = new ReceiptCorrelator(
      new MessageStore(redis.client, testKeys(uniquePrefix('orphan'))),
      [
        {
          ...buildConfig({ operators: [{ id: 'op', host: 'h', port: 1, systemId: 's', password: 'p' }] })
            .operators[0]!,
        },
      ],
      { logger: pino({ level: 'silent' }), metrics: t.metrics },
      { matchWindowMs: 50 },
    );
    expect(await correlator.handle('op', { messageId: 'nobody', stat: 'DELIVRD', err: '' })).toBe('held');
    await new Promise((resolve) => setTimeout(resolve, 80));
    await correlator.sweep();
    await correlator.sweep();
    const orphaned = await t.metrics.orphanReceipts.get();
    expect(orphaned.values.find((v) => v.labels.operator === 'op')?.value).toBe(1);
  });

  it('keeps exact account and campaign figures', async () => {
    const t = setup();
    const confirmed = await t.send('a', 'camp1');
    await t.accept(confirmed, 1, 'h1');
    await t.receipt('h1');
    const failed = await t.send('b', 'camp1');
    await t.accept(failed, 1, 'h2');
    await t.receipt('h2', 'EXPIRED', '003');
    const unconfirmed = await t.send('c', 'camp1');
    await t.accept(unconfirmed, 1, 'h3', 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await t.correlator.sweep();
    await t.send('d', 'camp1'); // still queued
    await t.send('e'); // another campaign-less message
    const campaign = await t.store.figures('acme', 'camp1');
    expect(campaign).toEqual({
      total: 4,
      produced: 3,
      productionErrors: 0,
      remaining: 1,
      cancelled: 0,
      delivered: 2,
      deliveryErrors: 1,
      confirmed: 1,
      deliveredUnconfirmed: 1,
      errorsByCode: { EXPIRED: 1 },
    });
    expect((await t.store.figures('acme')).total).toBe(5);
  });
});
