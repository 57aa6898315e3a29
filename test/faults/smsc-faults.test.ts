// Faults of the operator's side, through the whole gateway (its worker, sessions and store, no stand-in):
// an SMSC that drops the connection every N submits, and one that goes silent for a while. Receipts on,
// one- to three-part messages. Every message ends confirmed, counted at the simulator and in Redis, and the
// duplicates are exactly what the fault explains.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway } from '../../src/app.js';
import { buildConfig, type ConfigInput } from '../../src/config/index.js';
import { MessageQueue } from '../../src/queue/index.js';
import { SmscSimulator, type Scenario } from '../../src/simulator/index.js';
import { waitFor } from '../helpers/gateway.js';
import { startTestRedis, uniquePrefix, type TestRedis } from '../helpers/redis.js';
import { report } from './helpers.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const WINDOW = 10;

async function run(name: string, scenarios: Scenario[], total: number) {
  const sim = new SmscSimulator({ port: 0, receipts: true, receiptDelayMs: 20, scenarios });
  const { port } = await sim.start();
  const input = {
    log: { level: 'error' },
    redis: { url: redis.url, keyPrefix: uniquePrefix(name) },
    http: { listen: '127.0.0.1:0' },
    accounts: [{ id: 'acme', apiKeys: ['k'], senders: ['ACME'] }],
    operators: [
      {
        id: 'sim',
        host: '127.0.0.1',
        port,
        systemId: 'gateway',
        password: 'secret',
        window: WINDOW,
        tps: 2000,
        responseTimeoutMs: 300,
        reconnect: { initialMs: 50, maxMs: 200, bindRefusedMinMs: 50 },
      },
    ],
    queue: { leaseMs: 1500 },
  } as ConfigInput;
  const config = buildConfig(input);
  const gateway = new Gateway(config, { logger: pino({ level: 'silent' }) });
  try {
    await gateway.start();
    const queue = new MessageQueue(gateway.store.messages, config, () => 'sim');
    const texts = Array.from({ length: total }, (_, i) =>
      `${name} ${i} `.padEnd([20, 200, 400][i % 3]!, 'x'),
    );
    const outcomes = await queue.enqueueMany(
      texts.map((text, i) => ({
        account: 'acme',
        to: `+3361${String(3_000_000 + i)}`,
        from: 'ACME',
        text,
        class: 'transactional' as const,
      })),
    );
    const ids = outcomes.map((o) => (o.ok ? o.result.id : ''));
    const segments = texts.reduce((sum, t) => sum + (t.length <= 160 ? 1 : Math.ceil(t.length / 153)), 0);
    const views = await waitFor(
      async () => {
        const all = await Promise.all(ids.map((id) => gateway.store.messages.get(id)));
        return all.every((v) => v?.state === 'confirmed') ? all : undefined;
      },
      90_000,
      'every message to be confirmed',
    );
    const distinct = new Set(sim.submits.map((s) => `${s.destinationAddr}|${s.shortMessage.toString('hex')}`))
      .size;
    const figures = await gateway.store.messages.figures('acme');
    // The submits the gateway itself gave up waiting for: on a loaded machine an answered submit can miss
    // responseTimeoutMs too, and is then rightly sent again.
    const results = (await gateway.metrics.submits.get()).values;
    const unansweredAtGateway = results
      .filter((v) => v.labels.result === 'timeout' || v.labels.result === 'disconnected')
      .reduce((sum, v) => sum + v.value, 0);
    return { sim, views, segments, distinct, figures, counters: sim.counters(), unansweredAtGateway };
  } finally {
    await gateway.stop();
    await sim.stop();
  }
}

describe('fault: the SMSC misbehaving', () => {
  it('drops the connection every 400 submits: every message confirmed, duplicates at most one window per drop', async () => {
    const total = 1500;
    const r = await run('drops', [{ name: 'closeAfter', submits: 400, repeat: true }], total);
    const duplicates = r.sim.submits.length - r.distinct;
    report('smsc-drops', {
      messages: total,
      segments: r.segments,
      smscSubmits: r.sim.submits.length,
      drops: r.counters.scenarioCloses,
      duplicates,
      bound: r.counters.scenarioCloses * WINDOW,
      confirmedInRedis: r.figures.confirmed,
    });
    expect(r.distinct).toBe(r.segments);
    expect(r.counters.scenarioCloses).toBeGreaterThanOrEqual(Math.floor(r.segments / 400) - 1);
    // A drop leaves at most the session's window unanswered, and those alone are sent again.
    expect(duplicates).toBeLessThanOrEqual(r.counters.scenarioCloses * WINDOW);
    expect(r.figures).toMatchObject({ total, produced: total, confirmed: total, deliveryErrors: 0 });
  });

  it('goes silent for 40 submits: each one times out and is sent again, every message confirmed, duplicates exactly the unanswered', async () => {
    const total = 900;
    const r = await run('silent', [{ name: 'noResponse', afterSubmits: 300, count: 40 }], total);
    const duplicates = r.sim.submits.length - r.distinct;
    report('smsc-silent', {
      messages: total,
      segments: r.segments,
      smscSubmits: r.sim.submits.length,
      unanswered: r.counters.submitsUnanswered,
      timedOutAtGateway: r.unansweredAtGateway,
      duplicates,
      confirmedInRedis: r.figures.confirmed,
    });
    expect(r.distinct).toBe(r.segments);
    expect(r.counters.submitsUnanswered).toBe(40);
    // The SMSC kept each unanswered submit: sending it again is the only way not to lose it. Every submit
    // the gateway timed out on is sent again, and nothing else is: 40, plus any answer that came too late.
    expect(r.unansweredAtGateway).toBeGreaterThanOrEqual(40);
    expect(duplicates).toBe(r.unansweredAtGateway);
    expect(r.figures).toMatchObject({ total, produced: total, confirmed: total, deliveryErrors: 0 });
  });
});
