// Issue 15, failed authentications limited per source address, on a real gateway: real HTTP requests and
// real SMPP binds (the `smpp` npm package), a short window so the test sees the block end. Everything comes
// from 127.0.0.1, so "another address" is the same address once the window has passed.
import smpp from 'smpp';
import { describe, expect, it } from 'vitest';
import { ALPHA_KEY, ALPHA_SMPP_PASSWORD, capturingLogger, useTenantGateway } from './tenants.js';

const E = smpp.errors;
const WINDOW_SECONDS = 2;

const lines: string[] = [];
const t = useTenantGateway(
  {
    http: { listen: '127.0.0.1:0', authFailures: { max: 3, windowSeconds: WINDOW_SECONDS } },
    smppServer: { listen: '127.0.0.1:0', authFailures: { max: 3, windowSeconds: WINDOW_SECONDS } },
  },
  { logger: capturingLogger(lines) },
);

/** The captured lines with this message, parsed. */
const logged = (msg: string) =>
  lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => String(l.msg).startsWith(msg));

async function metric(ingress: string, reason: string): Promise<number> {
  const text = await (await fetch(`${t.gw.baseUrl}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`smppgw_auth_failures_total{ingress="${ingress}",reason="${reason}"} `));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function get(path: string, key?: string) {
  const response = await fetch(
    `${t.gw.baseUrl}${path}`,
    key === undefined ? {} : { headers: { authorization: `Bearer ${key}` } },
  );
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    json: (await response.json()) as Record<string, unknown>,
  };
}

async function bindOnce(systemId: string, password: string): Promise<number> {
  const client = await t.connect();
  return (await client.bind('transceiver', systemId, password)).command_status;
}

describe('failed authentications per address', () => {
  it('HTTP: the max-th unknown key blocks the address with 429 TOO_MANY_AUTH_FAILURES, a valid key too, until the window passes', async () => {
    // A missing header is a client bug, not a guess: 401, not counted.
    expect((await get('/v1/balance')).status).toBe(401);
    expect(await metric('http', 'unknown_key')).toBe(0);

    expect((await get('/v1/balance', 'guess-1')).status).toBe(401);
    expect((await get('/v1/balance', 'guess-2')).status).toBe(401);
    expect(await metric('http', 'unknown_key')).toBe(2);
    // Under the limit, the right key still works.
    expect((await get('/v1/balance', ALPHA_KEY)).status).toBe(200);
    expect((await get('/v1/balance', 'guess-3')).status).toBe(401);

    const blocked = await get('/v1/balance', ALPHA_KEY);
    expect(blocked).toMatchObject({
      status: 429,
      json: { error: { code: 'TOO_MANY_AUTH_FAILURES', field: 'Authorization' } },
    });
    expect(Number(blocked.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(blocked.retryAfter)).toBeLessThanOrEqual(WINDOW_SECONDS);
    // Every /v1 route, writes included: guessing on is pointless.
    const post = await fetch(`${t.gw.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ALPHA_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ to: '+33644440001', from: 'ALPHA', text: 'x', class: 'transactional' }),
    });
    expect(post.status).toBe(429);
    expect((await get('/v1/messages/01JZZZZZZZZZZZZZZZZZZZZZZZ', 'guess-4')).status).toBe(429);
    // Outside /v1, nothing to guess: health and metrics still answer.
    expect((await fetch(`${t.gw.baseUrl}/healthz`)).status).toBe(200);
    expect(await metric('http', 'unknown_key')).toBe(3);
    expect(await metric('http', 'rate_limited')).toBe(3);

    // The block is logged once, with the address, never with a key presented.
    const blocks = logged('too many unknown API keys');
    expect(blocks).toHaveLength(1);
    expect(blocks[0]).toMatchObject({ level: 40, address: expect.stringContaining('127.0.0.1'), max: 3 });
    expect(lines.filter((l) => /guess-\d/.test(l))).toEqual([]);

    await sleep(WINDOW_SECONDS * 1000 + 200);
    expect(await get('/v1/balance', ALPHA_KEY)).toMatchObject({ status: 200, json: { account: 'alpha' } });
    // The count started again: one more unknown key does not block.
    expect((await get('/v1/balance', 'guess-5')).status).toBe(401);
    expect((await get('/v1/balance', ALPHA_KEY)).status).toBe(200);
  });

  it('SMPP: the max-th refused bind blocks the address, the right password gets ESME_RBINDFAIL too, until the window passes', async () => {
    expect(await bindOnce('alpha', 'wrong-1')).toBe(E.ESME_RINVPASWD);
    expect(await bindOnce('nobody', 'wrong-2')).toBe(E.ESME_RINVSYSID);
    expect(await bindOnce('alpha', ALPHA_SMPP_PASSWORD)).toBe(0);
    expect(await bindOnce('alpha', 'wrong-3')).toBe(E.ESME_RINVPASWD);
    expect(await bindOnce('alpha', ALPHA_SMPP_PASSWORD)).toBe(E.ESME_RBINDFAIL);
    expect(await bindOnce('bravo', 'wrong-4')).toBe(E.ESME_RBINDFAIL);
    expect(await metric('smpp', 'bad_password')).toBe(2);
    expect(await metric('smpp', 'unknown_system_id')).toBe(1);
    expect(await metric('smpp', 'rate_limited')).toBe(2);
    // The HTTP limit is its own: the HTTP API still answers this address.
    expect((await get('/v1/balance', ALPHA_KEY)).status).toBe(200);

    // Each refused credential logged once at warn, the block once at warn, the binds refused while blocked
    // at debug only; no password in any line.
    const refusals = logged('bind refused');
    expect(refusals.filter((l) => l.level === 40).map((l) => l.reason)).toEqual([
      'wrong_password',
      'unknown_system_id',
      'wrong_password',
    ]);
    expect(refusals.filter((l) => l.level === 20).map((l) => l.reason)).toEqual([
      'rate_limited',
      'rate_limited',
    ]);
    expect(logged('too many refused binds')).toHaveLength(1);
    expect(lines.filter((l) => /wrong-\d/.test(l))).toEqual([]);

    await sleep(WINDOW_SECONDS * 1000 + 200);
    expect(await bindOnce('alpha', ALPHA_SMPP_PASSWORD)).toBe(0);
  });
});
