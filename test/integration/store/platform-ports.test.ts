// The SMPP server's ports on a real redis-server (src/store/platform-*.ts): binds across instances with
// leases that lapse, durable part gathering with its id, done marker and one sweeper per gathering, the
// outbox's order, leases, retries, bound and TTL, and query/cancel through the message store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConfig } from '../../../src/config/index.js';
import { MessageQueue } from '../../../src/queue/index.js';
import {
  MessageStore,
  RedisKeys,
  RedisPartGatherer,
  RedisPlatformBinds,
  RedisPlatformOutbox,
  StorePlatformMessages,
  type NewOutboxItem,
  type OutboxDropReason,
} from '../../../src/store/index.js';
import type { GatheredPart, PartKey } from '../../../src/smpp-server/index.js';
import { testKeys, startTestRedis, uniquePrefix, type TestRedis } from '../../helpers/redis.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const keys = () => testKeys(uniquePrefix('pf'));

describe('RedisPlatformBinds', () => {
  it('grants maxBinds across instances, refuses the next, and frees a released bind', async () => {
    const k = keys();
    const a = new RedisPlatformBinds(redis.client, k);
    const b = new RedisPlatformBinds(redis.client, k);
    expect(await a.acquire('acme', 'a-1', 2)).toBe(true);
    expect(await b.acquire('acme', 'b-1', 2)).toBe(true);
    expect(await b.acquire('acme', 'b-2', 2)).toBe(false);
    expect(await a.acquire('acme', 'a-2', 2)).toBe(false);
    // Another account's binds are its own.
    expect(await a.acquire('globex', 'a-3', 1)).toBe(true);
    await a.release('acme', 'a-1');
    expect(await b.acquire('acme', 'b-2', 2)).toBe(true);
    expect(await a.count('acme')).toBe(2);
  });

  it("lapses a dead instance's binds within the lease, while a live instance keeps its own by refreshing", async () => {
    const k = keys();
    const dead = new RedisPlatformBinds(redis.client, k, { ttlMs: 300 });
    const live = new RedisPlatformBinds(redis.client, k, { ttlMs: 300, refreshMs: 50 });
    live.start();
    try {
      expect(await dead.acquire('acme', 'dead-1', 2)).toBe(true);
      expect(await live.acquire('acme', 'live-1', 2)).toBe(true);
      expect(await live.acquire('acme', 'live-2', 2)).toBe(false);
      // `dead` never refreshes (its process is gone); `live` refreshes every 50 ms.
      await sleep(500);
      expect(await live.count('acme')).toBe(1);
      expect(await live.acquire('acme', 'live-2', 2)).toBe(true);
      expect(await live.acquire('acme', 'live-3', 2)).toBe(false);
    } finally {
      await live.stop();
    }
  });
});

