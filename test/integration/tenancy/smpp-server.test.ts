// Issue 15, the SMPP server: two accounts on one real gateway (real redis-server, the built-in simulator as
// the operator), platforms driven by the `smpp` npm package over real TCP. bravo cannot bind as alpha with
// its own password, submit from alpha's senders, query or cancel alpha's messages (whichever ingress made
// them), or receive alpha's receipts and MO. alpha does each of these on the same objects, so every
// refusal is about the account.
import smpp from 'smpp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';
import { waitForBound } from '../../helpers/mo.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { SmppPlatform, type SmppPdu } from '../../helpers/smpp-platform.js';
import {
  ALPHA_KEY,
  ALPHA_SMPP_PASSWORD,
  BRAVO_SMPP_PASSWORD,
  TENANTS,
  TENANT_SHORT_CODES,
} from './tenants.js';

const E = smpp.errors;

let redis: TestRedis;
let gw: TestGateway;
const clients: SmppPlatform[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
  gw = await startTestGateway(redis, {
    accounts: TENANTS,
    shortCodes: TENANT_SHORT_CODES,
    // The wrong-password binds below must not trip the per-address limit (tested in auth-failures.test.ts).
    smppServer: { listen: '127.0.0.1:0', authFailures: { max: 1000 }, outbox: { pollIntervalMs: 100 } },
  });
  await waitForBound(gw);
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  await gw?.stop();
  await redis?.stop();
});

async function connect(): Promise<SmppPlatform> {
  const port = gw.gateway.smppServer?.addresses.plain?.port;
  if (port === undefined) throw new Error('no SMPP listener');
  const client = await SmppPlatform.connect(port);
  clients.push(client);
  return client;
}

async function bound(systemId: string, password: string): Promise<SmppPlatform> {
  const client = await connect();
  const resp = await client.bind('transceiver', systemId, password);
  if (resp.command_status !== 0) throw new Error(`bind refused: ${resp.command_status}`);
  return client;
}

const alphaBind = () => bound('alpha', ALPHA_SMPP_PASSWORD);
const bravoBind = () => bound('bravo', BRAVO_SMPP_PASSWORD);
const receiptsOf = (client: SmppPlatform) => client.delivered.filter((p) => p.esm_class === 0x04);
const textOf = (pdu: SmppPdu) => (pdu.short_message as { message: string }).message;

describe('tenant isolation on the SMPP server', () => {
  it("bravo's password does not bind alpha, nor alpha's bravo; each binds with its own", async () => {
    const asAlpha = await connect();
    expect((await asAlpha.bind('transceiver', 'alpha', BRAVO_SMPP_PASSWORD)).command_status).toBe(
      E.ESME_RINVPASWD,
    );
    await asAlpha.closed;
    const asBravo = await connect();
    expect((await asBravo.bind('transmitter', 'bravo', ALPHA_SMPP_PASSWORD)).command_status).toBe(
      E.ESME_RINVPASWD,
    );
    await asBravo.closed;
    expect((await (await connect()).bind('transceiver', 'alpha', ALPHA_SMPP_PASSWORD)).command_status).toBe(
      0,
    );
    expect((await (await connect()).bind('transceiver', 'bravo', BRAVO_SMPP_PASSWORD)).command_status).toBe(
      0,
    );
  });

  it("bravo's submit_sm from alpha's senders is refused ESME_RINVSRCADR and reaches nobody; alpha's goes", async () => {
    const bravo = await bravoBind();
    for (const source of ['ALPHA', '36180']) {
      const resp = await bravo.submit({ source_addr: source, short_message: `usurpation ${source}` });
      expect(resp.command_status).toBe(E.ESME_RINVSRCADR);
    }
    const alpha = await alphaBind();
    const ok = await alpha.submit({ source_addr: 'ALPHA', short_message: 'legitime smpp' });
    expect(ok.command_status).toBe(0);
    await waitFor(
      () =>
        gw.gateway.simulator!.submits.some((s) => s.shortMessage.toString('latin1') === 'legitime smpp')
          ? true
          : undefined,
      10_000,
      "alpha's message at the operator",
    );
    const texts = gw.gateway.simulator!.submits.map((s) => s.shortMessage.toString('latin1'));
    expect(texts.filter((t) => t.startsWith('usurpation'))).toEqual([]);
  });

  it("bravo's query_sm and cancel_sm know nothing of alpha's messages, from SMPP or HTTP; alpha's work", async () => {
    const alpha = await alphaBind();
    const bravo = await bravoBind();
    const submitted = await alpha.submit({
      source_addr: 'ALPHA',
      schedule_delivery_time: '000001000000000R',
      short_message: 'dans une heure',
    });
    expect(submitted.command_status).toBe(0);
    const overHttp = await gw.request(
      'POST',
      '/v1/messages',
      {
        to: '+33633330001',
        from: 'ALPHA',
        text: 'http plus tard',
        class: 'transactional',
        sendAt: new Date(Date.now() + 3_600_000).toISOString(),
      },
      ALPHA_KEY,
    );
    expect(overHttp.status).toBe(202);
    for (const id of [String(submitted.message_id), String(overHttp.json.id)]) {
      expect((await bravo.request('query_sm', { message_id: id, source_addr: 'BRAVO' })).command_status).toBe(
        E.ESME_RQUERYFAIL,
      );
      expect(
        (await bravo.request('cancel_sm', { message_id: id, source_addr: 'BRAVO' })).command_status,
      ).toBe(E.ESME_RCANCELFAIL);
      expect((await gw.gateway.store.messages.get(id))?.state).toBe('scheduled');
      expect(await alpha.request('query_sm', { message_id: id, source_addr: 'ALPHA' })).toMatchObject({
        command_status: 0,
        message_state: 1,
      });
      expect(
        (await alpha.request('cancel_sm', { message_id: id, source_addr: 'ALPHA' })).command_status,
      ).toBe(0);
      expect((await gw.gateway.store.messages.get(id))?.state).toBe('cancelled');
    }
  });

  it("alpha's receipts and MO go to alpha's bind only, never to bravo's", async () => {
    const alpha = await alphaBind();
    const bravo = await bravoBind();
    const resp = await alpha.submit({
      source_addr: 'ALPHA',
      registered_delivery: 1,
      short_message: 'avec accuse',
    });
    expect(resp.command_status).toBe(0);
    const id = String(resp.message_id);
    await alpha.until(() => receiptsOf(alpha).some((p) => p.receipted_message_id === id), 10_000);
    expect(textOf(receiptsOf(alpha).find((p) => p.receipted_message_id === id)!)).toContain('stat:DELIVRD');

    await gw.gateway.simulator!.injectMo({ from: '33633330002', to: '36180', text: 'pour alpha' });
    await alpha.until(
      () => alpha.delivered.some((p) => p.esm_class === 0 && textOf(p) === 'pour alpha'),
      10_000,
    );
    // bravo's own MO reaches bravo: its bind works, so its silence about alpha's traffic means something.
    await gw.gateway.simulator!.injectMo({ from: '33633330003', to: '36190', text: 'pour bravo' });
    await bravo.until(() => bravo.delivered.some((p) => textOf(p) === 'pour bravo'), 10_000);
    expect(bravo.delivered.filter((p) => p.receipted_message_id === id)).toEqual([]);
    expect(bravo.delivered.filter((p) => textOf(p).includes('pour alpha'))).toEqual([]);
    expect(alpha.delivered.filter((p) => textOf(p).includes('pour bravo'))).toEqual([]);
  });
});
