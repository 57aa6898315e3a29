// Issue 15, the SMPP server: two accounts on one real gateway (real redis-server, the built-in simulator as
// the operator), platforms driven by the `smpp` npm package over real TCP. bravo cannot bind as alpha with
// its own password, submit from alpha's senders, query or cancel alpha's messages (whichever ingress made
// them), or receive alpha's receipts and MO. alpha does each of these on the same objects, so every
// refusal is about the account.
import smpp from 'smpp';
import { describe, expect, it } from 'vitest';
import type { SmppPlatform, SmppPdu } from '../../helpers/smpp-platform.js';
import {
  ALPHA_KEY,
  ALPHA_SMPP_PASSWORD,
  BRAVO_SMPP_PASSWORD,
  operatorTexts,
  reachesOperator,
  useTenantGateway,
} from './tenants.js';

const E = smpp.errors;

const t = useTenantGateway({
  // The wrong-password binds below must not trip the per-address limit (tested in auth-failures.test.ts).
  smppServer: { listen: '127.0.0.1:0', authFailures: { max: 1000 }, outbox: { pollIntervalMs: 100 } },
});
const connect = () => t.connect();

const alphaBind = () => t.bound('alpha', ALPHA_SMPP_PASSWORD);
const bravoBind = () => t.bound('bravo', BRAVO_SMPP_PASSWORD);
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
    await reachesOperator(t.gw, 'legitime smpp');
    expect(operatorTexts(t.gw).filter((text) => text.startsWith('usurpation'))).toEqual([]);
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
    const overHttp = await t.gw.request(
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
    // What an id that does not exist gets: another account's id must get the same, so nothing says it exists.
    const unknown = '01JZZZZZZZZZZZZZZZZZZZZZZZ';
    expect(
      (await bravo.request('query_sm', { message_id: unknown, source_addr: 'BRAVO' })).command_status,
    ).toBe(E.ESME_RQUERYFAIL);
    expect(
      (await bravo.request('cancel_sm', { message_id: unknown, source_addr: 'BRAVO' })).command_status,
    ).toBe(E.ESME_RCANCELFAIL);
    for (const id of [String(submitted.message_id), String(overHttp.json.id)]) {
      expect((await bravo.request('query_sm', { message_id: id, source_addr: 'BRAVO' })).command_status).toBe(
        E.ESME_RQUERYFAIL,
      );
      expect(
        (await bravo.request('cancel_sm', { message_id: id, source_addr: 'BRAVO' })).command_status,
      ).toBe(E.ESME_RCANCELFAIL);
      expect((await t.gw.gateway.store.messages.get(id))?.state).toBe('scheduled');
      expect(await alpha.request('query_sm', { message_id: id, source_addr: 'ALPHA' })).toMatchObject({
        command_status: 0,
        message_state: 1,
      });
      expect(
        (await alpha.request('cancel_sm', { message_id: id, source_addr: 'ALPHA' })).command_status,
      ).toBe(0);
      expect((await t.gw.gateway.store.messages.get(id))?.state).toBe('cancelled');
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

    await t.gw.gateway.simulator!.injectMo({ from: '33633330002', to: '36180', text: 'pour alpha' });
    await alpha.until(
      () => alpha.delivered.some((p) => p.esm_class === 0 && textOf(p) === 'pour alpha'),
      10_000,
    );
    // bravo's own MO reaches bravo: its bind works, so its silence about alpha's traffic means something.
    await t.gw.gateway.simulator!.injectMo({ from: '33633330003', to: '36190', text: 'pour bravo' });
    await bravo.until(() => bravo.delivered.some((p) => textOf(p) === 'pour bravo'), 10_000);
    expect(bravo.delivered.filter((p) => p.receipted_message_id === id)).toEqual([]);
    expect(bravo.delivered.filter((p) => textOf(p).includes('pour alpha'))).toEqual([]);
    expect(alpha.delivered.filter((p) => textOf(p).includes('pour bravo'))).toEqual([]);
  });
});
