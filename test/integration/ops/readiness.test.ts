// /readyz (issue 8): ready while Redis is up and every required operator has a bound session; not ready when
// the SMSC goes away, ready again when it returns, and not ready (draining) from the moment a stop begins.
// Short reconnect timings so the gateway notices and rebinds within a second.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmscSimulator } from '../../../src/simulator/index.js';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';

interface Readiness {
  status: number;
  body: {
    ready?: boolean;
    draining?: boolean;
    checks?: { redis?: boolean; boundSessions?: Record<string, number> };
  };
}

let redis: TestRedis;
let gw: TestGateway;
// SmscSimulator cannot be started again once stopped: the SMSC "returns" as a new instance on the same port.
let returned: SmscSimulator | undefined;

async function readyz(): Promise<Readiness> {
  const response = await fetch(`${gw.baseUrl}/readyz`);
  return { status: response.status, body: (await response.json()) as Readiness['body'] };
}

async function waitForReadyz(status: number, what: string): Promise<Readiness> {
  return waitFor(
    async () => {
      const r = await readyz();
      return r.status === status ? r : undefined;
    },
    10_000,
    what,
  );
}

async function metricValue(series: string): Promise<number | undefined> {
  const text = await (await fetch(`${gw.baseUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

beforeAll(async () => {
  redis = await startTestRedis();
  gw = await startTestGateway(redis, {
    operator: { reconnect: { initialMs: 100, maxMs: 500, bindRefusedMinMs: 500 }, enquireLinkSeconds: 1 },
  });
});

afterAll(async () => {
  await gw?.stop();
  await returned?.stop();
  await redis?.stop();
});

describe('/readyz', () => {
  it('is 200 once Redis is up and the required operator has a bound session', async () => {
    const { body } = await waitForReadyz(200, 'the gateway to be ready');
    expect(body).toEqual({
      ready: true,
      draining: false,
      checks: { redis: true, boundSessions: { sim: 1 } },
    });
    const health = await fetch(`${gw.baseUrl}/healthz`);
    expect(health.status).toBe(200);
  });

  it('goes 503 when the SMSC goes away, and /healthz still answers', async () => {
    await gw.gateway.simulator!.stop();
    const { body } = await waitForReadyz(503, '/readyz to fail without the SMSC');
    expect(body).toEqual({
      ready: false,
      draining: false,
      checks: { redis: true, boundSessions: { sim: 0 } },
    });
    expect((await fetch(`${gw.baseUrl}/healthz`)).status).toBe(200);
    expect(await metricValue('smppgw_binds_bound{operator="sim"}')).toBe(0);
    expect(await metricValue('smppgw_bind_up{operator="sim",bind="sim-0"}')).toBe(0);
    // The gateway keeps trying: reconnection attempts are counted.
    const attempts = await waitFor(
      async () => {
        const n = (await metricValue('smppgw_reconnects_total{operator="sim"}')) ?? 0;
        return n >= 2 ? n : undefined;
      },
      5_000,
      'reconnection attempts',
    );
    // And stays not ready while the SMSC is away: still 503 after a later attempt failed too.
    await waitFor(
      async () =>
        ((await metricValue('smppgw_reconnects_total{operator="sim"}')) ?? 0) > attempts || undefined,
      5_000,
      'one more reconnection attempt',
    );
    expect((await readyz()).status).toBe(503);
  });

  it('is 200 again once the SMSC is back', async () => {
    returned = new SmscSimulator({ host: '127.0.0.1', port: gw.simulatorPort, receiptDelayMs: 50 });
    await returned.start();
    const { body } = await waitForReadyz(200, '/readyz to recover with the SMSC back');
    expect(body).toEqual({
      ready: true,
      draining: false,
      checks: { redis: true, boundSessions: { sim: 1 } },
    });
    expect(await metricValue('smppgw_bind_up{operator="sim",bind="sim-0"}')).toBe(1);
  });

  it('is 503, draining, from the moment a stop begins, although the SMSC is still bound', async () => {
    const sim = returned!;
    // Keep one submit in flight so the drain lasts (up to shutdown.drainTimeoutMs, 1 s in tests).
    sim.setScenarios([{ name: 'slowResponse', delayMs: 3000 }]);
    const created = await gw.request('POST', '/v1/messages', {
      to: '+33612345678',
      from: 'ACME',
      text: 'Bonjour',
      class: 'transactional',
    });
    expect(created.status, JSON.stringify(created.json)).toBe(202);
    await waitFor(() => (sim.submits.length > 0 ? true : undefined), 5_000, 'the submit to reach the SMSC');
    expect((await readyz()).status).toBe(200);

    const stopping = gw.gateway.stop();
    try {
      const during = await readyz();
      expect(during.status).toBe(503);
      expect(during.body).toEqual({
        ready: false,
        draining: true,
        checks: { redis: true, boundSessions: { sim: 1 } },
      });
      // New messages are refused while draining.
      const refused = await gw.request('POST', '/v1/messages', {
        to: '+33612345678',
        from: 'ACME',
        text: 'Bonjour',
        class: 'transactional',
      });
      expect(refused.status).toBe(503);
    } finally {
      await stopping;
    }
    // The HTTP server is closed at the end of the stop.
    await expect(fetch(`${gw.baseUrl}/readyz`)).rejects.toThrow();
  });
});
