// The platform outbox feeder on a real redis-server: from the accounts' event streams to outbox items.
// Receipts only for messages that came over SMPP and only for the states their registered_delivery asked
// for; MO items from type=mo entries; an event read twice gives one item; the entries a dead instance read
// and never acknowledged are taken over, so nothing is lost.
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildConfig } from '../../../src/config/index.js';
import { PLATFORM_OUTBOX_GROUP, PlatformOutboxFeeder } from '../../../src/platform/index.js';
import { MessageQueue } from '../../../src/queue/index.js';
import {
  ClusterRelay,
  GatewayStore,
  type NewMessage,
  type RedisPlatformOutbox,
} from '../../../src/store/index.js';
import { waitFor } from '../../helpers/gateway.js';
import {
  ON_CLUSTER,
  redisSection,
  startTestRedis,
  uniquePrefix,
  type TestRedis,
} from '../../helpers/redis.js';

let redis: TestRedis;
const running: Array<PlatformOutboxFeeder | ClusterRelay> = [];
beforeAll(async () => {
  redis = await startTestRedis();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((f) => f.stop()));
});
afterAll(async () => {
  await redis?.stop();
});

function setup() {
  const prefix = uniquePrefix('feed');
  const config = buildConfig({
    redis: { ...redisSection(redis), keyPrefix: prefix },
    accounts: [
      { id: 'acme', apiKeys: ['k'], smpp: { systemId: 'acme', password: 'pw' }, senders: ['ACME'] },
      { id: 'web', apiKeys: ['w'], senders: ['WEB'] },
    ],
    operators: [{ id: 'op', host: '127.0.0.1', port: 1, systemId: 'gw', password: 'pw' }],
  });
  const store = new GatewayStore(redis.client, prefix);
  if (ON_CLUSTER) {
    // On a Cluster the state events reach the accounts' streams through the relay the gateway runs.
    const relay = new ClusterRelay(store.redis, store.keys, store.messages, { holder: prefix, maxLen: 1000 });
    relay.start();
    running.push(relay);
  }
  const queue = new MessageQueue(store.messages, config, () => 'op');
  const outbox = store.platformOutbox({ maxItems: 100, maxAgeMs: 60_000, leaseMs: 5_000 });
  const woken: string[] = [];
  const feeder = (consumer = 'a', reclaimIdleMs = 30_000) => {
    const f = new PlatformOutboxFeeder({
      store,
      outbox,
      accounts: config.accounts.filter((a) => a.smpp),
      wake: (account) => woken.push(account),
      logger: pino({ level: 'silent' }),
      consumer,
      blockMs: 50,
      reclaimIdleMs,
    });
    running.push(f);
    return f;
  };
  const send = (over: Partial<NewMessage> = {}) =>
    queue.enqueue({
      account: 'acme',
      to: '+33612345678',
      from: 'ACME',
      text: 'Un message de plus de vingt caractères',
      class: 'transactional',
      ...over,
    });
  return { store, outbox, feeder, send, woken };
}

async function itemsOf(outbox: RedisPlatformOutbox, n: number) {
  await waitFor(async () => ((await outbox.depth('acme')) >= n ? true : undefined), 5_000, `${n} items`);
  return outbox.next('acme', 100);
}

describe('PlatformOutboxFeeder', () => {
  it('makes receipts of the final states registered_delivery asked for, for SMPP messages only', async () => {
    const { store, outbox, feeder, send, woken } = setup();
    await feeder().start();
    const all = await send({ registeredDelivery: 1 });
    const failuresOnly = await send({ registeredDelivery: 2 });
    const failed = await send({ registeredDelivery: 2 });
    const none = await send({ registeredDelivery: 0 });
    const http = await send();
    for (const m of [all, failuresOnly, none, http]) await store.messages.transition(m.id, 'cancelled');
    await store.messages.transition(failed.id, 'error', {
      error: { stage: 'policy', code: 'OPTED_OUT', message: 'opted out' },
    });
    // `all` was cancelled (a final outcome: asked for), `failuresOnly` too (a failure: asked for), `failed`
    // failed; `none` asked for nothing, `http` came over HTTP.
    const items = await itemsOf(outbox, 3);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await outbox.depth('acme')).toBe(3);
    const receipts = items.map((i) => (i.kind === 'receipt' ? i : undefined));
    expect(receipts.map((r) => r?.messageId).sort()).toEqual([all.id, failuresOnly.id, failed.id].sort());
    const receipt = receipts.find((r) => r?.messageId === failed.id)!;
    expect(receipt).toMatchObject({
      kind: 'receipt',
      to: '+33612345678',
      from: 'ACME',
      textStart: 'Un message de plus d',
      status: { state: 'error', errorStage: 'policy', errorCode: 'OPTED_OUT' },
    });
    expect(receipt.doneAt).toBeGreaterThanOrEqual(receipt.submitAt);
    expect(woken).toContain('acme');
  });

  it('makes MO items of type=mo entries, and one item of an event read twice', async () => {
    const { store, outbox, feeder, send } = setup();
    await feeder().start();
    const mo = [
      'type',
      'mo',
      'id',
      'MO1',
      'account',
      'acme',
      'from',
      '+33699887766',
      'to',
      '36180',
      'text',
      'STOP',
    ];
    await store.mo.publish('acme', mo);
    // The MO handler routes again after a crash: the same MO twice on the stream.
    await store.mo.publish('acme', mo);
    const message = await send({ registeredDelivery: 1 });
    await store.messages.transition(message.id, 'cancelled');
    const events = store.keys.events('acme');
    const [[, fields]] = (await redis.client.xrevrange(events, '+', '-', 'COUNT', 1)) as [[string, string[]]];
    await redis.client.xadd(events, '*', ...fields);
    const items = await itemsOf(outbox, 2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await outbox.depth('acme')).toBe(2);
    expect(items.map((i) => i.kind).sort()).toEqual(['mo', 'receipt']);
    expect(items.find((i) => i.kind === 'mo')).toMatchObject({
      from: '+33699887766',
      to: '36180',
      text: 'STOP',
    });
  });

  it('takes over the events a dead instance read and never acknowledged', async () => {
    const { store, outbox, feeder, send } = setup();
    const first = feeder('first');
    await first.start();
    await first.stop();
    const message = await send({ registeredDelivery: 1 });
    await store.messages.transition(message.id, 'cancelled');
    // An instance that read the entries, then died before adding their items.
    const events = store.keys.events('acme');
    // On a Cluster the events reach the account's stream through the relay, a moment later.
    await waitFor(
      async () => ((await redis.client.xlen(events)) >= 2 ? true : undefined),
      5_000,
      'the events on the account stream',
    );
    const read = await redis.client.xreadgroup(
      'GROUP',
      PLATFORM_OUTBOX_GROUP,
      'dead',
      'COUNT',
      100,
      'STREAMS',
      events,
      '>',
    );
    expect(read).not.toBeNull();
    await feeder('second', 100).start();
    const items = await itemsOf(outbox, 1);
    expect(items).toMatchObject([{ kind: 'receipt', messageId: message.id }]);
    await waitFor(
      async () => {
        const pending = (await redis.client.xpending(events, PLATFORM_OUTBOX_GROUP)) as [number];
        return pending[0] === 0 ? true : undefined;
      },
      5_000,
      'every event acknowledged',
    );
  });
});
