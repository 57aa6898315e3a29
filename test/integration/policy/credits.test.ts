// Issue 13, credit: reserved at enqueue in the enqueue script (item by item), refused INSUFFICIENT_CREDIT
// (HTTP 402), given back on a cancel and on a submit error in the same script as the change, the
// low-balance alert once (re-armed by a top-up), and two instances spending one balance never below zero.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../../src/config/index.js';
import smpp from 'smpp';
import { runBalance } from '../../../src/cli/balance.js';
import { CommandStatus } from '../../../src/smpp/pdu/index.js';
import { redisSection, uniquePrefix } from '../../helpers/redis.js';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { SmppPlatform } from '../../helpers/smpp-platform.js';

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

const ADMIN = 'admin-key-1';

function accounts(credits: number, extra: Record<string, unknown> = {}): ConfigInput['accounts'] {
  return [
    {
      id: 'acme',
      apiKeys: ['test-key-acme'],
      senders: ['ACME'],
      credits,
      lowBalanceThreshold: 3,
      ...extra,
    },
  ];
}

async function gateway(overrides: Parameters<typeof startTestGateway>[1]): Promise<TestGateway> {
  const gw = await startTestGateway(redis, { admin: { apiKeys: [ADMIN] }, ...overrides });
  cleanup.push(() => gw.stop());
  return gw;
}

const message = (n: number, extra: Record<string, unknown> = {}) => ({
  from: 'ACME',
  to: `+3361234${String(n).padStart(4, '0')}`,
  text: 'Votre code 1234',
  class: 'transactional',
  ...extra,
});

const balance = async (gw: TestGateway) => (await gw.request('GET', '/v1/balance')).json;

