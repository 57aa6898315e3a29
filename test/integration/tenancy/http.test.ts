// Issue 15, the HTTP API: two accounts on one real gateway (real redis-server, the built-in simulator, real
// HTTP requests). Every /v1 route that takes an id or works in an account's scope is tried by bravo on
// alpha's data; each refusal is paired with alpha succeeding on the same request, so every assertion can
// fail. Another account's message or campaign answers exactly as an unknown id does (404 NOT_FOUND): nothing
// says it exists.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildConfig } from '../../../src/config/index.js';
import { waitFor, type TestGateway } from '../../helpers/gateway.js';
import { standInHttpApi } from '../../helpers/http-api.js';
import type { TestRedis } from '../../helpers/redis.js';
import { ADMIN_KEY, ALPHA_KEY, BRAVO_KEY, eventsOf, inAnHour, sha256, useTenantGateway } from './tenants.js';

const t = useTenantGateway({ admin: { apiKeys: [ADMIN_KEY] } });
let redis: TestRedis;
let gw: TestGateway;

/** alpha's things, made once: a scheduled message, a confirmed one, a scheduled campaign, an opt-out. */
const alpha = { scheduled: '', confirmed: '', campaign: '', optedOut: '+33611110001' };

beforeAll(async () => {
  ({ gw, redis } = t);
  const scheduled = await gw.request(
    'POST',
    '/v1/messages',
    { to: '+33611110002', from: 'ALPHA', text: 'plus tard', class: 'transactional', sendAt: inAnHour() },
    ALPHA_KEY,
  );
  expect(scheduled).toMatchObject({ status: 202, json: { state: 'scheduled' } });
  alpha.scheduled = String(scheduled.json.id);
  const now = await gw.request(
    'POST',
    '/v1/messages',
    { to: '+33611110003', from: 'ALPHA', text: 'maintenant', class: 'transactional' },
    ALPHA_KEY,
  );
  expect(now.status).toBe(202);
  alpha.confirmed = String(now.json.id);
  const campaign = await gw.request(
    'POST',
    '/v1/campaigns',
    {
      name: 'alpha spring',
      from: 'ALPHA',
      class: 'transactional',
      template: 'Bonjour {{prenom}}',
      recipients: [{ to: '+33611110004', prenom: 'Ana' }],
      sendAt: inAnHour(),
    },
    ALPHA_KEY,
  );
  expect(campaign).toMatchObject({ status: 201, json: { state: 'scheduled' } });
  alpha.campaign = String(campaign.json.id);
  expect((await gw.request('PUT', `/v1/optouts/${alpha.optedOut}`, undefined, ALPHA_KEY)).status).toBe(201);
  await waitFor(
    async () =>
      (await gw.gateway.store.messages.get(alpha.confirmed))?.state === 'confirmed' ? true : undefined,
    10_000,
    "alpha's message confirmed",
  );
});

const asAlpha = (method: string, path: string, body?: unknown) => gw.request(method, path, body, ALPHA_KEY);
const asBravo = (method: string, path: string, body?: unknown) => gw.request(method, path, body, BRAVO_KEY);

/** A request with headers of its own (Accept, Content-Type), answered as text. */
async function raw(
  path: string,
  key: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
) {
  const response = await fetch(`${gw.baseUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${key}`, ...init.headers },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  return { status: response.status, text: await response.text() };
}

/** The answer with the asked id blanked out: another account's id must read exactly like an unknown one. */
function withoutId(answer: { status: number; json: Record<string, unknown> }, id: string): unknown {
  return JSON.parse(JSON.stringify(answer).split(id).join('<id>'));
}

/**
 * Every route the API registers, and the test below that shows what another account gets from it. A route
 * added to src/api without a line here fails the first test: decide its tenancy, then test it.
 */
