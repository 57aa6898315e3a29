// Issue 7: the opt-out list over HTTP — GET|PUT|DELETE /v1/optouts/{number}, JSON and CSV export, CSV import.
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/api/errors.js';
import { registerOptOutRoutes } from '../../../src/api/optout-routes.js';
import { buildConfig, type AccountConfig } from '../../../src/config/index.js';
import { OptOutList } from '../../../src/policy/index.js';
import { OptOutStore } from '../../../src/store/index.js';
import { testKeys, startTestRedis, uniquePrefix, type TestRedis } from '../../helpers/redis.js';

const config = buildConfig({
  operators: [{ id: 'sim', host: '127.0.0.1', port: 2775, systemId: 'gw', password: 'x' }],
  accounts: [
    { id: 'acme', apiKeys: ['key-acme'] },
    { id: 'globex', apiKeys: ['key-globex'] },
  ],
});

let redis: TestRedis;
let app: FastifyInstance;
let optOuts: OptOutList;

function authenticate(request: FastifyRequest): AccountConfig {
  const key = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
  const account = config.accounts.find((a) => a.apiKeys.includes(key ?? ''));
  if (!account) throw new ApiError(401, 'UNAUTHENTICATED', 'Authorization: unknown API key', 'Authorization');
  return account;
}

beforeAll(async () => {
  redis = await startTestRedis();
  optOuts = new OptOutList(new OptOutStore(redis.client, testKeys(uniquePrefix('opt'))));
  app = Fastify();
  // The same error mapping as the gateway's HTTP API.
  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof ApiError) return reply.code(error.status).send(error.body());
    return reply.code(500).send({ error: { code: 'INTERNAL', message: String(error) } });
  });
  registerOptOutRoutes(app, { authenticate, optOuts });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await redis?.stop();
});

function call(
  method: 'GET' | 'PUT' | 'DELETE' | 'POST',
  url: string,
  options: { key?: string; body?: string; type?: string; accept?: string } = {},
) {
  return app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${options.key ?? 'key-acme'}`,
      ...(options.type ? { 'content-type': options.type } : {}),
      ...(options.accept ? { accept: options.accept } : {}),
    },
    ...(options.body !== undefined ? { payload: options.body } : {}),
  });
}

describe('/v1/optouts/{number}', () => {
  it('PUT adds (201), PUT again keeps the first entry (200), GET shows it, DELETE removes it (204)', async () => {
    const put = await call('PUT', '/v1/optouts/%2B33612345678');
    expect(put.statusCode).toBe(201);
    expect(put.json()).toMatchObject({ number: '+33612345678', optedOut: true, source: 'api' });
    const again = await call('PUT', '/v1/optouts/0033612345678', {
      body: JSON.stringify({ source: 'crm' }),
      type: 'application/json',
    });
    expect(again.statusCode).toBe(200);
    expect(again.json().source).toBe('api');

    const get = await call('GET', '/v1/optouts/+33612345678');
    expect(get.statusCode).toBe(200);
    expect(get.json()).toEqual({
      number: '+33612345678',
      optedOut: true,
      at: put.json().at,
      source: 'api',
    });
    expect(Number.isNaN(Date.parse(get.json().at))).toBe(false);
    expect(await optOuts.has('acme', '+33612345678')).toBe(true);

    expect((await call('DELETE', '/v1/optouts/%2B33612345678')).statusCode).toBe(204);
    expect((await call('DELETE', '/v1/optouts/%2B33612345678')).statusCode).toBe(404);
    const gone = await call('GET', '/v1/optouts/%2B33612345678');
    expect(gone.statusCode).toBe(404);
    expect(gone.json().error.code).toBe('NOT_FOUND');
  });

  it('records the source given in the PUT body', async () => {
    const put = await call('PUT', '/v1/optouts/%2B33612345670', {
      body: JSON.stringify({ source: 'crm' }),
      type: 'application/json',
    });
    expect(put.json().source).toBe('crm');
  });

  it('refuses an invalid number with 400 INVALID_NUMBER naming the field', async () => {
    const bad = await call('PUT', '/v1/optouts/12ab');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({
      error: {
        code: 'INVALID_NUMBER',
        message: expect.stringContaining('number') as string,
        field: 'number',
      },
    });
  });

  it('keeps each account to its own list', async () => {
    await call('PUT', '/v1/optouts/%2B33612345679');
    expect((await call('GET', '/v1/optouts/%2B33612345679', { key: 'key-globex' })).statusCode).toBe(404);
    expect((await call('GET', '/v1/optouts/%2B33612345679', { key: 'nope' })).statusCode).toBe(401);
  });
});

describe('/v1/optouts import and export', () => {
  it('imports CSV with a header, reporting invalid lines by number, and exports it as CSV and JSON', async () => {
    const csv = [
      'phone,source',
      '+33612345601,shop',
      '33612345602,',
      'not-a-number,x',
      '',
      '0033612345603,fair',
      '+33612345601,dup',
    ].join('\n');
    const imported = await call('POST', '/v1/optouts/import', {
      key: 'key-globex',
      body: csv,
      type: 'text/csv',
    });
    expect(imported.statusCode).toBe(200);
    expect(imported.json()).toEqual({
      imported: 3,
      added: 3,
      invalid: [{ line: 4, value: 'not-a-number', message: 'not a valid phone number' }],
    });

    const exported = await call('GET', '/v1/optouts', { key: 'key-globex', accept: 'text/csv' });
    expect(exported.statusCode).toBe(200);
    expect(exported.headers['content-type']).toMatch(/^text\/csv/);
    const lines = exported.body.trim().split('\n');
    expect(lines[0]).toBe('number,optedOutAt,source');
    expect(lines.slice(1).map((l) => [l.split(',')[0], l.split(',')[2]])).toEqual([
      ['+33612345601', 'shop'],
      ['+33612345602', 'import'],
      ['+33612345603', 'fair'],
    ]);

    const json = await call('GET', '/v1/optouts', { key: 'key-globex' });
    expect(json.statusCode).toBe(200);
    const body = json.json() as {
      optOuts: Array<{ number: string }>;
      nextCursor: string | null;
      total: number;
    };
    expect(body.total).toBe(3);
    expect(body.nextCursor).toBeNull();
    expect(body.optOuts.map((o) => o.number).sort()).toEqual([
      '+33612345601',
      '+33612345602',
      '+33612345603',
    ]);
  });

  it('imports a bare list of numbers without a header', async () => {
    const imported = await call('POST', '/v1/optouts/import', {
      key: 'key-globex',
      body: '+33612345611\n+33612345612\n',
      type: 'text/csv',
    });
    expect(imported.json()).toMatchObject({ imported: 2, added: 2, invalid: [] });
  });

  it('refuses a body that is not CSV', async () => {
    const json = await call('POST', '/v1/optouts/import', {
      body: '{"numbers":[]}',
      type: 'application/json',
    });
    expect(json.statusCode).toBe(415);
    const broken = await call('POST', '/v1/optouts/import', { body: '"+33612345678\n', type: 'text/csv' });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error.code).toBe('INVALID_CSV');
  });
});

describe('OptOutList.has (read by the policy and the claim script)', () => {
  it('finds a listed number in its own account only, until it is removed', async () => {
    await optOuts.add('acme', '+33612345690', 'mo:36180');
    expect(await optOuts.has('acme', '+33612345690')).toBe(true);
    expect(await optOuts.has('globex', '+33612345690')).toBe(false);
    await optOuts.remove('acme', '+33612345690');
    expect(await optOuts.has('acme', '+33612345690')).toBe(false);
  });
});
