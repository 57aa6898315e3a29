// The sharded key layout (redis.shards, docs/scaling.md): one operator's traffic spreads over every shard's
// hash tag, each message keeps to its own shard (record, SMSC-id index, queue entry), receipts find their
// message whatever its shard, scheduled messages come due on every shard, and the shard count only grows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';
import { startTestRedis, uniquePrefix, type TestRedis } from '../../helpers/redis.js';
import { GatewayStore, shardOfId } from '../../../src/store/index.js';

const SHARDS = 4;
const TOTAL = 2000;

let redis: TestRedis;
let gw: TestGateway;
const prefix = uniquePrefix('shards');

beforeAll(async () => {
  redis = await startTestRedis();
  gw = await startTestGateway(redis, {
    redis: { url: redis.url, keyPrefix: prefix, shards: SHARDS },
    operator: { window: 50, tps: 100_000 },
  });
}, 30_000);

afterAll(async () => {
  await gw?.stop();
  await redis?.stop();
});

async function keysOfShard(pattern: string): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, found] = await redis.client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    n += found.length;
  } while (cursor !== '0');
  return n;
}

describe('redis.shards: 4', () => {
  it('spreads one operator over every shard (±20 %), and every message is confirmed through its own shard', async () => {
    const ids: string[] = [];
    for (let first = 0; first < TOTAL; first += 500) {
      const messages = Array.from({ length: 500 }, (_, i) => ({
        to: `+3361${String(first + i).padStart(7, '0')}`,
        from: 'ACME',
        text: `shard ${first + i}`,
        class: 'transactional',
        // Half with a clientRef: their shard comes from it, the others' in turn.
        ...((first + i) % 2 === 0 ? { clientRef: `ref-${first + i}` } : {}),
      }));
      const { status, json } = await gw.request('POST', '/v1/messages/batch', { messages });
      expect(status).toBe(202);
      for (const r of json.results as { id: string }[]) ids.push(r.id);
    }
    const perShard = new Map<number, number>();
    for (const id of ids) perShard.set(shardOfId(id), (perShard.get(shardOfId(id)) ?? 0) + 1);
    expect([...perShard.keys()].sort()).toEqual([0, 1, 2, 3]);
    for (const n of perShard.values()) {
      expect(n).toBeGreaterThanOrEqual((TOTAL / SHARDS) * 0.8);
      expect(n).toBeLessThanOrEqual((TOTAL / SHARDS) * 1.2);
    }
    // Every message ends confirmed: sent from each shard's stream, its receipt found on its shard.
    await waitFor(
      async () => {
        const { json } = await gw.request('GET', `/v1/messages/${ids.at(-1)!}`);
        return json.state === 'confirmed' ? true : undefined;
      },
      60_000,
      'the last message confirmed',
    );
    for (const id of [ids[0]!, ids[1]!, ids[2]!, ids[3]!, ids[777]!]) {
      const { json } = await gw.request('GET', `/v1/messages/${id}`);
      expect(json.state, id).toBe('confirmed');
    }
    // The keys of one shard carry its hash tag only: records and SMSC-id indexes per shard, within ±20 %.
    for (let shard = 0; shard < SHARDS; shard++) {
      const records = await keysOfShard(`${prefix}:{s${shard}}:m:*`);
      const indexes = await keysOfShard(`${prefix}:{s${shard}}:x:*`);
      expect(records).toBe(perShard.get(shard));
      expect(indexes).toBeGreaterThanOrEqual(records);
    }
    // The same clientRef again is a duplicate (its key shares the first message's shard).
    const again = await gw.request('POST', '/v1/messages', {
      to: '+33610000000',
      from: 'ACME',
      text: 'shard 0',
      class: 'transactional',
      clientRef: 'ref-0',
    });
    expect(again.json).toMatchObject({ id: ids[0], duplicate: true });
  }, 120_000);

  it('brings scheduled messages due on every shard', async () => {
    const sendAt = new Date(Date.now() + 1500).toISOString();
    const messages = Array.from({ length: 40 }, (_, i) => ({
      to: `+3362${String(i).padStart(7, '0')}`,
      from: 'ACME',
      text: `later ${i}`,
      class: 'transactional',
      sendAt,
    }));
    const { json } = await gw.request('POST', '/v1/messages/batch', { messages });
    const ids = (json.results as { id: string }[]).map((r) => r.id);
    expect(new Set(ids.map(shardOfId)).size).toBe(SHARDS);
    await waitFor(
      async () => {
        for (const id of ids) {
          const { json: m } = await gw.request('GET', `/v1/messages/${id}`);
          if (m.state !== 'confirmed' && m.state !== 'delivered') return undefined;
        }
        return true;
      },
      30_000,
      'every scheduled message sent',
    );
  }, 60_000);

  it('keeps the most shards ever configured: fewer would strand messages', async () => {
    expect(await GatewayStore.registerShards(redis.client, prefix, 2)).toBe(SHARDS);
    expect(await GatewayStore.registerShards(redis.client, prefix, 6)).toBe(6);
    expect(await redis.client.get(`${prefix}:shards`)).toBe('6');
  });
});
