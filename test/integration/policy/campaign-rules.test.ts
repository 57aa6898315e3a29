// Issue 13, on the wire: the campaign rules enforced end to end, a real gateway (HTTP, Redis, the worker, the
// built-in or a standalone simulator). The policy's clock is shifted (`policyShiftMs`) so that a test stands
// seconds before a quiet-hours window opens or closes on a chosen day; Redis, the scheduler and the worker
// keep the real clock.
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../../src/config/index.js';
import { SmscSimulator, type RecordedSubmit } from '../../../src/simulator/index.js';
import { freePort, shardOfId } from '../../../src/store/index.js';
import { OPEN_ALL_HOURS, startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';
import { keysOf, submitText, waitForBound } from '../../helpers/mo.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';

let redis: TestRedis;
const cleanup: Array<() => Promise<void>> = [];
beforeAll(async () => {
  redis = await startTestRedis();
});
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});
afterAll(async () => {
  await redis?.stop();
});

const MENTION = 'STOP au 36180';
const ACCOUNTS: ConfigInput['accounts'] = [
  {
    id: 'acme',
    apiKeys: ['test-key-acme'],
    senders: ['ACME', '36180'],
    stopMention: { mode: 'append', text: MENTION },
  },
  {
    id: 'strict',
    apiKeys: ['test-key-strict'],
    senders: ['STRICT'],
    stopMention: { mode: 'refuse', text: MENTION },
  },
];

/** The shift that makes the policy's clock read `localIso` `leadMs` from now; and that instant, real. */
function standAt(localIso: string, leadMs = 0): { shift: number; real: (iso: string) => number } {
  const shift = Date.parse(localIso) - leadMs - Date.now();
  return { shift, real: (iso) => Date.parse(iso) - shift };
}

async function gateway(
  shift: number | undefined,
  overrides: Parameters<typeof startTestGateway>[1] = {},
): Promise<TestGateway> {
  const gw = await startTestGateway(redis, {
    accounts: ACCOUNTS,
    // With a shifted clock, the shipped windows: FR Monday to Saturday 08:00–20:00, not on holidays,
    // 08:00–20:00 elsewhere. Without one, marketing may go at any hour (the test does not depend on when it runs).
    policy: shift !== undefined ? {} : OPEN_ALL_HOURS,
    ...(shift !== undefined ? { options: { policyShiftMs: shift } } : {}),
    ...overrides,
  });
  cleanup.push(() => gw.stop());
  return gw;
}

const marketing = (to: string, extra: Record<string, unknown> = {}) => ({
  to,
  from: 'ACME',
  text: 'Promo -20 %',
  class: 'marketing',
  ...extra,
});
const transactional = (to: string, extra: Record<string, unknown> = {}) => ({
  to,
  from: 'ACME',
  text: 'Votre code : 1234',
  class: 'transactional',
  ...extra,
});

async function view(gw: TestGateway, id: unknown): Promise<Record<string, unknown>> {
  return (await gw.request('GET', `/v1/messages/${String(id)}`)).json;
}

async function settled(gw: TestGateway, id: unknown, timeoutMs = 10_000): Promise<Record<string, unknown>> {
  return waitFor(
    async () => {
      const v = await view(gw, id);
      return ['confirmed', 'error', 'cancelled'].includes(String(v.state)) ? v : undefined;
    },
    timeoutMs,
    `message ${String(id)} to settle`,
  );
}

function states(v: Record<string, unknown>): string[] {
  return (v.history as Array<{ state: string }>).map((h) => h.state);
}

function submitsTo(submits: readonly RecordedSubmit[], number: string): RecordedSubmit[] {
  return submits.filter((s) => s.destinationAddr === number.replace(/^\+/, ''));
}

