// Issue 15: no secret in any log line. A whole gateway logging at trace level through the daemon's own
// logger (src/logging, with its redaction) into a buffer, driven through every path that handles a
// secret: HTTP sends with the account key and receipts back by signed webhook, an admin top-up, an SMPP
// bind and submit, a Redis ingress entry, an unknown API key, an SMPP bind with a wrong password and one
// with an unknown system_id, and the gateway's own bind to the simulator with the operator password. Then
// every captured line is searched for every configured secret and every wrong one presented. On the way:
// alpha's signed webhook never hears of bravo's messages.
import smpp from 'smpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/store/index.js';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';
import { startWebhookReceiver, waitForBound, type WebhookReceiver } from '../../helpers/mo.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { SmppPlatform } from '../../helpers/smpp-platform.js';
import {
  ADMIN_KEY,
  ALPHA_KEY,
  ALPHA_SMPP_PASSWORD,
  BRAVO_KEY,
  BRAVO_SMPP_PASSWORD,
  TENANTS,
  TENANT_SHORT_CODES,
  capturingLogger,
  eventsOf,
  keysOf,
} from './tenants.js';

const E = smpp.errors;
const WEBHOOK_SECRET = 'whsec-4b1d7e02c9';
const OPERATOR_PASSWORD = 'opPw9x2q';
const WRONG_KEY = 'wrong-key-6c3a1f';
const WRONG_PASSWORD = 'wrPw3k7z';

const SECRETS = {
  'alpha API key': ALPHA_KEY,
  'bravo API key': BRAVO_KEY,
  'admin API key': ADMIN_KEY,
  'alpha SMPP password': ALPHA_SMPP_PASSWORD,
  'bravo SMPP password': BRAVO_SMPP_PASSWORD,
  'webhook secret': WEBHOOK_SECRET,
  'operator password': OPERATOR_PASSWORD,
  'wrong API key presented': WRONG_KEY,
  'wrong SMPP password presented': WRONG_PASSWORD,
};

let redis: TestRedis;
let gw: TestGateway | undefined;
let hooks: WebhookReceiver;
const lines: string[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
  hooks = await startWebhookReceiver();
  const [alpha, bravo] = TENANTS;
  const simulatorPort = await freePort();
  gw = await startTestGateway(
    redis,
    {
      accounts: [{ ...alpha!, webhook: { url: hooks.url, secret: WEBHOOK_SECRET } }, bravo!],
      shortCodes: TENANT_SHORT_CODES,
      admin: { apiKeys: [ADMIN_KEY] },
      smppServer: { listen: '127.0.0.1:0', outbox: { pollIntervalMs: 100 } },
      // The simulator checks the operator password, so the gateway's bind really carries it.
      simulator: {
        enabled: true,
        listen: `127.0.0.1:${simulatorPort}`,
        receiptDelayMs: 50,
        password: OPERATOR_PASSWORD,
      },
      operator: { port: simulatorPort, password: OPERATOR_PASSWORD },
    },
    { logger: capturingLogger(lines, 'trace') },
  );
  await waitForBound(gw);
}, 30_000);

afterAll(async () => {
  await gw?.stop();
  await hooks?.close();
  await redis?.stop();
});

describe('secrets in logs', () => {
  it('a whole flow at trace level writes no configured or presented secret in any line', async () => {
    const g = gw!;
    expect(g.gateway.config.simulator.password).toBe(OPERATOR_PASSWORD);
    // HTTP: a message with receipts, followed to confirmed; the signed webhook carries its states.
    const sent = await g.request(
      'POST',
      '/v1/messages',
      { to: '+33655550001', from: 'ALPHA', text: 'Bonjour', class: 'transactional' },
      ALPHA_KEY,
    );
    expect(sent.status).toBe(202);
    const id = String(sent.json.id);
    await waitFor(
      () =>
        hooks.requests.some((r) => r.body.includes(id) && r.body.includes('confirmed')) ? true : undefined,
      15_000,
      'the confirmed webhook',
    );
    expect(hooks.requests[0]?.headers['x-smppgw-signature']).toMatch(/^sha256=/);
    expect((await g.request('POST', '/v1/admin/accounts/bravo/credits', { add: 10 }, ADMIN_KEY)).status).toBe(
      200,
    );
    expect((await g.request('GET', '/v1/balance', undefined, BRAVO_KEY)).status).toBe(200);

    // An unknown key.
    expect((await g.request('GET', `/v1/messages/${id}`, undefined, WRONG_KEY)).status).toBe(401);

    // SMPP: a bind with a wrong password, one with an unknown system_id, then a real bind and submit.
    const port = g.gateway.smppServer!.addresses.plain!.port;
    const refused = await SmppPlatform.connect(port);
    expect((await refused.bind('transceiver', 'alpha', WRONG_PASSWORD)).command_status).toBe(
      E.ESME_RINVPASWD,
    );
    await refused.close();
    const stranger = await SmppPlatform.connect(port);
    expect((await stranger.bind('transceiver', WRONG_PASSWORD, BRAVO_SMPP_PASSWORD)).command_status).toBe(
      E.ESME_RINVSYSID,
    );
    await stranger.close();
    const platform = await SmppPlatform.connect(port);
    expect((await platform.bind('transceiver', 'bravo', BRAVO_SMPP_PASSWORD)).command_status).toBe(0);
    const submitted = await platform.submit({
      source_addr: 'BRAVO',
      registered_delivery: 1,
      short_message: 'smpp',
    });
    expect(submitted.command_status).toBe(0);
    await platform.until(
      () => platform.delivered.some((p) => p.receipted_message_id === submitted.message_id),
      10_000,
    );
    await platform.unbind();
    // alpha's webhook hears of alpha's messages only: bravo's (it has no webhook) never reach it.
    expect(hooks.requests.some((r) => r.body.includes(id))).toBe(true);
    expect(hooks.requests.filter((r) => r.body.includes(String(submitted.message_id)))).toEqual([]);

    // Redis ingress.
    const entry = String(
      await redis.client.xadd(
        keysOf(g).ingress('alpha'),
        '*',
        'to',
        '+33655550002',
        'from',
        'ALPHA',
        'text',
        'x',
        'class',
        'transactional',
      ),
    );
    await waitFor(
      async () => ((await eventsOf(redis, g, 'alpha')).some((e) => e.ingressId === entry) ? true : undefined),
      10_000,
      'the ingress outcome',
    );
    await g.stop();
    gw = undefined;

    // The capture saw the flow: each path above left its lines.
    const text = lines.join('\n');
    for (const expected of ['bind refused', 'platform bound', 'SMPP server listening', 'credit topped up']) {
      expect(text, expected).toContain(expected);
    }
    // Debug lines too: the capture is below the shipped level.
    expect(lines.some((l) => l.includes('"level":20'))).toBe(true);
    const found = Object.entries(SECRETS).flatMap(([what, secret]) =>
      lines.filter((l) => l.includes(secret)).map((l) => `${what}: ${l.slice(0, 300)}`),
    );
    expect(found).toEqual([]);
  }, 60_000);
});
