// Issue 7: STOP/START/HELP and custom keywords end to end: the simulator injects MO, the gateway routes it,
// replies leave as submit_sm from the short code, the opt-out list and the webhooks see the result.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../../src/api/webhooks.js';
import { OptOutList } from '../../../src/policy/index.js';
import { waitFor, type TestGateway } from '../../helpers/gateway.js';
import {
  keysOf,
  optOutStoreOf,
  moEvents,
  SHORT_CODE,
  startMoGateway,
  startWebhookReceiver,
  submitsTo,
  submitText,
  type WebhookReceiver,
} from '../../helpers/mo.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';

const SECRET = 'hook-secret';
let redis: TestRedis;
let gw: TestGateway;
let hooks: WebhookReceiver;
let optOuts: OptOutList;
let nextNumber = 10;

/** A fresh French mobile number per test, as the SMSC sends it (international, no '+'). */
function freshNumber(): string {
  nextNumber += 1;
  return `336123400${String(nextNumber).padStart(2, '0')}`;
}

beforeAll(async () => {
  redis = await startTestRedis();
  hooks = await startWebhookReceiver();
  gw = await startMoGateway(redis, {
    webhook: { url: `${hooks.url}/account`, secret: SECRET },
    shortCode: {
      keywords: [{ keyword: 'PROMO', reply: 'Votre code : PROMO10', webhook: `${hooks.url}/promo` }],
    },
  });
  optOuts = new OptOutList(optOutStoreOf(redis, gw));
});

afterAll(async () => {
  await gw?.stop();
  await hooks?.close();
  await redis?.stop();
});

async function sendMo(from: string, text: string): Promise<void> {
  const result = await gw.gateway.simulator!.injectMo({ from, to: SHORT_CODE, text });
  expect(result.parts.every((p) => p.commandStatus === 0)).toBe(true);
}

async function waitForReplies(number: string, count: number): Promise<string[]> {
  const submits = await waitFor(
    () => {
      const found = submitsTo(gw, number);
      return found.length >= count ? found : undefined;
    },
    10_000,
    `${count} replies to ${number}`,
  );
  for (const s of submits) expect(s.sourceAddr).toBe(SHORT_CODE);
  return submits.map(submitText);
}

describe('stop keywords', () => {
  it.each(['stop', 'Stop.', ' STOP ', 'ARRÊT', 'arret', 'STOP SMS'])(
    '%j puts the number on the account opt-out list at once and sends one confirmation',
    async (text) => {
      const number = freshNumber();
      await sendMo(number, text);
      // The MO is acknowledged only after routing: the opt-out is already there.
      expect(await optOuts.has('acme', `+${number}`)).toBe(true);
      const entry = await optOuts.get('acme', `+${number}`);
      expect(entry?.source).toBe(`mo:${SHORT_CODE}`);
      expect(await waitForReplies(number, 1)).toEqual([gw.gateway.config.keywords.stopReply]);
      // One confirmation only: a later HELP's reply comes after any second one.
      await sendMo(number, 'HELP');
      expect(await waitForReplies(number, 2)).toEqual([
        gw.gateway.config.keywords.stopReply,
        gw.gateway.config.keywords.helpReply,
      ]);
      const [event] = await moEvents(redis, gw, `+${number}`);
      expect(event).toMatchObject({ route: 'stop', account: 'acme', to: SHORT_CODE, incomplete: 'false' });
    },
  );

  it('"stopper" does not opt out', async () => {
    const number = freshNumber();
    await sendMo(number, 'stopper');
    expect(await optOuts.has('acme', `+${number}`)).toBe(false);
    const [event] = await moEvents(redis, gw, `+${number}`);
    expect(event).toMatchObject({ route: 'default', text: 'stopper' });
    // No reply: the first to reach the number is the reply to a later HELP.
    await sendMo(number, 'HELP');
    expect(await waitForReplies(number, 1)).toEqual([gw.gateway.config.keywords.helpReply]);
  });
});

describe('start keywords', () => {
  it('START after STOP takes the number off the list, with the start reply', async () => {
    const number = freshNumber();
    await sendMo(number, 'STOP');
    expect(await optOuts.has('acme', `+${number}`)).toBe(true);
    await sendMo(number, 'Start');
    expect(await optOuts.has('acme', `+${number}`)).toBe(false);
    const replies = await waitForReplies(number, 2);
    expect(replies).toContain(gw.gateway.config.keywords.startReply);
    expect((await moEvents(redis, gw, `+${number}`)).map((e) => e.route)).toEqual(['stop', 'start']);
  });
});