describe('RedisPartGatherer', () => {
  const key: PartKey = { account: 'acme', from: 'ACME', to: '+33612345678', via: 'udh8', reference: 7 };
  const part = (seq: number, total = 3, receivedAt = 1000, text = `p${seq}`): GatheredPart => ({
    seq,
    total,
    payload: Buffer.from(text),
    dataCoding: 0,
    registeredDelivery: 1,
    receivedAt,
  });
  let n = 0;
  const gatherer = (k: RedisKeys, now = () => 10_000) =>
    new RedisPartGatherer(redis.client, k, {
      accounts: ['acme', 'other'],
      now,
      newId: () => `ID${++n}`,
      doneMarkerMs: 300,
    });

  it('allocates the id at the first part and completes with the parts in order, whatever the order, across instances', async () => {
    const k = keys();
    const a = await gatherer(k).addPart(key, part(3));
    // Another instance (or this one after a restart) carries on with the same parts.
    const b = await gatherer(k).addPart(key, part(1));
    const c = await gatherer(k).addPart(key, part(2));
    expect(a).toEqual({ complete: false, id: expect.any(String) });
    expect(b).toEqual(a);
    expect(c).toMatchObject({ complete: true, id: (a as { id: string }).id });
    if (!c.complete) throw new Error('expected complete');
    expect(c.parts.map((p) => p.payload.toString())).toEqual(['p1', 'p2', 'p3']);
    expect(c.parts[0]).toMatchObject({ seq: 1, total: 3, dataCoding: 0, registeredDelivery: 1 });
  });

  it('takes a repeated part as a duplicate, completes again until finish(), then answers a late repeat with the same id', async () => {
    const k = keys();
    const g = gatherer(k);
    await g.addPart(key, part(1, 2));
    expect(await g.addPart(key, part(1, 2))).toMatchObject({ complete: false });
    const done = await g.addPart(key, part(2, 2));
    expect(await g.addPart(key, part(2, 2))).toEqual(done);
    if (!done.complete) throw new Error('expected complete');
    await g.finish(key, done.id);
    expect(await g.pendingCount('acme')).toBe(0);
    // The platform did not get our answer to the last part and sends it again: same id, nothing new.
    expect(await g.addPart(key, part(2, 2))).toEqual({ complete: false, id: done.id });
    expect(await g.pendingCount('acme')).toBe(0);
    // A part with other octets under the same reference is a new message, with a new id.
    const other = await g.addPart(key, part(1, 2, 1000, 'another text'));
    expect(other).toMatchObject({ complete: false });
    expect((other as { id: string }).id).not.toBe(done.id);
    // The marker is short: once it is gone, even the same octets start a new message.
    const k2 = keys();
    const g2 = gatherer(k2);
    await g2.addPart(key, part(1, 1 + 1));
    const whole = await g2.addPart(key, part(2, 2));
    await g2.finish(key, (whole as { id: string }).id);
    await sleep(400);
    const again = await g2.addPart(key, part(2, 2));
    expect((again as { id: string }).id).not.toBe((whole as { id: string }).id);
  });

  it('keeps messages apart by account, source, destination, method and reference, and refuses another total', async () => {
    const k = keys();
    const g = gatherer(k);
    const ids = new Set<string>();
    for (const other of [
      key,
      { ...key, account: 'other' },
      { ...key, from: '36180' },
      { ...key, to: '+33700000000' },
      { ...key, via: 'udh16' as const },
      { ...key, via: 'sar' as const },
      { ...key, reference: 8 },
    ]) {
      ids.add(((await g.addPart(other, part(1))) as { id: string }).id);
    }
    expect(ids.size).toBe(7);
    expect(await g.addPart(key, part(2, 4))).toEqual({ complete: false, conflict: true });
    expect(await g.addPart(key, part(2, 3))).toMatchObject({ complete: false });
  });

  it('hands an expired gathering to one sweeper only, with what arrived, again after a part timeout if never finished', async () => {
    const k = keys();
    let now = 10_000;
    const a = gatherer(k, () => now);
    const b = gatherer(k, () => now);
    const first = (await a.addPart(key, part(1, 3, 1_000))) as { id: string };
    await a.addPart(key, part(3, 3, 1_500));
    await a.addPart({ ...key, reference: 9 }, part(1, 2, 9_000));
    const [fromA, fromB] = await Promise.all([a.expired(5_000, 10), b.expired(5_000, 10)]);
    const all = [...fromA, ...fromB];
    expect(all).toEqual([{ key, id: first.id, received: 2, total: 3, registeredDelivery: 1 }]);
    expect(await a.expired(5_000, 10)).toEqual([]);
    // Its sweeper died before finish(): one part timeout later (first-part-before past the claim) it comes back.
    now = 20_000;
    expect(await b.expired(10_001, 10)).toHaveLength(2);
    await b.finish(key, first.id);
    expect(await b.pendingCount('acme')).toBe(1);
  });
});

