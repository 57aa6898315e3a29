// Issue 13: what the store does for the campaign policy, against a real redis-server. A deferral's reason is
// recorded with the first state; the worker's claim can hold marketing back for the policy without
// touching it; a message whose validity passed while quiet hours held it ends in QUIET_HOURS, not EXPIRED.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConfig } from '../../../src/config/index.js';
import { MessageQueue, type PolicyCheck } from '../../../src/queue/index.js';
import {
  CONSUMER_GROUP,
  MessageStore,
  RedisKeys,
  StreamConsumer,
  decodeRef,
  type FinalChange,
  type HeldEntry,
  type Lane,
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

function setup(policy?: PolicyCheck) {
  const config = buildConfig({
    redis: { url: redis.url, keyPrefix: uniquePrefix('hold') },
    accounts: [{ id: 'acme', apiKeys: ['k1'], senders: ['ACME'] }],
    operators: [{ id: 'op', host: '127.0.0.1', port: 1, systemId: 'gw', password: 'pw' }],
  });
  const keys = testKeys(config.redis.keyPrefix);
  const finals: FinalChange[] = [];
  const store = new MessageStore(redis.client, keys, { onFinal: (c) => finals.push(c) });
  const queue = new MessageQueue(store, config, () => 'op', policy);
  const message = (over: Partial<NewMessage> = {}): NewMessage => ({
    account: 'acme',
    to: '+33612345678',
    from: 'ACME',
    text: 'Promo -20 % STOP au 36180',
    class: 'marketing',
    ...over,
  });
  return { keys, store, queue, finals, message };
}

async function readLane(keys: RedisKeys, lane: Lane, count = 10): Promise<HeldEntry[]> {
  const stream = keys.stream('op', lane);
  const consumer = new StreamConsumer(redis.client, CONSUMER_GROUP, 'test-consumer');
  await consumer.connect();
  await consumer.ensureGroup([stream], '0');
  const entries = await consumer.readByPriority([[stream]], count, 100);
  consumer.disconnect();
  return entries.map((e) => ({ stream: e.stream, entryId: e.id, ref: decodeRef(e.fields.r ?? '') }));
}

async function pending(keys: RedisKeys, lane: Lane): Promise<number> {
  const summary = (await redis.client.xpending(keys.stream('op', lane), CONSUMER_GROUP)) as [number];
  return Number(summary[0]);
}

describe('the store and the campaign policy', () => {
  it('records a deferral reason with the first state: history, detail and the event', async () => {
    const until = Date.now() + 3_600_000;
    const t = setup(() => ({ action: 'defer', until, reason: 'QUIET_HOURS' }));
    const { id, state } = await t.queue.enqueue(t.message());
    expect(state).toBe('scheduled');
    const record = await t.store.record(id);
    expect(record!.history).toEqual([expect.objectContaining({ state: 'scheduled', detail: 'QUIET_HOURS' })]);
    expect(record!.detail).toBe('QUIET_HOURS');
    expect(await redis.client.zscore(t.keys.scheduled('op'), `m|${id}|acme|`)).toBe(String(until));
    const events = await redis.client.xrange(t.keys.events('acme'), '-', '+');
    expect(events.at(-1)![1]).toEqual(
      expect.arrayContaining(['state', 'scheduled', 'detail', 'QUIET_HOURS']),
    );
  });

  it('holds marketing back as "check" (untouched, entry pending), claims it with a second call', async () => {
    const t = setup();
    const [marketing, alert] = await Promise.all([
      t.queue.enqueue(t.message()),
      t.queue.enqueue(t.message({ class: 'transactional', text: 'Code 1234' })),
    ]);
    const entries = [...(await readLane(t.keys, 'transactional')), ...(await readLane(t.keys, 'marketing'))];
    expect(entries.map((e) => e.ref.id)).toEqual([alert.id, marketing.id]);
    const first = await t.store.take(entries, { transactionalHonoursOptOut: false, holdMarketing: true });
    expect(first.map((r) => r.status)).toEqual(['send', 'check']);
    // What the policy needs to decide comes back with the check.
    expect(first[1]!.context).toMatchObject({ to: '+33612345678', class: 'marketing' });
    expect(first[1]!.meta!.segs).toHaveLength(1);
    expect((await t.store.get(marketing.id))!.state).toBe('queued');
    expect(await pending(t.keys, 'marketing')).toBe(1);
    const second = await t.store.take([entries[1]!], { transactionalHonoursOptOut: false });
    expect(second.map((r) => r.status)).toEqual(['send']);
    expect((await t.store.get(marketing.id))!.state).toBe('sending');
  });

  it('an opted-out recipient is reported as such even when marketing is held', async () => {
    const t = setup();
    const { id } = await t.queue.enqueue(t.message());
    await redis.client.hset(t.keys.optOuts('acme'), '+33612345678', '{}');
    const [entry] = await readLane(t.keys, 'marketing');
    const [take] = await t.store.take([entry!], { transactionalHonoursOptOut: false, holdMarketing: true });
    expect(take!.status).toBe('optout');
    expect((await t.store.get(id))!.state).toBe('queued');
  });

  it('ends a message whose validity passed while quiet hours held it in QUIET_HOURS (stage policy)', async () => {
    const now = Date.now();
    // Deferred to a window that opened 2 s ago; its validity ended 1 s ago, before it could be submitted.
    const t = setup(() => ({ action: 'defer', until: now - 2000, reason: 'QUIET_HOURS' }));
    const held = await t.queue.enqueueMany([t.message({ validUntil: now - 1000 })], now - 5000);
    const id = held[0]!.ok ? held[0]!.result.id : '';
    expect(await t.store.moveDue('op')).toBe(1);
    const [entry] = await readLane(t.keys, 'marketing');
    const [take] = await t.store.take([entry!], { transactionalHonoursOptOut: false, holdMarketing: true });
    expect(take!.status).toBe('lapsed');
    const view = await t.store.get(id);
    expect(view).toMatchObject({
      state: 'error',
      error: { stage: 'policy', code: 'QUIET_HOURS', message: expect.stringContaining('quiet hours') },
    });
    expect(t.finals).toEqual([
      { id, account: 'acme', state: 'error', errorStage: 'policy', code: 'QUIET_HOURS' },
    ]);
    expect(await pending(t.keys, 'marketing')).toBe(0);
    expect((await t.store.figures('acme')).errorsByCode).toEqual({ QUIET_HOURS: 1 });
  });

  it('a message held by its own send time whose validity passed still ends in EXPIRED (stage submit)', async () => {
    const now = Date.now();
    const t = setup();
    const [outcome] = await t.queue.enqueueMany(
      [t.message({ sendAt: now - 2000, validUntil: now - 1000 })],
      now - 5000,
    );
    const id = outcome!.ok ? outcome!.result.id : '';
    expect(await t.store.moveDue('op')).toBe(1);
    const [entry] = await readLane(t.keys, 'marketing');
    const [take] = await t.store.take([entry!], { transactionalHonoursOptOut: false, holdMarketing: true });
    expect(take!.status).toBe('expired');
    expect((await t.store.get(id))!.error).toMatchObject({ stage: 'submit', code: 'EXPIRED' });
  });
});