describe('help keywords', () => {
  it.each(['HELP', 'AIDE'])('%s gets the help reply, from the short code, to the number', async (text) => {
    const number = freshNumber();
    await sendMo(number, text);
    const [submit] = await waitFor(() => {
      const found = submitsTo(gw, number);
      return found.length > 0 ? found : undefined;
    });
    expect(submit!.sourceAddr).toBe(SHORT_CODE);
    expect(submit!.destinationAddr).toBe(number);
    expect(submitText(submit!)).toBe(gw.gateway.config.keywords.helpReply);
  });
});

describe('custom keywords and forwarding', () => {
  it('a custom keyword gets its reply and its webhook call, signed with the account secret', async () => {
    const number = freshNumber();
    await sendMo(number, 'promo svp');
    expect(await waitForReplies(number, 1)).toEqual(['Votre code : PROMO10']);
    const call = await waitFor(() =>
      hooks.requests.find((r) => r.path === '/promo' && r.body.includes(`+${number}`)),
    );
    expect(verifyWebhookSignature(call.body, SECRET, call.headers['x-smppgw-signature'] as string)).toBe(
      true,
    );
    expect(Number(call.headers['x-smppgw-timestamp'])).toBeGreaterThan(1_600_000_000);
    expect(JSON.parse(call.body)).toMatchObject({
      event: 'mo',
      account: 'acme',
      from: `+${number}`,
      to: SHORT_CODE,
      text: 'promo svp',
      route: 'keyword',
      keyword: 'PROMO',
      incomplete: false,
    });
  });

  it('every MO reaches the account webhook and the event stream, ordinary text included', async () => {
    const number = freshNumber();
    await sendMo(number, 'Bonjour, vous ouvrez à quelle heure ?');
    const call = await waitFor(() =>
      hooks.requests.find((r) => r.path === '/account' && r.body.includes(`+${number}`)),
    );
    expect(verifyWebhookSignature(call.body, SECRET, call.headers['x-smppgw-signature'] as string)).toBe(
      true,
    );
    expect(JSON.parse(call.body)).toMatchObject({
      route: 'default',
      text: 'Bonjour, vous ouvrez à quelle heure ?',
    });
    const [event] = await moEvents(redis, gw, `+${number}`);
    expect(event).toMatchObject({
      type: 'mo',
      from: `+${number}`,
      to: SHORT_CODE,
      text: 'Bonjour, vous ouvrez à quelle heure ?',
      route: 'default',
      account: 'acme',
      incomplete: 'false',
    });
  });

  it('an MO to a number that is no short code goes to the unrouted stream only, with no reply', async () => {
    const number = freshNumber();
    await gw.gateway.simulator!.injectMo({ from: number, to: '36999', text: 'STOP' });
    const [event] = await waitFor(async () => {
      const events = await moEvents(redis, gw, `+${number}`, keysOf(gw).unroutedMo());
      return events.length > 0 ? events : undefined;
    });
    expect(event).toMatchObject({ route: 'default', to: '36999' });
    expect(event!.account).toBeUndefined();
    // No account's own stream carries it (SPEC §4: each account sees only its own traffic).
    expect(await moEvents(redis, gw, `+${number}`)).toEqual([]);
    expect(await optOuts.has('acme', `+${number}`)).toBe(false);
  });

  it('never replies to an alphanumeric originator', async () => {
    await gw.gateway.simulator!.injectMo({ from: 'PROMOBOT', to: SHORT_CODE, text: 'HELP' });
    const [event] = await moEvents(redis, gw, 'PROMOBOT');
    expect(event).toMatchObject({ route: 'help' });
    // A later HELP from a number gets its reply; none went to PROMOBOT before it.
    const number = freshNumber();
    await sendMo(number, 'HELP');
    await waitForReplies(number, 1);
    expect(gw.gateway.simulator!.submits.filter((s) => s.destinationAddr === 'PROMOBOT')).toHaveLength(0);
  });

  it('counts MO by route and opt-outs by account', async () => {
    const metrics = await gw.gateway.metrics.render();
    expect(metrics).toMatch(/smppgw_mo_total\{route="stop"\} \d+/);
    expect(metrics).toMatch(/smppgw_optouts_total\{account="acme"\} \d+/);
  });
});