describe('RedisPlatformOutbox', () => {
  const receipt = (n: number): NewOutboxItem => ({
    kind: 'receipt',
    messageId: `M${n}`,
    to: '+33612345678',
    from: 'ACME',
    status: { state: 'confirmed', at: 2000 },
    submitAt: 1000,
    doneAt: 2000,
    textStart: `text ${n}`,
  });
  function outbox(
    k: RedisKeys,
    over: Partial<ConstructorParameters<typeof RedisPlatformOutbox>[2]> = {},
    clock: { now: number } = { now: 1_000_000 },
  ) {
    const drops: Array<{ account: string; reason: OutboxDropReason; count: number }> = [];
    const box = new RedisPlatformOutbox(redis.client, k, {
      maxItems: 100,
      maxAgeMs: 60_000,
      leaseMs: 5_000,
      now: () => clock.now,
      onDropped: (account, reason, count) => drops.push({ account, reason, count }),
      ...over,
    });
    return { box, drops, clock };
  }

  it('gives items in the order they were added, each to one caller, and forgets what is done', async () => {
    const k = keys();
    const clock = { now: 1_000_000 };
    const { box } = outbox(k, {}, clock);
    const { box: other } = outbox(k, {}, clock);
    const added = await box.add(
      'acme',
      Array.from({ length: 12 }, (_, i) => ({ origin: `r:M${i}:confirmed`, item: receipt(i) })),
    );
    expect(added).toEqual({ added: 12, doubles: 0, dropped: 0 });
    const first = await box.next('acme', 5);
    const second = await other.next('acme', 100);
    expect(first.map((i) => (i.kind === 'receipt' ? i.messageId : ''))).toEqual([
      'M0',
      'M1',
      'M2',
      'M3',
      'M4',
    ]);
    expect(second.map((i) => (i.kind === 'receipt' ? i.messageId : ''))).toEqual([
      'M5',
      'M6',
      'M7',
      'M8',
      'M9',
      'M10',
      'M11',
    ]);
    expect(first[0]).toMatchObject({ attempts: 0, itemId: expect.stringMatching(/^acme:/) });
    expect(await box.next('acme', 100)).toEqual([]);
    expect(await other.next('globex', 100)).toEqual([]);
    for (const item of [...first, ...second]) await box.done(item.itemId);
    expect(await box.depth('acme')).toBe(0);
  });

  it("puts a lapsed lease's items back in their place, and a retried item back after its delay with one more attempt", async () => {
    const k = keys();
    const { box, clock } = outbox(k);
    await box.add(
      'acme',
      [0, 1, 2].map((i) => ({ origin: `o${i}`, item: receipt(i) })),
    );
    const taken = await box.next('acme', 2);
    expect(taken).toHaveLength(2);
    // Its instance died: after the lease, another instance gets them again, first.
    clock.now += 5_001;
    const again = await box.next('acme', 10);
    expect(again.map((i) => i.itemId)).toEqual([...taken.map((i) => i.itemId), expect.any(String)]);
    await box.retry(again[0]!.itemId, 1_000);
    await box.done(again[1]!.itemId);
    await box.done(again[2]!.itemId);
    expect(await box.next('acme', 10)).toEqual([]);
    clock.now += 1_000;
    const retried = await box.next('acme', 10);
    expect(retried).toEqual([{ ...again[0], attempts: 1 }]);
    await box.drop(retried[0]!.itemId, 'attempts exhausted');
    expect(await box.depth('acme')).toBe(0);
    // Settling an item twice (two instances, a lapsed lease) does no harm.
    await box.done(retried[0]!.itemId);
  });

  it('adds an origin once within the seen window, so an event read twice gives one item', async () => {
    const k = keys();
    const { box } = outbox(k);
    await box.add('acme', [
      { origin: 'mo:1', item: { kind: 'mo', from: '+33612345678', to: '36180', text: 'STOP' } },
    ]);
    const twice = await box.add('acme', [
      { origin: 'mo:1', item: { kind: 'mo', from: '+33612345678', to: '36180', text: 'STOP' } },
      { origin: 'mo:2', item: { kind: 'mo', from: '+33612345678', to: '36180', text: 'Hi' } },
    ]);
    expect(twice).toEqual({ added: 1, doubles: 1, dropped: 0 });
    expect(await box.depth('acme')).toBe(2);
  });

  it('keeps at most maxItems (the oldest dropped) and drops items older than the TTL, counting both', async () => {
    const k = keys();
    const { box, drops, clock } = outbox(k, { maxItems: 3, maxAgeMs: 10_000 });
    await box.add(
      'acme',
      [0, 1, 2, 3, 4].map((i) => ({ origin: `o${i}`, item: receipt(i) })),
    );
    expect(await box.depth('acme')).toBe(3);
    expect(drops).toEqual([{ account: 'acme', reason: 'overflow', count: 2 }]);
    clock.now += 6_000;
    await box.add('acme', [{ origin: 'o5', item: receipt(5) }]);
    expect(drops[1]).toEqual({ account: 'acme', reason: 'overflow', count: 1 });
    clock.now += 5_000;
    const left = await box.next('acme', 10);
    // M3 and M4 (added 11 s ago) are past the 10 s TTL; M5 (5 s) goes.
    expect(left.map((i) => (i.kind === 'receipt' ? i.messageId : ''))).toEqual(['M5']);
    expect(drops[2]).toEqual({ account: 'acme', reason: 'expired', count: 2 });
    // Every key carries the TTL, so an outbox nobody binds to disappears.
    expect(await redis.client.pttl(k.platformOutboxItems('acme'))).toBeGreaterThan(0);
  });
});