/** smppgw_policy_decisions_total{stage, decision, reason} as scraped from /metrics (0 when absent). */
async function policyMetric(
  gw: TestGateway,
  stage: string,
  decision: string,
  reason: string,
): Promise<number> {
  const text = await (await fetch(`${gw.baseUrl}/metrics`)).text();
  for (const line of text.split('\n')) {
    const match = /^smppgw_policy_decisions_total\{([^}]*)\} (\S+)$/.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...match[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (labels.stage === stage && labels.decision === decision && labels.reason === reason)
      return Number(match[2]);
  }
  return 0;
}

/** A gateway whose operator is down: its SMSC (a standalone simulator) is started later by the test. */
async function unboundGateway(
  shift: number | undefined,
): Promise<{ gw: TestGateway; bind: () => Promise<SmscSimulator> }> {
  const port = await freePort();
  const gw = await gateway(shift, {
    simulator: { enabled: false },
    operator: { port, reconnect: { initialMs: 100, maxMs: 200 } },
  });
  const bind = async () => {
    const sim = new SmscSimulator({
      host: '127.0.0.1',
      port,
      systemId: 'gateway',
      password: 'secret',
      receiptDelayMs: 50,
      logger: pino({ level: 'silent' }),
    });
    await sim.start();
    cleanup.push(() => sim.stop());
    await waitForBound(gw);
    return sim;
  };
  return { gw, bind };
}