describe('credit', () => {
  it('charges segments at enqueue, refuses INSUFFICIENT_CREDIT with 402, a batch item by item', async () => {
    const gw = await gateway({ accounts: accounts(5) });
    expect(await balance(gw)).toEqual({ account: 'acme', credits: 5, lowBalanceThreshold: 3 });
    const long = 'x'.repeat(200); // 2 segments
    const one = await gw.request('POST', '/v1/messages', message(1, { text: long }));
    expect(one.status).toBe(202);
    expect(one.json.segments).toBe(2);
    expect((await balance(gw)).credits).toBe(3);
    // 3 left: the first two one-part messages fit, the 2-part third does not, the 1-part fourth does.
    const batch = await gw.request('POST', '/v1/messages/batch', {
      messages: [message(2), message(3), message(4, { text: long }), message(5)],
    });
    expect(batch.status).toBe(202);
    const results = batch.json.results as Array<Record<string, unknown>>;
    expect(results[0]!.id).toBeDefined();
    expect(results[1]!.id).toBeDefined();
    expect(results[2]!.error).toMatchObject({ code: 'INSUFFICIENT_CREDIT' });
    expect(results[3]!.id).toBeDefined();
    expect((await balance(gw)).credits).toBe(0);
    const refused = await gw.request('POST', '/v1/messages', message(6));
    expect(refused.status).toBe(402);
    expect(refused.json).toMatchObject({ error: { code: 'INSUFFICIENT_CREDIT' } });
    expect((await balance(gw)).credits).toBe(0);
  });

  it('gives the credit back on a cancel and on a submit error, once', async () => {
    const gw = await gateway({ accounts: accounts(10) });
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const scheduled = await gw.request('POST', '/v1/messages', message(1, { sendAt: later }));
    expect(scheduled.json.state).toBe('scheduled');
    expect((await balance(gw)).credits).toBe(9);
    const id = scheduled.json.id as string;
    expect((await gw.request('DELETE', `/v1/messages/${id}`)).status).toBe(200);
    expect((await balance(gw)).credits).toBe(10);
    // A second cancel changes nothing, and gives nothing back.
    await gw.request('DELETE', `/v1/messages/${id}`);
    expect((await balance(gw)).credits).toBe(10);

    gw.gateway.simulator!.setScenarios([{ name: 'submitError', status: CommandStatus.ESME_RINVDSTADR }]);
    const failing = await gw.request('POST', '/v1/messages', message(2));
    expect((await balance(gw)).credits).toBe(9);
    const view = await waitFor(
      async () => {
        const v = await gw.request('GET', `/v1/messages/${failing.json.id as string}`);
        return v.json.state === 'error' ? v.json : undefined;
      },
      10_000,
      'the submit error',
    );
    expect(view.error).toMatchObject({ stage: 'submit', code: 'ESME_RINVDSTADR' });
    expect((await balance(gw)).credits).toBe(10);
  });

  it('fires the low-balance alert once, signed to the webhook, and re-arms it after a top-up', async () => {
    const posts: Array<{ body: Record<string, unknown>; signature: string | undefined }> = [];
    const server = createServer((req: IncomingMessage, res) => {
      let data = '';
      req.on('data', (chunk: Buffer) => (data += chunk.toString()));
      req.on('end', () => {
        posts.push({
          body: JSON.parse(data) as Record<string, unknown>,
          signature: req.headers['x-smppgw-signature'] as string | undefined,
        });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const gw = await gateway({
      accounts: accounts(6, { webhook: { url, secret: 's3cret' } }),
      webhooks: { pollIntervalMs: 20 },
    });
    const metric = async () => {
      const text = await (await fetch(`${gw.baseUrl}/metrics`)).text();
      const line = text
        .split('\n')
        .find((l) => l.startsWith('smppgw_credit_low_alerts_total{account="acme"}'));
      return line ? Number(line.split(' ').pop()) : 0;
    };
    for (let i = 1; i <= 3; i++) await gw.request('POST', '/v1/messages', message(i)); // 6 → 3
    expect(await metric()).toBe(0);
    for (let i = 4; i <= 5; i++) await gw.request('POST', '/v1/messages', message(i)); // 2, 1
    expect(await metric()).toBe(1);
    const lows = () => posts.filter((p) => p.body.type === 'credit.low');
    await waitFor(() => (lows().length > 0 ? true : undefined), 5000, 'the low-balance webhook');
    expect(lows()[0]!.body).toMatchObject({ account: 'acme', credits: 2, lowBalanceThreshold: 3 });
    expect(lows()[0]!.signature).toMatch(/^sha256=[0-9a-f]{64}$/);

    // Refused without the admin key; topped up with it.
    expect(
      (await gw.request('POST', '/v1/admin/accounts/acme/credits', { add: 10 }, 'test-key-acme')).status,
    ).toBe(401);
    const top = await gw.request('POST', '/v1/admin/accounts/acme/credits', { add: 10 }, ADMIN);
    expect(top.json).toEqual({ account: 'acme', credits: 11, lowBalanceThreshold: 3 });
    expect((await gw.request('GET', '/v1/balance?account=acme', undefined, ADMIN)).json.credits).toBe(11);
    for (let i = 6; i <= 13; i++) await gw.request('POST', '/v1/messages', message(i)); // 11 → 3
    expect(await metric()).toBe(1);
    await gw.request('POST', '/v1/messages', message(14)); // 2: under again
    expect(await metric()).toBe(2);
    await waitFor(() => (lows().length > 1 ? true : undefined), 5000, 'the second webhook');
    expect(lows()).toHaveLength(2);
  });

  it('the SMPP server answers a submit_sm without credit ESME_RSUBMITFAIL', async () => {
    const gw = await gateway({
      accounts: accounts(1, { smpp: { systemId: 'acme', password: 'acme-pw' } }),
      smppServer: { listen: '127.0.0.1:0' },
    });
    const client = await SmppPlatform.connect(gw.gateway.smppServer!.addresses.plain!.port);
    cleanup.push(() => client.close());
    expect((await client.bind('transceiver', 'acme', 'acme-pw')).command_status).toBe(0);
    const submit = (n: number) =>
      client.submit({ source_addr: 'ACME', destination_addr: `3361234000${n}`, short_message: 'Code 1' });
    expect((await submit(1)).command_status).toBe(smpp.errors.ESME_ROK);
    expect((await submit(2)).command_status).toBe(smpp.errors.ESME_RSUBMITFAIL);
    expect((await balance(gw)).credits).toBe(0);
  });

  it('smpp-gateway balance and balance add, through the HTTP API', async () => {
    const gw = await gateway({ accounts: accounts(7) });
    const out: string[] = [];
    const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void out.push(t) };
    const target = ['--url', gw.baseUrl, '--api-key', 'test-key-acme'];
    expect(await runBalance([...target, '--json'], io)).toBe(0);
    expect(JSON.parse(out.pop()!)).toEqual({ account: 'acme', credits: 7, lowBalanceThreshold: 3 });
    expect(await runBalance(['add', 'acme', '5', ...target, '--admin-key', ADMIN], io)).toBe(0);
    expect(out.pop()).toBe('acme: 12 segments (low-balance threshold 3)\n');
    expect(await runBalance(['add', 'acme', '5', ...target, '--admin-key', 'nope'], io)).toBe(1);
    expect(out.pop()).toMatch(/UNAUTHENTICATED/);
    expect(await runBalance(['add', 'acme', 'x', ...target], io)).toBe(2);
  });

  it('two instances spending one balance concurrently never go below zero', async () => {
    const keyPrefix = uniquePrefix('shared');
    const shared = { accounts: accounts(150), redis: { ...redisSection(redis), keyPrefix } };
    const a = await gateway(shared);
    const b = await gateway(shared);
    const sends = Array.from({ length: 200 }, (_, i) =>
      (i % 2 === 0 ? a : b).request('POST', '/v1/messages', message(i)),
    );
    const statuses = (await Promise.all(sends)).map((r) => r.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(150);
    expect(statuses.filter((s) => s === 402)).toHaveLength(50);
    expect((await balance(a)).credits).toBe(0);
    expect(Number(await redis.client.get(`${keyPrefix}:acct:acme:credit`))).toBe(0);
  });
});