describe('StorePlatformMessages and pre-allocated ids', () => {
  function setup() {
    const prefix = uniquePrefix('pfm');
    const config = buildConfig({
      redis: { url: redis.url, keyPrefix: prefix },
      accounts: [
        { id: 'acme', apiKeys: ['k1'], senders: ['ACME'] },
        { id: 'other', apiKeys: ['k2'], senders: ['OTHER'] },
      ],
      operators: [{ id: 'op', host: '127.0.0.1', port: 1, systemId: 'gw', password: 'pw' }],
    });
    const store = new MessageStore(redis.client, testKeys(prefix));
    const queue = new MessageQueue(store, config, () => 'op');
    return { store, queue, messages: new StorePlatformMessages(store) };
  }
  const base = { account: 'acme', to: '+33612345678', from: 'ACME', class: 'transactional' } as const;

  it("looks up only the account's own ids, and cancels a scheduled message but not one being sent", async () => {
    const { queue, messages, store } = setup();
    const later = await queue.enqueue({ ...base, text: 'later', sendAt: Date.now() + 3_600_000 });
    const now = await queue.enqueue({ ...base, text: 'now' });
    expect(await messages.lookup('acme', later.id)).toMatchObject({ state: 'scheduled' });
    expect(await messages.lookup('other', later.id)).toBeUndefined();
    expect(await messages.lookup('acme', 'not-an-id')).toBeUndefined();
    expect(await messages.cancel('other', later.id)).toEqual({ ok: false, code: 'NOT_FOUND' });
    expect(await messages.cancel('acme', later.id)).toEqual({ ok: true });
    expect(await messages.cancel('acme', later.id)).toEqual({ ok: true });
    expect(await messages.lookup('acme', later.id)).toMatchObject({ state: 'cancelled' });
    await store.transition(now.id, 'sending');
    expect(await messages.cancel('acme', now.id)).toEqual({ ok: false, code: 'NOT_CANCELLABLE' });
  });

  it('gives a message its pre-allocated id, once: a second enqueue of the id is a duplicate', async () => {
    const { queue, store } = setup();
    const id = '01JBQ0000000000000000000000';
    const first = await queue.enqueue({ ...base, text: 'Bonjour à tous', id, registeredDelivery: 1 });
    expect(first).toMatchObject({ id, duplicate: false, state: 'queued' });
    const again = await queue.enqueue({ ...base, text: 'Bonjour à tous', id, registeredDelivery: 1 });
    expect(again).toMatchObject({ id, duplicate: true });
    expect(await store.depth('op', 'transactional')).toBe(1);
    const record = await store.record(id);
    expect(record?.meta).toMatchObject({ registeredDelivery: 1, textStart: 'Bonjour à tous' });
  });
});