const COVERED: Record<string, string> = {
  'POST /v1/messages': "refuses alpha's sender; an Idempotency-Key alpha used names a new message",
  'POST /v1/messages/batch': "refuses alpha's sender per message",
  'GET /v1/messages/:id': '404 for alpha’s message',
  'DELETE /v1/messages/:id': '404, and alpha’s message stays scheduled',
  'POST /v1/preview': "bravo's own STOP mention rule, not alpha's",
  'POST /v1/campaigns': "refuses alpha's sender",
  'GET /v1/campaigns/:id': '404 for alpha’s campaign',
  'DELETE /v1/campaigns/:id': '404, and alpha’s campaign is not cancelled',
  'GET /v1/optouts': "bravo's list (JSON and CSV) lacks alpha's numbers",
  'POST /v1/optouts/import': "bravo's import lands in bravo's list only",
  'GET /v1/optouts/:number': "404 for alpha's opted-out number; a STOP at bravo's short code is bravo's only",
  'PUT /v1/optouts/:number': "lands in bravo's list only",
  'DELETE /v1/optouts/:number': "404, and alpha's opt-out stays",
  'GET /v1/balance': "bravo's own; ?account=alpha 403 FORBIDDEN, as for an account that does not exist",
  'POST /v1/admin/accounts/:account/credits': '401 with an account key; alpha unchanged',
  // Not in any account's scope: no authentication, nothing of an account's but its metric labels.
  'GET /healthz': 'unauthenticated, no account data',
  'GET /readyz': 'unauthenticated, no account data',
  'GET /metrics':
    'open by default (SPEC §4); with http.metricsApiKeys, tenant keys get 401 (metrics.test.ts)',
  'GET /openapi.json': 'unauthenticated document',
};

