// Issue 11: the storage layer. What the store promises, checked against a real redis-server: one script
// call per batch, a record that expires only once settled, every final state through one hook (cancel
// included), a deferral that moves state, schedule and acknowledgement together, accounts' events apart.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConfig, type Config } from '../../../src/config/index.js';
import { MessageQueue } from '../../../src/queue/index.js';
import {
  CONSUMER_GROUP,
  MessageStore,
  RedisKeys,
  StreamConsumer,
  decodeRef,
  type FinalChange,
  type HeldEntry,
  type NewMessage,
} from '../../../src/store/index.js';
import { testKeys, startTestRedis, uniquePrefix, type TestRedis } from '../../helpers/redis.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.stop();
});

async function commandCalls(): Promise<Map<string, number>> {
  const info = await redis.client.info('commandstats');
  const calls = new Map<string, number>();
  for (const match of info.matchAll(/cmdstat_([a-z|]+):calls=(\d+)/g)) calls.set(match[1]!, Number(match[2]));
  return calls;
}

function setup(retentionDays = 7) {
  const config: Config = buildConfig({
    redis: { url: redis.url, keyPrefix: uniquePrefix('store') },
    accounts: [
      { id: 'acme', apiKeys: ['k1'], senders: ['ACME'] },
      { id: 'other', apiKeys: ['k2'], senders: ['OTHER'] },
    ],
    operators: [{ id: 'op', host: '127.0.0.1', port: 1, systemId: 'gw', password: 'pw' }],
  });
  const keys = testKeys(config.redis.keyPrefix);
  const finals: FinalChange[] = [];
  const store = new MessageStore(redis.client, keys, { retentionDays, onFinal: (c) => finals.push(c) });
  const queue = new MessageQueue(store, config, () => 'op');
  const message = (over: Partial<NewMessage> = {}): NewMessage => ({
    account: 'acme',
    to: '+33612345678',
    from: 'ACME',
    text: 'Bonjour, votre code est 1234',
    class: 'transactional',
    ...over,
  });
  return { config, keys, store, queue, finals, message };
}

/** Read the entries waiting in the operator's transactional lane, as the worker does. */
async function readEntries(keys: RedisKeys, count: number): Promise<HeldEntry[]> {
  const stream = keys.stream('op', 'transactional');
  const consumer = new StreamConsumer(redis.client, CONSUMER_GROUP, 'test-consumer');
  await consumer.connect();
  await consumer.ensureGroup([stream], '0');
  const entries = await consumer.readByPriority([[stream]], count, 100);
  consumer.disconnect();
  return entries.map((e) => ({ stream: e.stream, entryId: e.id, ref: decodeRef(e.fields.r ?? '') }));
}