describe('quiet hours on the wire', () => {
  it('marketing outside the window is scheduled, and reaches the simulator when the window opens', async () => {
    // Monday 1 June 2026, 07:59:54 in Paris: the window opens in 6 s.
    const { shift, real } = standAt('2026-06-01T08:00:00+02:00', 6000);
    const opening = real('2026-06-01T08:00:00+02:00');
    const gw = await gateway(shift);
    await waitForBound(gw);
    const promo = await gw.request('POST', '/v1/messages', marketing('+33612345601'));
    expect(promo.status).toBe(202);
    expect(promo.json).toMatchObject({ state: 'scheduled', segments: 1 });
    const alert = await gw.request('POST', '/v1/messages', transactional('+33612345602'));
    expect(alert.json.state).toBe('queued');

    const held = await view(gw, promo.json.id);
    expect(held.state).toBe('scheduled');
    expect(held.sendAt).toBe(new Date(opening).toISOString());
    expect(held.history).toEqual([expect.objectContaining({ state: 'scheduled', detail: 'QUIET_HOURS' })]);
    const events = await redis.client.xrange(keysOf(gw).events('acme'), '-', '+');
    const first = events.map(([, f]) => f).find((f) => f.includes(String(promo.json.id)));
    expect(first).toEqual(expect.arrayContaining(['state', 'scheduled', 'detail', 'QUIET_HOURS']));

    // Transactional goes at once, at 07:59 as at any hour.
    expect((await settled(gw, alert.json.id)).state).toBe('confirmed');
    const sim = gw.gateway.simulator!;
    expect(submitsTo(sim.submits, '+33612345602')[0]!.receivedAt).toBeLessThan(opening);
    expect(Date.now()).toBeLessThan(opening - 1000);
    expect(submitsTo(sim.submits, '+33612345601')).toHaveLength(0);

    const sent = await settled(gw, promo.json.id, 12_000);
    expect(sent.state).toBe('confirmed');
    const [submit] = submitsTo(sim.submits, '+33612345601');
    expect(submit!.receivedAt).toBeGreaterThanOrEqual(opening);
    expect(submitText(submit!)).toBe(`Promo -20 % ${MENTION}`);
    expect(states(sent).slice(0, 2)).toEqual(['scheduled', 'sending']);
    expect(await policyMetric(gw, 'enqueue', 'defer', 'QUIET_HOURS')).toBe(1);
    expect(await policyMetric(gw, 'send', 'send', 'none')).toBeGreaterThanOrEqual(1);
  }, 20_000);

  it('Sunday night: a validity shorter than the wait ends in QUIET_HOURS; a holiday send time defers; transactional goes', async () => {
    const { shift, real } = standAt('2026-06-07T21:00:00+02:00');
    const gw = await gateway(shift);
    await waitForBound(gw);

    const short = await gw.request(
      'POST',
      '/v1/messages',
      marketing('+33612345611', { validityMinutes: 60 }),
    );
    expect(short.status).toBe(202);
    expect(short.json.state).toBe('error');
    expect((await view(gw, short.json.id)).error).toMatchObject({
      stage: 'policy',
      code: 'QUIET_HOURS',
      message: expect.stringContaining('validity ends'),
    });

    const later = await gw.request('POST', '/v1/messages', marketing('+33612345612'));
    expect(later.json.state).toBe('scheduled');
    expect((await view(gw, later.json.id)).sendAt).toBe(
      new Date(real('2026-06-08T08:00:00+02:00')).toISOString(),
    );

    // Asked for 14 July at noon: decided at that time, a holiday, so held until the 15th at 08:00.
    const bastille = await gw.request(
      'POST',
      '/v1/messages',
      marketing('+33612345613', { sendAt: new Date(real('2026-07-14T12:00:00+02:00')).toISOString() }),
    );
    const holiday = await view(gw, bastille.json.id);
    expect(holiday).toMatchObject({
      state: 'scheduled',
      sendAt: new Date(real('2026-07-15T08:00:00+02:00')).toISOString(),
    });
    expect(holiday.history).toEqual([expect.objectContaining({ state: 'scheduled', detail: 'HOLIDAY' })]);

    const alert = await gw.request('POST', '/v1/messages', transactional('+33612345614'));
    expect((await settled(gw, alert.json.id)).state).toBe('confirmed');
    expect(submitsTo(gw.gateway.simulator!.submits, '+33612345614')).toHaveLength(1);
    expect(
      gw.gateway.simulator!.submits.filter((s) => s.destinationAddr.startsWith('3361234561')),
    ).toHaveLength(1);
    expect(await policyMetric(gw, 'enqueue', 'refuse', 'QUIET_HOURS')).toBe(1);
    expect(await policyMetric(gw, 'enqueue', 'defer', 'HOLIDAY')).toBe(1);
  }, 20_000);

  it('a deferred campaign released at once keeps the operator rate and does not starve transactional', async () => {
    // Monday 07:59:56: 150 marketing messages held for 4 s, then released together; tps 50.
    const { shift, real } = standAt('2026-06-01T08:00:00+02:00', 4000);
    const opening = real('2026-06-01T08:00:00+02:00');
    const gw = await gateway(shift, { operator: { tps: 50, window: 10 } });
    await waitForBound(gw);
    const numbers = Array.from({ length: 150 }, (_, i) => `+3361234${5000 + i}`);
    const batch = await gw.request('POST', '/v1/messages/batch', {
      messages: numbers.map((n) => marketing(n)),
    });
    const ids = (batch.json.results as Array<{ id: string }>).map((r) => r.id);
    expect(ids).toHaveLength(150);
    expect((await view(gw, ids[149])).state).toBe('scheduled');
    const sim = gw.gateway.simulator!;
    const isCampaign = (s: RecordedSubmit) => /^33612345[01]\d\d$/.test(s.destinationAddr);

    // As soon as the campaign is on the wire, an alert arrives.
    await waitFor(() => (sim.submits.some(isCampaign) ? true : undefined), 10_000, 'the release');
    const postedAt = Date.now();
    const alert = await gw.request('POST', '/v1/messages', transactional('+33612349999'));
    const alertSubmit = await waitFor(() => submitsTo(sim.submits, '+33612349999')[0], 5000, 'the alert');
    await waitFor(
      () => (sim.submits.filter(isCampaign).length >= 150 ? true : undefined),
      10_000,
      'the campaign',
    );
    expect((await settled(gw, alert.json.id)).state).toBe('confirmed');

    const campaign = sim.submits.filter(isCampaign).map((s) => s.receivedAt);
    expect(campaign).toHaveLength(150);
    expect(Math.min(...campaign)).toBeGreaterThanOrEqual(opening);
    // Spread at the operator's rate: never more than a second's worth (plus the bucket's burst) in a second.
    for (const t of campaign)
      expect(campaign.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(55);
    expect(Math.max(...campaign) - Math.min(...campaign)).toBeGreaterThanOrEqual(2500);
    // The alert overtook the backlog: only what was already in progress went before it.
    const ahead = campaign.filter((t) => t >= postedAt && t < alertSubmit.receivedAt).length;
    expect(ahead).toBeLessThanOrEqual(35);
    expect(alertSubmit.receivedAt - postedAt).toBeLessThan(1500);
    expect(Math.max(...campaign) - alertSubmit.receivedAt).toBeGreaterThan(1000);
  }, 30_000);
});

describe('the STOP mention', () => {
  it('is appended before encoding (counted in the segments and the preview), and refused in refuse mode', async () => {
    const gw = await gateway(undefined);
    await waitForBound(gw);
    const text = 'A'.repeat(150);
    const long = await gw.request('POST', '/v1/messages', marketing('+33612345621', { text }));
    expect(long.json).toMatchObject({ state: 'queued', segments: 2, encoding: 'gsm7' });
    expect((await settled(gw, long.json.id)).state).toBe('confirmed');
    const parts = submitsTo(gw.gateway.simulator!.submits, '+33612345621');
    expect(parts).toHaveLength(2);
    expect(parts.map(submitText).join('')).toBe(`${text} ${MENTION}`);

    const preview = await gw.request('POST', '/v1/preview', { text, class: 'marketing' });
    expect(preview.json).toMatchObject({ segments: 2, text: `${text} ${MENTION}`, stopMention: 'appended' });
    expect((await gw.request('POST', '/v1/preview', { text })).json).toMatchObject({ segments: 1, text });
    expect((await gw.request('POST', '/v1/preview', { text, class: 'transactional' })).json).toMatchObject({
      segments: 1,
      stopMention: 'none',
    });

    // A text that already offers STOP is sent as it is; transactional gets no mention.
    const offered = await gw.request(
      'POST',
      '/v1/messages',
      marketing('+33612345622', { text: 'Promo, répondez STOP' }),
    );
    const alert = await gw.request('POST', '/v1/messages', transactional('+33612345623'));
    await settled(gw, offered.json.id);
    await settled(gw, alert.json.id);
    expect(submitText(submitsTo(gw.gateway.simulator!.submits, '+33612345622')[0]!)).toBe(
      'Promo, répondez STOP',
    );
    expect(submitText(submitsTo(gw.gateway.simulator!.submits, '+33612345623')[0]!)).toBe(
      'Votre code : 1234',
    );

    const strict = (body: Record<string, unknown>) =>
      gw.request('POST', '/v1/messages', { ...body, from: 'STRICT' }, 'test-key-strict');
    const refused = await strict(marketing('+33612345624'));
    expect(refused.status).toBe(202);
    expect(refused.json.state).toBe('error');
    const own = (
      await gw.request('GET', `/v1/messages/${String(refused.json.id)}`, undefined, 'test-key-strict')
    ).json;
    expect(own.error).toMatchObject({ stage: 'policy', code: 'STOP_MENTION_MISSING' });
    const carried = await strict(marketing('+33612345625', { text: `Promo -20 % ${MENTION}` }));
    expect(carried.json.state).toBe('queued');
    expect(
      (await gw.request('POST', '/v1/preview', { text: 'Promo', class: 'marketing' }, 'test-key-strict'))
        .json,
    ).toMatchObject({ stopMention: 'missing', text: 'Promo' });
    expect(submitsTo(gw.gateway.simulator!.submits, '+33612345624')).toHaveLength(0);
    expect(await policyMetric(gw, 'enqueue', 'refuse', 'STOP_MENTION_MISSING')).toBe(1);
  }, 20_000);
});

describe('opt-outs and quiet hours at send time', () => {
  it('opted out at enqueue, and after enqueue while the operator is unbound: refused, never on the wire', async () => {
    const { gw, bind } = await unboundGateway(undefined);
    const early = '+33612345631';
    const late = '+33612345632';
    expect((await gw.request('PUT', `/v1/optouts/${encodeURIComponent(early)}`)).status).toBeLessThan(300);
    const refused = await gw.request('POST', '/v1/messages', marketing(early));
    expect(refused.json.state).toBe('error');
    expect((await view(gw, refused.json.id)).error).toMatchObject({ stage: 'policy', code: 'OPTED_OUT' });

    const waiting = await gw.request('POST', '/v1/messages', marketing(late));
    const alert = await gw.request('POST', '/v1/messages', transactional(late));
    expect(waiting.json.state).toBe('queued');
    expect((await gw.request('PUT', `/v1/optouts/${encodeURIComponent(late)}`)).status).toBeLessThan(300);

    const sim = await bind();
    const stopped = await settled(gw, waiting.json.id);
    expect(stopped.error).toMatchObject({ stage: 'policy', code: 'OPTED_OUT' });
    expect(states(stopped)).toEqual(['queued', 'error']);
    expect((await settled(gw, alert.json.id)).state).toBe('confirmed');
    expect(submitsTo(sim.submits, late).map(submitText)).toEqual(['Votre code : 1234']);
    expect(submitsTo(sim.submits, early)).toHaveLength(0);
    expect(await policyMetric(gw, 'enqueue', 'refuse', 'OPTED_OUT')).toBe(1);
    expect(await policyMetric(gw, 'send', 'refuse', 'OPTED_OUT')).toBe(1);
  }, 20_000);

  it('queued inside the window, the operator back after it closed: rescheduled, or refused when its validity is too short', async () => {
    // Saturday 6 June 2026, 19:59:57 in Paris: the window closes in 3 s, and opens again on Monday.
    const { shift, real } = standAt('2026-06-06T20:00:00+02:00', 3000);
    const closing = real('2026-06-06T20:00:00+02:00');
    const { gw, bind } = await unboundGateway(shift);
    const open = await gw.request('POST', '/v1/messages', marketing('+33612345641'));
    const brief = await gw.request('POST', '/v1/messages', marketing('+33612345642', { validityMinutes: 5 }));
    expect([open.json.state, brief.json.state]).toEqual(['queued', 'queued']);
    await waitFor(() => (Date.now() > closing + 200 ? true : undefined), 6000, 'the window to close');

    const sim = await bind();
    const held = await waitFor(
      async () => {
        const v = await view(gw, open.json.id);
        return states(v).length > 1 ? v : undefined;
      },
      5000,
      'the send-time decision',
    );
    expect(held.state).toBe('scheduled');
    expect(held.history).toEqual([
      expect.objectContaining({ state: 'queued' }),
      expect.objectContaining({ state: 'scheduled', detail: 'QUIET_HOURS' }),
    ]);
    const monday = real('2026-06-08T08:00:00+02:00');
    const shard = shardOfId(String(open.json.id));
    expect(
      await redis.client.zscore(keysOf(gw).scheduled('sim', shard), `m|${String(open.json.id)}|acme|`),
    ).toBe(String(monday));
    const ended = await settled(gw, brief.json.id);
    expect(ended.error).toMatchObject({ stage: 'policy', code: 'QUIET_HOURS' });
    expect(states(ended)).toEqual(['queued', 'error']);
    expect(sim.submits).toHaveLength(0);
    expect(await policyMetric(gw, 'send', 'defer', 'QUIET_HOURS')).toBe(1);
    expect(await policyMetric(gw, 'send', 'refuse', 'QUIET_HOURS')).toBe(1);
  }, 20_000);
});