describe('tenant isolation over HTTP', () => {
  it('covers every route the API registers', () => {
    const config = buildConfig({
      operators: [{ id: 'sim', host: '127.0.0.1', port: 2775, systemId: 'gw', password: 'pw' }],
      accounts: [{ id: 'x', apiKeys: ['k'] }],
    });
    const api = standInHttpApi(config);
    const registered = api
      .routeList()
      .filter((r) => r.method !== 'HEAD')
      .map((r) => `${r.method} ${r.url}`)
      .sort();
    void api.close();
    expect(registered).toEqual(Object.keys(COVERED).sort());
  });

  it('a message: alpha reads it; bravo gets 404 for it, as for an id that does not exist', async () => {
    expect(await asAlpha('GET', `/v1/messages/${alpha.confirmed}`)).toMatchObject({
      status: 200,
      json: { id: alpha.confirmed, state: 'confirmed' },
    });
    const theirs = await asBravo('GET', `/v1/messages/${alpha.confirmed}`);
    expect(theirs).toMatchObject({ status: 404, json: { error: { code: 'NOT_FOUND', field: 'id' } } });
    const unknown = '01JZZZZZZZZZZZZZZZZZZZZZZZ';
    expect(withoutId(theirs, alpha.confirmed)).toEqual(
      withoutId(await asBravo('GET', `/v1/messages/${unknown}`), unknown),
    );
    expect(JSON.stringify(theirs.json)).not.toContain('confirmed');
  });

  it("bravo cannot cancel alpha's scheduled message (404, still scheduled); alpha can", async () => {
    const theirs = await asBravo('DELETE', `/v1/messages/${alpha.scheduled}`);
    expect(theirs).toMatchObject({ status: 404, json: { error: { code: 'NOT_FOUND' } } });
    expect((await gw.gateway.store.messages.get(alpha.scheduled))?.state).toBe('scheduled');
    // alpha's own cancel works, on a message of its own made for it (the scheduled one stays for the events test).
    const mine = await asAlpha('POST', '/v1/messages', {
      to: '+33611110005',
      from: 'ALPHA',
      text: 'annule-moi',
      class: 'transactional',
      sendAt: inAnHour(),
    });
    const id = String(mine.json.id);
    expect((await asBravo('DELETE', `/v1/messages/${id}`)).status).toBe(404);
    expect(await asAlpha('DELETE', `/v1/messages/${id}`)).toMatchObject({
      status: 200,
      json: { state: 'cancelled' },
    });
  });

  it("bravo cannot send from alpha's senders: single, batch and campaign are refused SENDER_NOT_ALLOWED", async () => {
    const body = { to: '+33611110006', from: 'ALPHA', text: 'usurpé', class: 'transactional' };
    expect(await asBravo('POST', '/v1/messages', body)).toMatchObject({
      status: 403,
      json: { error: { code: 'SENDER_NOT_ALLOWED', field: 'from' } },
    });
    expect(await asBravo('POST', '/v1/messages', { ...body, from: '36180' })).toMatchObject({
      status: 403,
      json: { error: { code: 'SENDER_NOT_ALLOWED' } },
    });
    const batch = await asBravo('POST', '/v1/messages/batch', {
      messages: [body, { ...body, from: 'BRAVO' }],
    });
    expect(batch.status).toBe(202);
    const results = batch.json.results as Array<Record<string, unknown>>;
    expect(results[0]).toMatchObject({ index: 0, error: { code: 'SENDER_NOT_ALLOWED' } });
    expect(results[1]).toMatchObject({ index: 1, id: expect.any(String) });
    const campaign = await asBravo('POST', '/v1/campaigns', {
      name: 'not mine',
      from: 'ALPHA',
      class: 'transactional',
      template: 'x',
      recipients: [{ to: '+33611110007' }],
    });
    expect(campaign).toMatchObject({ status: 403, json: { error: { code: 'SENDER_NOT_ALLOWED' } } });
    // The same message from alpha goes through: the refusals above are about the account, not the body.
    expect((await asAlpha('POST', '/v1/messages', body)).status).toBe(202);
    expect(gw.gateway.simulator!.submits.some((s) => s.shortMessage.toString('latin1') === 'usurpé')).toBe(
      false,
    );
  });

  it("an Idempotency-Key alpha used names a new message of bravo's, never alpha's", async () => {
    const headers = (key: string) => ({
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
      'idempotency-key': 'order-42',
    });
    const send = async (key: string, from: string) => {
      const response = await fetch(`${gw.baseUrl}/v1/messages`, {
        method: 'POST',
        headers: headers(key),
        body: JSON.stringify({ to: '+33611110008', from, text: 'commande 42', class: 'transactional' }),
      });
      return { status: response.status, json: (await response.json()) as Record<string, unknown> };
    };
    const first = await send(ALPHA_KEY, 'ALPHA');
    expect(first.status).toBe(202);
    expect((await send(ALPHA_KEY, 'ALPHA')).json).toMatchObject({ id: first.json.id, duplicate: true });
    const theirs = await send(BRAVO_KEY, 'BRAVO');
    expect(theirs.status).toBe(202);
    expect(theirs.json.id).not.toBe(first.json.id);
    expect(theirs.json.duplicate).toBeUndefined();
  });

  it('a campaign: alpha reads it; bravo gets 404 reading or cancelling it, and it is not cancelled', async () => {
    expect(await asAlpha('GET', `/v1/campaigns/${alpha.campaign}`)).toMatchObject({
      status: 200,
      json: { id: alpha.campaign, name: 'alpha spring' },
    });
    expect(await asBravo('GET', `/v1/campaigns/${alpha.campaign}`)).toMatchObject({
      status: 404,
      json: { error: { code: 'NOT_FOUND' } },
    });
    expect(await asBravo('DELETE', `/v1/campaigns/${alpha.campaign}`)).toMatchObject({
      status: 404,
      json: { error: { code: 'NOT_FOUND' } },
    });
    const after = await asAlpha('GET', `/v1/campaigns/${alpha.campaign}`);
    expect(after.json.state).toBe('scheduled');
    expect(after.json.figures).toMatchObject({ cancelled: 0 });
  });

  it("opt-outs: bravo neither sees nor removes alpha's, and its own changes stay in its list", async () => {
    const number = encodeURIComponent(alpha.optedOut);
    expect(await asAlpha('GET', `/v1/optouts/${number}`)).toMatchObject({
      status: 200,
      json: { optedOut: true },
    });
    expect(await asBravo('GET', `/v1/optouts/${number}`)).toMatchObject({
      status: 404,
      json: { error: { code: 'NOT_FOUND' } },
    });
    expect((await asBravo('DELETE', `/v1/optouts/${number}`)).status).toBe(404);
    expect((await asAlpha('GET', `/v1/optouts/${number}`)).status).toBe(200);

    const alphaList = await asAlpha('GET', '/v1/optouts');
    expect(JSON.stringify(alphaList.json)).toContain(alpha.optedOut);
    const bravoList = await asBravo('GET', '/v1/optouts');
    expect(bravoList).toMatchObject({ status: 200, json: { total: 0, optOuts: [] } });
    const csv = await raw('/v1/optouts', BRAVO_KEY, { headers: { accept: 'text/csv' } });
    expect(csv.status).toBe(200);
    expect(csv.text).not.toContain(alpha.optedOut.slice(1));
    expect((await raw('/v1/optouts', ALPHA_KEY, { headers: { accept: 'text/csv' } })).text).toContain(
      alpha.optedOut.slice(1),
    );

    // bravo's own PUT and import change bravo's list, not alpha's.
    expect((await asBravo('PUT', `/v1/optouts/${encodeURIComponent('+33611110009')}`)).status).toBe(201);
    const imported = await raw('/v1/optouts/import', BRAVO_KEY, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: 'number\n+33611110010\n',
    });
    expect(imported.status).toBe(200);
    for (const n of ['+33611110009', '+33611110010']) {
      expect((await asBravo('GET', `/v1/optouts/${encodeURIComponent(n)}`)).status).toBe(200);
      expect((await asAlpha('GET', `/v1/optouts/${encodeURIComponent(n)}`)).status).toBe(404);
    }
  });

  it("a STOP to bravo's short code opts the number out of bravo's list only; its MO is on bravo's stream only", async () => {
    const number = '+33611110020';
    await gw.gateway.simulator!.injectMo({ from: number.slice(1), to: '36190', text: 'STOP' });
    await waitFor(
      async () =>
        (await asBravo('GET', `/v1/optouts/${encodeURIComponent(number)}`)).status === 200 ? true : undefined,
      10_000,
      "the number on bravo's list",
    );
    expect((await asAlpha('GET', `/v1/optouts/${encodeURIComponent(number)}`)).status).toBe(404);
    const marketing = { to: number, text: 'Soldes', class: 'marketing' };
    expect(await asAlpha('POST', '/v1/messages', { ...marketing, from: 'ALPHA' })).toMatchObject({
      status: 202,
      json: { state: 'queued' },
    });
    expect(await asBravo('POST', '/v1/messages', { ...marketing, from: 'BRAVO' })).toMatchObject({
      status: 202,
      json: { state: 'error' },
    });
    const mo = (events: Awaited<ReturnType<typeof eventsOf>>) =>
      events.filter((e) => e.type === 'mo' && e.from?.endsWith(number.slice(1)));
    expect(mo(await eventsOf(redis, gw, 'bravo'))).toHaveLength(1);
    expect(mo(await eventsOf(redis, gw, 'alpha'))).toEqual([]);
  });

  it("balance: each reads its own; bravo asking for alpha's gets 403 exactly as for an account that does not exist; only an admin key reads or tops up another", async () => {
    const mine = await asAlpha('GET', '/v1/balance');
    expect(mine).toMatchObject({ status: 200, json: { account: 'alpha', lowBalanceThreshold: 10 } });
    expect(await asBravo('GET', '/v1/balance')).toMatchObject({
      status: 200,
      json: { account: 'bravo', credits: expect.any(Number), lowBalanceThreshold: null },
    });
    const theirs = await asBravo('GET', '/v1/balance?account=alpha');
    expect(theirs).toMatchObject({ status: 403, json: { error: { code: 'FORBIDDEN', field: 'account' } } });
    expect(JSON.stringify(theirs.json)).not.toContain(String(mine.json.credits));
    expect(await asBravo('GET', '/v1/balance?account=nobody')).toEqual(theirs);
    expect(await gw.request('GET', '/v1/balance?account=alpha', undefined, ADMIN_KEY)).toMatchObject({
      status: 200,
      json: { account: 'alpha', credits: mine.json.credits },
    });

    // An account key, even bravo's own, is no admin key: alpha's credit does not move.
    const topUp = await asBravo('POST', '/v1/admin/accounts/alpha/credits', { add: 1000 });
    expect(topUp).toMatchObject({ status: 401, json: { error: { code: 'UNAUTHENTICATED' } } });
    expect((await asAlpha('GET', '/v1/balance')).json.credits).toBe(mine.json.credits);
    const admin = await gw.request('POST', '/v1/admin/accounts/alpha/credits', { add: 5 }, ADMIN_KEY);
    expect(admin).toMatchObject({ status: 200, json: { credits: Number(mine.json.credits) + 5 } });

    // bravo's sending is charged to bravo: alpha's credit does not move, bravo's does.
    const before = {
      alpha: (await asAlpha('GET', '/v1/balance')).json.credits,
      bravo: (await asBravo('GET', '/v1/balance')).json.credits,
    };
    const sent = await asBravo('POST', '/v1/messages', {
      to: '+33611110021',
      from: 'BRAVO',
      text: 'x',
      class: 'transactional',
    });
    expect(sent.status).toBe(202);
    expect((await asAlpha('GET', '/v1/balance')).json.credits).toBe(before.alpha);
    expect((await asBravo('GET', '/v1/balance')).json.credits).toBe(Number(before.bravo) - 1);
  });

  it("preview uses the caller's own STOP mention rule", async () => {
    const body = { text: 'Soldes', class: 'marketing' };
    expect((await asAlpha('POST', '/v1/preview', body)).json).toMatchObject({ stopMention: 'appended' });
    expect((await asBravo('POST', '/v1/preview', body)).json).toMatchObject({ stopMention: 'none' });
  });

  it("events: alpha's stream has its messages' changes, bravo's has bravo's own and none of alpha's", async () => {
    const own = await asBravo('POST', '/v1/messages', {
      to: '+33611110011',
      from: 'BRAVO',
      text: 'à moi',
      class: 'transactional',
    });
    const bravoId = String(own.json.id);
    await waitFor(
      async () =>
        (await eventsOf(redis, gw, 'bravo')).some((e) => e.id === bravoId && e.state === 'confirmed')
          ? true
          : undefined,
      10_000,
      "bravo's own message confirmed on its stream",
    );
    const alphaEvents = await eventsOf(redis, gw, 'alpha');
    const alphaIds = new Set(alphaEvents.map((e) => e.id));
    expect(alphaIds).toContain(alpha.scheduled);
    expect(alphaEvents.filter((e) => e.id === alpha.confirmed).map((e) => e.state)).toContain('confirmed');
    expect(alphaEvents.every((e) => e.account === 'alpha')).toBe(true);
    const bravoEvents = await eventsOf(redis, gw, 'bravo');
    expect(bravoEvents.length).toBeGreaterThan(0);
    expect(bravoEvents.every((e) => e.account === 'bravo')).toBe(true);
    expect(bravoEvents.some((e) => alphaIds.has(e.id))).toBe(false);
    expect(alphaEvents.some((e) => e.id === bravoId)).toBe(false);
  });

  it('a hashed key works only for the key behind it: the hash itself is no key', async () => {
    expect((await asBravo('GET', '/v1/balance')).status).toBe(200);
    expect((await gw.request('GET', '/v1/balance', undefined, `sha256:${sha256(BRAVO_KEY)}`)).status).toBe(
      401,
    );
  });
});