describe('message store', () => {
  it('writes a batch of 200 messages in one script call', async () => {
    const t = setup();
    const before = await commandCalls();
    const outcomes = await t.queue.enqueueMany(
      Array.from({ length: 200 }, (_, i) => t.message({ text: `message ${i}` })),
    );
    const after = await commandCalls();
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const evals = (after.get('evalsha') ?? 0) - (before.get('evalsha') ?? 0);
    const evalFallbacks = (after.get('eval') ?? 0) - (before.get('eval') ?? 0);
    expect(evals + evalFallbacks).toBeLessThanOrEqual(2); // one call (plus its EVAL after a NOSCRIPT)
    expect(await redis.client.xlen(t.keys.stream('op', 'transactional'))).toBe(200);
  });

  it('coalesces concurrent single enqueues into one script call', async () => {
    const t = setup();
    const before = await commandCalls();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => t.queue.enqueue(t.message({ text: `single ${i}` }))),
    );
    const after = await commandCalls();
    expect(new Set(results.map((r) => r.id)).size).toBe(50);
    expect((after.get('evalsha') ?? 0) - (before.get('evalsha') ?? 0)).toBe(1);
  });

  it('keeps a live message without TTL and a settled one for the retention only', async () => {
    const t = setup(1);
    const [live, scheduled] = await Promise.all([
      t.queue.enqueue(t.message()),
      t.queue.enqueue(t.message({ sendAt: Date.now() + 30 * 86_400_000 })),
    ]);
    expect(await redis.client.ttl(t.keys.message(live.id))).toBe(-1);
    // A message scheduled past the retention must still be there when its time comes.
    expect(await redis.client.ttl(t.keys.message(scheduled.id))).toBe(-1);
    await t.store.transition(live.id, 'cancelled');
    const ttl = await redis.client.ttl(t.keys.message(live.id));
    expect(ttl).toBeGreaterThan(86_400 - 10);
    expect(ttl).toBeLessThanOrEqual(86_400);
  });

  it('reports a cancel to the final-state hook once', async () => {
    const t = setup();
    const { id } = await t.queue.enqueue(t.message({ campaignId: 'spring' }));
    expect(await t.store.transition(id, 'cancelled')).toEqual({ changed: true, previous: 'queued' });
    expect(await t.store.transition(id, 'cancelled')).toEqual({ changed: false, previous: 'cancelled' });
    expect(t.finals).toEqual([{ id, account: 'acme', campaignId: 'spring', state: 'cancelled' }]);
    expect((await t.store.figures('acme', 'spring')).cancelled).toBe(1);
  });

  it('claims a batch to sending in one call, then a cancel no longer wins', async () => {
    const t = setup();
    const ids = (await t.queue.enqueueMany(Array.from({ length: 5 }, () => t.message()))).map((o) =>
      o.ok ? o.result.id : '',
    );
    const entries = await readEntries(t.keys, 10);
    expect(entries.map((e) => e.ref.id)).toEqual(ids);
    const taken = await t.store.take(entries, { transactionalHonoursOptOut: false });
    expect(taken.map((r) => r.status)).toEqual(['send', 'send', 'send', 'send', 'send']);
    expect(taken[0]!.context).toMatchObject({ to: '+33612345678', segments: 1, class: 'transactional' });
    expect(taken[0]!.meta!.segs).toHaveLength(1);
    expect((await t.store.get(ids[0]!))!.state).toBe('sending');
    expect((await t.store.transition(ids[0]!, 'cancelled')).changed).toBe(false);
  });

  it('packs each item into one argument: an SMSC id holding the separator (U+001F) and a TAB is kept and found by its receipt', async () => {
    const t = setup();
    const { id } = await t.queue.enqueue(t.message({ clientRef: 'ref\u001fwith\tcontrols' }));
    const [entry] = await readEntries(t.keys, 1);
    await t.store.take([entry!], { transactionalHonoursOptOut: false });
    const smscId = 'op\u001fid\t7';
    expect(
      await t.store.acceptPart({
        ref: entry!.ref,
        entry: entry!,
        part: 1,
        operatorId: 'op',
        smscId,
        format: 'string',
        receiptTimeoutMs: 60_000,
        indexTtlSeconds: 3600,
      }),
    ).toMatchObject({ state: 'delivered', settled: true });
    const view = (await t.store.get(id))!;
    expect(view.parts[0]!.smscMessageId).toBe(smscId);
    // The record's own fields are TAB-separated: the clientRef's controls are spaces there.
    expect(view.clientRef).toBe('ref with controls');
    expect(
      await t.store.applyReceipt({ operatorId: 'op', smscId, format: 'string', stat: 'DELIVRD', err: '000' }),
    ).toBe('applied');
    expect((await t.store.get(id))!.state).toBe('confirmed');
  });

  it('acknowledges an entry in the same call that records its last part', async () => {
    const t = setup();
    const { id } = await t.queue.enqueue(t.message({ text: 'x'.repeat(300) }));
    const [entry] = await readEntries(t.keys, 1);
    await t.store.take([entry!], { transactionalHonoursOptOut: false });
    const accept = (part: number) =>
      t.store.acceptPart({
        ref: entry!.ref,
        entry: entry!,
        part,
        operatorId: 'op',
        smscId: `id-${part}`,
        format: 'auto',
        receiptTimeoutMs: 0,
        indexTtlSeconds: 3600,
      });
    const pending = () => redis.client.xpending(entry!.stream, CONSUMER_GROUP) as Promise<[number]>;
    expect((await accept(1)).settled).toBe(false);
    expect((await pending())[0]).toBe(1);
    expect(await accept(2)).toMatchObject({ settled: true, state: 'delivered' });
    expect((await pending())[0]).toBe(0);
    // Acknowledged, not yet deleted: the scheduler's trim removes it, and nothing pending or unread.
    expect(await redis.client.xlen(entry!.stream)).toBe(1);
    const later = await t.queue.enqueue(t.message());
    expect(await t.store.trimAcknowledged('op')).toBe(1);
    expect((await redis.client.xrange(entry!.stream, '-', '+')).map(([, f]) => f[1])).toEqual([
      `${later.id}|acme|`,
    ]);
    expect(t.finals).toEqual([{ id, account: 'acme', state: 'delivered' }]);
  });

  it('trims only what every consumer acknowledged, never a pending entry', async () => {
    const t = setup();
    await t.queue.enqueueMany([t.message(), t.message(), t.message()]);
    const entries = await readEntries(t.keys, 3);
    await t.store.take(entries, { transactionalHonoursOptOut: false });
    const accept = (e: HeldEntry, smscId: string) =>
      t.store.acceptPart({
        ref: e.ref,
        entry: e,
        part: 1,
        operatorId: 'op',
        smscId,
        format: 'auto',
        receiptTimeoutMs: 0,
        indexTtlSeconds: 3600,
      });
    await accept(entries[1]!, 'b');
    expect(await t.store.trimAcknowledged('op')).toBe(0);
    await accept(entries[0]!, 'a');
    expect(await t.store.trimAcknowledged('op')).toBe(2);
    expect((await redis.client.xrange(entries[2]!.stream, '-', '+')).map(([id]) => id)).toEqual([
      entries[2]!.entryId,
    ]);
  });

  it('defers in one call: scheduled state, member in the scheduled set, entry acknowledged', async () => {
    const t = setup();
    const { id } = await t.queue.enqueue(t.message());
    const [entry] = await readEntries(t.keys, 1);
    await t.store.take([entry!], { transactionalHonoursOptOut: false });
    const due = Date.now() + 60_000;
    const before = await commandCalls();
    await t.store.settle([
      {
        ref: entry!.ref,
        to: 'scheduled',
        detail: 'QUIET_HOURS',
        schedule: { operatorId: 'op', lane: 'transactional', dueMs: due },
        entry: entry!,
      },
    ]);
    const after = await commandCalls();
    expect((after.get('evalsha') ?? 0) - (before.get('evalsha') ?? 0)).toBe(1);
    expect((await t.store.get(id))!.state).toBe('scheduled');
    expect(Number(await redis.client.zscore(t.keys.scheduled('op'), `t|${id}|acme|`))).toBe(due);
    expect(((await redis.client.xpending(entry!.stream, CONSUMER_GROUP)) as [number])[0]).toBe(0);
  });

  it("writes each account's events on its own stream only", async () => {
    const t = setup();
    const mine = await t.queue.enqueue(t.message());
    const theirs = await t.queue.enqueue(t.message({ account: 'other', from: 'OTHER' }));
    const ids = async (account: string) =>
      (await redis.client.xrange(t.keys.events(account), '-', '+')).map(([, f]) => f[f.indexOf('id') + 1]);
    expect(await ids('acme')).toEqual([mine.id]);
    expect(await ids('other')).toEqual([theirs.id]);
  });

  it('finds a duplicate clientRef within one batch and across batches', async () => {
    const t = setup();
    const [a, b] = await t.queue.enqueueMany([
      t.message({ clientRef: 'order-1' }),
      t.message({ clientRef: 'order-1' }),
    ]);
    const c = await t.queue.enqueue(t.message({ clientRef: 'order-1' }));
    expect(a).toMatchObject({ ok: true, result: { duplicate: false } });
    const first = a!.ok ? a!.result.id : '';
    expect(b).toMatchObject({ ok: true, result: { id: first, duplicate: true } });
    expect(c).toMatchObject({ id: first, duplicate: true });
    expect(await redis.client.xlen(t.keys.stream('op', 'transactional'))).toBe(1);
  });
});

