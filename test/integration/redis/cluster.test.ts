// The gateway on a real Redis Cluster (three primaries, test/helpers/redis-cluster.ts), whatever
// TEST_REDIS_CLUSTER says: every script on one slot (a CROSSSLOT error would fail the messages), one
// operator's traffic spread over the three primaries, the state events relayed to the account's stream
// exactly once, figures summed over the shards exact, and our slot function equal to Redis' own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';
import { startTestRedisCluster, type TestRedisCluster } from '../../helpers/redis-cluster.js';
import { uniquePrefix } from '../../helpers/redis.js';
import { buildConfig } from '../../../src/config/index.js';
import { MessageQueue } from '../../../src/queue/index.js';
import {
  clusterShardTag,
  clusterSlot,
  MessageStore,
  RedisKeys,
  shardOfId,
} from '../../../src/store/index.js';

const TOTAL = 10_000;
let cluster: TestRedisCluster;
let gw: TestGateway;
const prefix = uniquePrefix('cluster');

beforeAll(async () => {
  cluster = await startTestRedisCluster(3);
  gw = await startTestGateway(
    { url: cluster.nodes[0]!, cluster: cluster.nodes },
    {
      redis: { cluster: cluster.nodes, keyPrefix: prefix },
      operator: { window: 50, tps: 100_000 },
      accounts: [
        {
          id: 'acme',
          apiKeys: ['test-key-acme'],
          senders: ['ACME'],
        },
      ],
    },
  );
}, 60_000);

afterAll(async () => {
  await gw?.stop();
  await cluster?.stop();
});

