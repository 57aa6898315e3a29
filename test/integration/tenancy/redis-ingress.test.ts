// Issue 15, the Redis ingress: two accounts on one real gateway (real redis-server, the built-in simulator).
// An entry's account is the stream it was added to, never a field of it: on bravo's stream, alpha's
// senders are refused, an `account` field is refused, alpha's clientRef and campaign id name bravo's own
// things; every outcome lands on bravo's event stream and dead letters, none on alpha's. The same entries
// on alpha's stream are accepted, so each refusal is the account's doing.
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/gateway.js';
import {
  ALPHA_KEY,
  eventsOf,
  inAnHour,
  keysOf,
  operatorTexts,
  reachesOperator,
  readStream,
  useTenantGateway,
  type StreamEntry,
} from './tenants.js';

const t = useTenantGateway();

async function xadd(account: string, fields: Record<string, string>): Promise<string> {
  return String(
    await t.redis.client.xadd(keysOf(t.gw).ingress(account), '*', ...Object.entries(fields).flat()),
  );
}

/** The outcome of one ingress entry on the account's event stream (its queued/scheduled or rejected entry). */
function outcomeOf(account: string, ingressId: string): Promise<StreamEntry> {
  return waitFor(
    async () => (await eventsOf(t.redis, t.gw, account)).find((e) => e.ingressId === ingressId),
    10_000,
    `the outcome of ${account}'s entry ${ingressId}`,
  );
}

/** Entries of any stream carrying this ingress id. */
async function mentions(stream: string, ingressId: string): Promise<StreamEntry[]> {
  return (await readStream(t.redis, stream)).filter((e) => e.ingressId === ingressId);
}

const entry = (from: string, text: string) => ({ to: '+33622220001', from, text, class: 'transactional' });

describe('tenant isolation on the Redis ingress', () => {
  it("bravo's stream cannot send from alpha's senders: rejected SENDER_NOT_ALLOWED on bravo's events and dead letters, nothing on alpha's, nothing sent", async () => {
    const keys = keysOf(t.gw);
    const theirs = await xadd('bravo', entry('ALPHA', 'usurpation-1'));
    const shortCode = await xadd('bravo', entry('36180', 'usurpation-2'));
    for (const id of [theirs, shortCode]) {
      expect(await outcomeOf('bravo', id)).toMatchObject({ type: 'rejected', code: 'SENDER_NOT_ALLOWED' });
      expect(await mentions(keys.ingressDead('bravo'), id)).toHaveLength(1);
      expect(await mentions(keys.events('alpha'), id)).toEqual([]);
      expect(await mentions(keys.ingressDead('alpha'), id)).toEqual([]);
    }
    // The same entry on alpha's own stream is alpha's message.
    const mine = await xadd('alpha', entry('ALPHA', 'legitime-1'));
    const accepted = await outcomeOf('alpha', mine);
    expect(accepted).toMatchObject({ state: 'queued', account: 'alpha' });
    expect((await t.gw.gateway.store.messages.get(accepted.id))?.account).toBe('alpha');
    await reachesOperator(t.gw, 'legitime-1');
    expect(operatorTexts(t.gw).filter((text) => text.startsWith('usurpation'))).toEqual([]);
  });

  it('an entry cannot name its account: an `account` field is refused UNKNOWN_FIELD', async () => {
    const id = await xadd('bravo', { ...entry('ALPHA', 'par-le-champ'), account: 'alpha' });
    expect(await outcomeOf('bravo', id)).toMatchObject({ type: 'rejected', code: 'UNKNOWN_FIELD' });
    expect(await mentions(keysOf(t.gw).events('alpha'), id)).toEqual([]);
  });

  it("alpha's clientRef and campaign id on bravo's stream name bravo's own message, not alpha's", async () => {
    const campaign = await t.gw.request(
      'POST',
      '/v1/campaigns',
      {
        name: 'alpha only',
        from: 'ALPHA',
        class: 'transactional',
        template: 'Bonjour',
        recipients: [{ to: '+33622220002' }],
        sendAt: inAnHour(),
      },
      ALPHA_KEY,
    );
    expect(campaign.status).toBe(201);
    const campaignId = String(campaign.json.id);
    const figures = async () =>
      (await t.gw.request('GET', `/v1/campaigns/${campaignId}`, undefined, ALPHA_KEY)).json.figures;
    const before = await figures();

    const alphaEntry = await xadd('alpha', { ...entry('ALPHA', 'ref-alpha'), clientRef: 'shared-ref' });
    const alphaMessage = (await outcomeOf('alpha', alphaEntry)).id;
    // alpha sending it again is a duplicate of alpha's message: the clientRef works...
    const again = await xadd('alpha', { ...entry('ALPHA', 'ref-alpha'), clientRef: 'shared-ref' });
    await waitFor(
      async () => ((await t.gw.gateway.store.messages.get(alphaMessage)) ? true : undefined),
      5_000,
      "alpha's message",
    );
    const bravoEntry = await xadd('bravo', {
      ...entry('BRAVO', 'ref-bravo'),
      clientRef: 'shared-ref',
      campaignId,
    });
    const bravoOutcome = await outcomeOf('bravo', bravoEntry);
    // ...but only within alpha: bravo's entry is a new message of bravo's, in bravo's own figures.
    expect(bravoOutcome).toMatchObject({ state: 'queued', account: 'bravo' });
    expect(bravoOutcome.id).not.toBe(alphaMessage);
    const record = await t.gw.gateway.store.messages.get(bravoOutcome.id);
    expect(record?.account).toBe('bravo');
    expect(await mentions(keysOf(t.gw).events('alpha'), bravoEntry)).toEqual([]);
    expect(await figures()).toEqual(before);
    // alpha's repeat settles as a duplicate, never reaching bravo's stream.
    await waitFor(
      async () => ((await t.redis.client.xlen(keysOf(t.gw).ingress('alpha'))) === 0 ? true : undefined),
      10_000,
      "alpha's stream drained",
    );
    expect(await mentions(keysOf(t.gw).events('bravo'), again)).toEqual([]);
  });

  it("every event on each account's stream is that account's own", async () => {
    const alphaEvents = await eventsOf(t.redis, t.gw, 'alpha');
    const bravoEvents = await eventsOf(t.redis, t.gw, 'bravo');
    expect(alphaEvents.length).toBeGreaterThan(0);
    expect(bravoEvents.length).toBeGreaterThan(0);
    const owner = async (e: StreamEntry) =>
      e.type === 'rejected' ? undefined : (await t.gw.gateway.store.messages.get(e.id))?.account;
    for (const e of alphaEvents) if (e.type !== 'rejected') expect(await owner(e)).toBe('alpha');
    for (const e of bravoEvents) if (e.type !== 'rejected') expect(await owner(e)).toBe('bravo');
    const alphaIds = new Set(alphaEvents.map((e) => e.id));
    expect(bravoEvents.filter((e) => e.type !== 'rejected' && alphaIds.has(e.id))).toEqual([]);
  });
});