describe('message store, receipts of a multi-part message', () => {
  // receipt.lua: "error as soon as one part fails". A failed receipt can come for part 1 while parts 2 and 3
  // are still `sending` (no submit_sm_resp yet): the message must end `error` then, not wait for the others.
  async function threeParts(t: ReturnType<typeof setup>) {
    const { id } = await t.queue.enqueue(t.message({ text: 'x'.repeat(400), campaignId: 'c3' }));
    const [entry] = await readEntries(t.keys, 1);
    await t.store.take([entry!], { transactionalHonoursOptOut: false });
    const accept = (part: number) =>
      t.store.acceptPart({
        ref: entry!.ref,
        entry: entry!,
        part,
        operatorId: 'op',
        smscId: `${id}-${part}`,
        format: 'string',
        receiptTimeoutMs: 3_600_000,
        indexTtlSeconds: 3600,
      });
    const receipt = (part: number, stat: string, err = '') =>
      t.store.applyReceipt({ operatorId: 'op', smscId: `${id}-${part}`, format: 'string', stat, err });
    return { id, accept, receipt };
  }

  it('ends error at a failed receipt for one part while the other parts are still sending', async () => {
    const t = setup();
    const { id, accept, receipt } = await threeParts(t);
    expect(await accept(1)).toMatchObject({ state: 'sending', settled: false, accepted: 1 });
    expect(await receipt(1, 'UNDELIV', '001')).toBe('applied');
    const view = (await t.store.get(id))!;
    expect(view.state).toBe('error');
    expect(view.error).toMatchObject({ stage: 'receipt', code: 'UNDELIV' });
    expect(t.finals).toEqual([
      { id, account: 'acme', campaignId: 'c3', state: 'error', errorStage: 'receipt', code: 'UNDELIV' },
    ]);
    // The parts accepted afterwards, and a DELIVRD for one of them, change nothing: error is final.
    expect((await accept(2)).state).toBe('error');
    expect((await accept(3)).state).toBe('error');
    expect(await receipt(2, 'DELIVRD')).toBe('applied');
    expect((await t.store.get(id))!.state).toBe('error');
    expect(t.finals, JSON.stringify(t.finals)).toHaveLength(1);
    const figures = await t.store.figures('acme', 'c3');
    expect(figures).toMatchObject({ deliveryErrors: 1, confirmed: 0, errorsByCode: { UNDELIV: 1 } });
  });

  it('confirms only when every part is DELIVRD, whatever the order of receipts and acceptances', async () => {
    const t = setup();
    const { id, accept, receipt } = await threeParts(t);
    await accept(2);
    expect(await receipt(2, 'DELIVRD')).toBe('applied');
    await accept(1);
    expect(await receipt(1, 'DELIVRD')).toBe('applied');
    expect((await t.store.get(id))!.state).toBe('sending');
    expect((await accept(3)).state).toBe('delivered');
    expect(await receipt(3, 'DELIVRD')).toBe('applied');
    expect((await t.store.get(id))!.state).toBe('confirmed');
    expect(t.finals.map((f) => f.state)).toEqual(['confirmed']);
  });
});