describe('Redis Cluster, 3 primaries', () => {
  it('hashes keys to the slots Redis does (CLUSTER KEYSLOT), and spreads the 16 shard tags 6/5/5', async () => {
    const samples = ['a', 'smppgw:events:acme', '{s3.7}:m:x', 'foo{bar}baz', 'ß€ünïcode', ''];
    for (const key of samples) {
      const tag = /\{([^}]+)\}/.exec(key)?.[1] ?? key;
      expect(clusterSlot(tag), key).toBe(Number(await cluster.client.cluster('KEYSLOT', key)));
    }
    // redis-cli --cluster create gives each primary an equal range: 0-5460, 5461-10922, 10923-16383.
    const perThird = [0, 0, 0];
    for (let n = 0; n < 16; n++) perThird[Math.floor((clusterSlot(clusterShardTag(n)) * 3) / 16384)]! += 1;
    expect(perThird.sort()).toEqual([5, 5, 6]);
  });

  it('sends 10,000 messages with receipts: all confirmed, keys within ±20 % per primary, each event once on the account stream, figures exact', async () => {
    expect(gw.gateway.config.redis.shards).toBe(16);
    const ids: string[] = [];
    for (let first = 0; first < TOTAL; first += 1000) {
      const messages = Array.from({ length: 1000 }, (_, i) => ({
        to: `+3361${String(first + i).padStart(7, '0')}`,
        from: 'ACME',
        text: `cluster ${first + i}`,
        class: 'transactional',
        campaignId: 'spread',
        // Half with a clientRef: their shard (and their idempotency key's) comes from it.
        ...((first + i) % 2 === 0 ? { clientRef: `ref-${first + i}` } : {}),
      }));
      const { status, json } = await gw.request('POST', '/v1/messages/batch', { messages });
      expect(status).toBe(202);
      for (const r of json.results as { id: string }[]) ids.push(r.id);
    }
    expect(new Set(ids).size).toBe(TOTAL);
    // A clientRef sent again names the first message, found on its own shard.
    const again = await gw.request('POST', '/v1/messages', {
      to: '+33610000000',
      from: 'ACME',
      text: 'cluster 0',
      class: 'transactional',
      clientRef: 'ref-0',
    });
    expect(again.json.id).toBe(ids[0]);

    const figures = await waitFor(
      async () => {
        const f = await gw.gateway.store.messages.figures('acme', 'spread');
        return f.confirmed === TOTAL ? f : undefined;
      },
      120_000,
      'every message confirmed',
    );
    expect(figures).toMatchObject({ total: TOTAL, produced: TOTAL, confirmed: TOTAL, productionErrors: 0 });
    for (const id of [ids[0]!, ids[4321]!, ids.at(-1)!]) {
      const { json } = await gw.request('GET', `/v1/messages/${id}`);
      expect(json.state, id).toBe('confirmed');
    }

    // The operator's traffic (records, SMSC-id indexes, clientRefs) over the three primaries.
    const perNode = await cluster.keysPerNode(`${prefix}:{`);
    const mean = perNode.reduce((a, b) => a + b, 0) / perNode.length;
    console.log(`cluster: keys per primary ${perNode.join(' / ')} (mean ${Math.round(mean)})`);
    // Each message's record and SMSC-id index, and half of them a clientRef key.
    expect(mean * perNode.length).toBeGreaterThanOrEqual(TOTAL * 2.5);
    for (const n of perNode) {
      expect(n).toBeGreaterThanOrEqual(mean * 0.8);
      expect(n).toBeLessThanOrEqual(mean * 1.2);
    }

    // The account's stream (SPEC §4): every message's queued, sending, delivered and confirmed once each.
    const keys = new RedisKeys(prefix, 16, { cluster: true });
    const seen = new Map<string, number>();
    await waitFor(
      async () => {
        seen.clear();
        let from = '-';
        for (;;) {
          const page = await cluster.client.xrange(keys.events('acme'), from, '+', 'COUNT', 5000);
          for (const [, flat] of page) {
            const f: Record<string, string> = {};
            for (let i = 0; i + 1 < flat.length; i += 2) f[flat[i]!] = flat[i + 1]!;
            if (f.id && f.state) seen.set(`${f.id}|${f.state}`, (seen.get(`${f.id}|${f.state}`) ?? 0) + 1);
          }
          if (page.length < 5000) break;
          from = `(${page.at(-1)![0]}`;
        }
        return seen.size === TOTAL * 4 ? true : undefined;
      },
      30_000,
      'every state event on the account stream',
    );
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    // Relayed, the shards' own event streams are emptied.
    for (const shard of keys.shardList) expect(await cluster.client.xlen(keys.shardEvents(shard))).toBe(0);
  }, 180_000);

  it('credit on a Cluster: a refund reaches the balance once, and the holds a crash left are ended by the sweep', async () => {
    const keyPrefix = uniquePrefix('credit');
    const config = buildConfig({
      redis: { cluster: cluster.nodes, keyPrefix },
      accounts: [{ id: 'acme', apiKeys: ['k'], senders: ['ACME'], credits: 100 }],
      operators: [{ id: 'op', host: '127.0.0.1', port: 1, systemId: 'gw', password: 'pw' }],
    });
    const keys = new RedisKeys(keyPrefix, 16, { cluster: true });
    const store = new MessageStore(cluster.client, keys);
    const queue = new MessageQueue(store, config, () => 'op');
    const balance = async () => Number(await cluster.client.get(keys.credit('acme')));
    const send = (text: string, sendAt?: number) =>
      queue.enqueue({
        account: 'acme',
        to: '+33612345678',
        from: 'ACME',
        text,
        class: 'transactional',
        ...(sendAt ? { sendAt } : {}),
      });
    const later = Date.now() + 3_600_000;
    const first = await send('one part', later);
    const second = await send('x'.repeat(300), later);
    expect(await balance()).toBe(97);
    // Reserved, written, the holds ended: nothing left for the sweep.
    expect(await cluster.client.hlen(keys.creditHeld('acme'))).toBe(0);

    // A cancel gives its 2 credits back through the shard's ledger, at once, and only once.
    expect((await store.transition(second.id, 'cancelled')).changed).toBe(true);
    expect(await balance()).toBe(99);
    for (const n of keys.shardList) expect(await store.applyRefunds(n)).toBe(0);
    // The same refund found again on a ledger (a move that crashed after applying it) is not applied twice.
    const ledger = keys.creditRefunds(shardOfId(second.id));
    await cluster.client.hset(ledger, second.id, 'acme|2');
    for (const n of keys.shardList) await store.applyRefunds(n);
    expect(await balance()).toBe(99);
    expect(await cluster.client.hlen(ledger)).toBe(0);

    // A crash between the reservation and the write leaves a hold: the sweep gives it back once stale; a
    // hold whose message was written (a crash before the hold ended) stays spent.
    await cluster.client.hset(keys.creditHeld('acme'), 'never-written', `5|${Date.now()}`);
    await cluster.client.decrby(keys.credit('acme'), 5);
    await cluster.client.hset(keys.creditHeld('acme'), first.id, `1|${Date.now()}`);
    await cluster.client.sadd(keys.creditAccounts(), 'acme');
    expect(await store.sweepCreditHolds()).toBe(0);
    expect(await store.sweepCreditHolds(Date.now() + 61_000)).toBe(2);
    expect(await balance()).toBe(99);
    expect(await cluster.client.hlen(keys.creditHeld('acme'))).toBe(0);
    // Out of credit: refused, nothing held, nothing written.
    await cluster.client.set(keys.credit('acme'), 1);
    const [refused] = await queue.enqueueMany([
      { account: 'acme', to: '+33612345678', from: 'ACME', text: 'y'.repeat(300), class: 'transactional' },
    ]);
    expect(refused!.ok).toBe(false);
    expect(refused!.ok ? undefined : (refused!.error as { code?: string }).code).toBe('INSUFFICIENT_CREDIT');
    expect(await balance()).toBe(1);
    expect(await cluster.client.hlen(keys.creditHeld('acme'))).toBe(0);
  });

  it('a stop relays the last state events: the account stream is whole once the daemon is gone', async () => {
    const keyPrefix = uniquePrefix('stop');
    const own = await startTestGateway(
      { url: cluster.nodes[0]!, cluster: cluster.nodes },
      { redis: { cluster: cluster.nodes, keyPrefix } },
    );
    const keys = new RedisKeys(keyPrefix, 16, { cluster: true });
    let id = '';
    try {
      const { json } = await own.request('POST', '/v1/messages', {
        to: '+33612345678',
        from: 'ACME',
        text: 'last one',
        class: 'transactional',
      });
      id = String(json.id);
      await waitFor(
        async () => ((await own.gateway.store.messages.get(id))?.state === 'confirmed' ? true : undefined),
        10_000,
        'the message confirmed',
      );
    } finally {
      await own.stop();
    }
    const states = (await cluster.client.xrange(keys.events('acme'), '-', '+'))
      .map(([, flat]) => flat)
      .filter((flat) => flat[flat.indexOf('id') + 1] === id)
      .map((flat) => flat[flat.indexOf('state') + 1]);
    expect(states).toEqual(['queued', 'sending', 'delivered', 'confirmed']);
  });
});