describe('message store, through the whole gateway', () => {
  it("tells a message's callbackUrl of each state change, and queues no notification for the others", async () => {
    const { startTestGateway, waitFor } = await import('../../helpers/gateway.js');
    const { startWebhookReceiver } = await import('../../helpers/mo.js');
    const receiver = await startWebhookReceiver();
    const gw = await startTestGateway(redis);
    try {
      const keys = gw.gateway.store.keys;
      const quiet = await gw.request('POST', '/v1/messages', {
        to: '+33612345678',
        from: 'ACME',
        text: 'nobody listens',
        class: 'transactional',
      });
      const told = await gw.request('POST', '/v1/messages', {
        to: '+33612345678',
        from: 'ACME',
        text: 'tell me',
        class: 'transactional',
        callbackUrl: `${receiver.url}/cb`,
      });
      const states = await waitFor(() => {
        const seen = receiver.requests.map((r) => JSON.parse(r.body) as { id: string; state: string });
        const mine = seen.filter((b) => b.id === told.json.id).map((b) => b.state);
        return mine.includes('confirmed') ? mine : undefined;
      }, 15_000);
      expect(new Set(states)).toEqual(new Set(['queued', 'sending', 'delivered', 'confirmed']));
      expect(receiver.requests.every((r) => r.path === '/cb')).toBe(true);
      expect(receiver.requests.some((r) => r.body.includes(String(quiet.json.id)))).toBe(false);
      // The quiet message's changes are on its account's stream only, never on the notification stream.
      const notified = await redis.client.xrange(keys.notifications(0), '-', '+');
      expect(notified.some(([, f]) => f.includes(String(quiet.json.id)))).toBe(false);
      const events = await redis.client.xrange(keys.events('acme'), '-', '+');
      expect(events.filter(([, f]) => f.includes(String(quiet.json.id))).length).toBeGreaterThanOrEqual(3);
    } finally {
      await gw.stop();
      await receiver.close();
    }
  }, 30_000);

  it('spends at most 16 Redis commands per one-part message without receipts, scripts included', async () => {
    const { startTestGateway, waitFor } = await import('../../helpers/gateway.js');
    const gw = await startTestGateway(redis, { operator: { tps: 10_000, window: 50, receipts: false } });
    try {
      const total = 2000;
      const queue = new MessageQueue(gw.gateway.store.messages, gw.gateway.config, () => 'sim');
      // Let the gateway's own start-up commands settle before counting.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const before = Number(/total_commands_processed:(\d+)/.exec(await redis.client.info('stats'))![1]);
      for (let start = 0; start < total; start += 500) {
        await queue.enqueueMany(
          Array.from({ length: 500 }, (_, i) => ({
            account: 'acme',
            to: '+33612345678',
            from: 'ACME',
            text: `n${start + i}`,
            class: 'transactional' as const,
          })),
        );
      }
      await waitFor(() => (gw.gateway.simulator!.submits.length >= total ? true : undefined), 30_000);
      await waitFor(async () =>
        (await gw.gateway.store.messages.figures('acme')).produced >= total ? true : undefined,
      );
      const after = Number(/total_commands_processed:(\d+)/.exec(await redis.client.info('stats'))![1]);
      // Everything Redis ran (every instance loop, the test's own polling) divided by the messages.
      expect((after - before) / total).toBeLessThanOrEqual(16);
    } finally {
      await gw.stop();
    }
    void pino;
  }, 60_000);
});
