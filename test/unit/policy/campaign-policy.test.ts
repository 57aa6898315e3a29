import { describe, expect, it } from 'vitest';
import { buildConfig, type ConfigInput } from '../../../src/config/index.js';
import { CampaignPolicy, createPolicyRules } from '../../../src/policy/index.js';

const operators = [{ id: 'sim', host: '127.0.0.1', port: 2775, systemId: 'gw', password: 'pw' }];
const accounts: ConfigInput['accounts'] = [
  { id: 'acme', apiKeys: ['k'], stopMention: { mode: 'append', text: 'STOP au 36180' } },
  { id: 'strict', apiKeys: ['s'], stopMention: { mode: 'refuse', text: 'STOP au 36180' } },
  { id: 'plain', apiKeys: ['p'] },
];
const rules = createPolicyRules(buildConfig({ operators, accounts }));
const ms = (iso: string) => Date.parse(iso);
const PARIS = '+33612345678';
// Saturday 20:00 in Paris: the window closed; it opens again on Monday 08:00 (06:00 UTC).
const SATURDAY_EVENING = ms('2026-07-11T20:00:00+02:00');
const MONDAY_MORNING = ms('2026-07-13T06:00:00Z');

function optOuts(numbers: string[]) {
  const asked: string[] = [];
  return {
    asked,
    has: async (account: string, number: string) => {
      asked.push(`${account} ${number}`);
      return numbers.includes(number);
    },
  };
}

describe('CampaignPolicy', () => {
  it('text: appends the mention to marketing, refuses without it in refuse mode, leaves the rest alone', () => {
    const policy = new CampaignPolicy(rules);
    expect(policy.text({ account: 'acme', class: 'marketing', text: 'Promo -20 %' })).toEqual({
      ok: true,
      text: 'Promo -20 % STOP au 36180',
      appended: true,
    });
    expect(policy.text({ account: 'acme', class: 'transactional', text: 'Code 1234' })).toEqual({
      ok: true,
      text: 'Code 1234',
      appended: false,
    });
    expect(policy.text({ account: 'strict', class: 'marketing', text: 'Promo' })).toMatchObject({
      ok: false,
      code: 'STOP_MENTION_MISSING',
    });
    expect(
      policy.text({ account: 'strict', class: 'marketing', text: 'Promo, répondez STOP' }),
    ).toMatchObject({
      ok: true,
      appended: false,
    });
    expect(policy.text({ account: 'plain', class: 'marketing', text: 'Promo' })).toMatchObject({
      ok: true,
      text: 'Promo',
    });
  });

  it('atEnqueue reads the opt-out for marketing only, then decides', async () => {
    const list = optOuts([PARIS]);
    const policy = new CampaignPolicy(rules, { optOuts: list });
    const noon = ms('2026-07-11T12:00:00+02:00');
    expect(await policy.atEnqueue({ account: 'acme', to: PARIS, class: 'marketing' }, noon)).toMatchObject({
      action: 'refuse',
      code: 'OPTED_OUT',
    });
    expect(
      await policy.atEnqueue({ account: 'acme', to: PARIS, class: 'transactional' }, SATURDAY_EVENING),
    ).toEqual({ action: 'send', zone: 'Europe/Paris' });
    expect(list.asked).toEqual([`acme ${PARIS}`]);
    expect(
      await policy.atEnqueue({ account: 'acme', to: '+33612345679', class: 'marketing' }, SATURDAY_EVENING),
    ).toEqual({ action: 'defer', until: MONDAY_MORNING, reason: 'QUIET_HOURS', zone: 'Europe/Paris' });
  });

  it('atEnqueue refuses a text without the mention in refuse mode', async () => {
    const list = optOuts([]);
    const policy = new CampaignPolicy(rules, { optOuts: list });
    const decision = await policy.atEnqueue(
      { account: 'strict', to: PARIS, class: 'marketing', text: 'Promo' },
      SATURDAY_EVENING,
    );
    expect(decision).toMatchObject({ action: 'refuse', code: 'STOP_MENTION_MISSING' });
  });

  it('atSend decides quiet hours without the account (its mention was settled at enqueue)', () => {
    const policy = new CampaignPolicy(rules);
    expect(
      policy.atSend({ account: 'removed-since', to: PARIS, class: 'marketing' }, SATURDAY_EVENING),
    ).toEqual({ action: 'defer', until: MONDAY_MORNING, reason: 'QUIET_HOURS', zone: 'Europe/Paris' });
    // A validity that ends before Monday 08:00 is a refusal, reporting when the window opens.
    expect(
      policy.atSend(
        { account: 'acme', to: PARIS, class: 'marketing', validUntil: SATURDAY_EVENING + 3_600_000 },
        SATURDAY_EVENING,
      ),
    ).toMatchObject({ action: 'refuse', code: 'QUIET_HOURS', nextAllowedAt: MONDAY_MORNING });
  });

  it('shiftMs decides at the shifted instant and answers on the real clock', () => {
    const real = ms('2030-01-01T00:00:00Z');
    const shift = SATURDAY_EVENING - real;
    const policy = new CampaignPolicy(rules, { shiftMs: shift });
    expect(policy.atSend({ account: 'acme', to: PARIS, class: 'marketing' }, real)).toEqual({
      action: 'defer',
      until: MONDAY_MORNING - shift,
      reason: 'QUIET_HOURS',
      zone: 'Europe/Paris',
    });
    // The validity is shifted with the clock: 1 h of validity is 1 h on either clock.
    expect(
      policy.atSend({ account: 'acme', to: PARIS, class: 'marketing', validUntil: real + 3_600_000 }, real),
    ).toMatchObject({ action: 'refuse', code: 'QUIET_HOURS', nextAllowedAt: MONDAY_MORNING - shift });
    expect(
      policy.atSend(
        { account: 'acme', to: PARIS, class: 'marketing', validUntil: MONDAY_MORNING - shift },
        real,
      ),
    ).toMatchObject({ action: 'defer' });
  });
});

// Cases found by the mutation run (npm run test:mutation): the enqueue-time reads (opt-out, frequency cap)
// with and without their ports, transactional opt-outs, and refusals under a shifted clock.
describe('CampaignPolicy at enqueue, the facts it reads', () => {
  const capped = createPolicyRules(
    buildConfig({ operators, accounts, policy: { frequencyCap: { maxPerRecipient: 2, windowDays: 30 } } }),
  );
  const noon = ms('2026-07-11T12:00:00+02:00');
  function counts(n: number) {
    const asked: number[] = [];
    return {
      asked,
      count: async (_account: string, _to: string, windowMs: number) => (asked.push(windowMs), n),
    };
  }

  it('reads the frequency count over the cap window, for marketing only, and refuses at the cap', async () => {
    const full = counts(2);
    const policy = new CampaignPolicy(capped, { frequency: full });
    expect(await policy.atEnqueue({ account: 'acme', to: PARIS, class: 'marketing' }, noon)).toMatchObject({
      action: 'refuse',
      code: 'FREQUENCY_CAP',
    });
    expect(full.asked).toEqual([30 * 86_400_000]);
    expect(await policy.atEnqueue({ account: 'acme', to: PARIS, class: 'transactional' }, noon)).toEqual({
      action: 'send',
      zone: 'Europe/Paris',
    });
    expect(full.asked).toHaveLength(1);
    const room = new CampaignPolicy(capped, { frequency: counts(1) });
    expect(await room.atEnqueue({ account: 'acme', to: PARIS, class: 'marketing' }, noon)).toEqual({
      action: 'send',
      zone: 'Europe/Paris',
    });
  });

  it('without a frequency port or without a cap, the count is not read and marketing goes', async () => {
    expect(
      await new CampaignPolicy(capped).atEnqueue({ account: 'acme', to: PARIS, class: 'marketing' }, noon),
    ).toEqual({ action: 'send', zone: 'Europe/Paris' });
    const full = counts(99);
    const uncapped = new CampaignPolicy(rules, { frequency: full });
    expect(await uncapped.atEnqueue({ account: 'acme', to: PARIS, class: 'marketing' }, noon)).toEqual({
      action: 'send',
      zone: 'Europe/Paris',
    });
    expect(full.asked).toEqual([]);
  });

  it('without an opt-out port nobody is opted out; with transactionalHonoursOptOut transactional is read too', async () => {
    expect(
      await new CampaignPolicy(rules).atEnqueue({ account: 'acme', to: PARIS, class: 'marketing' }, noon),
    ).toEqual({ action: 'send', zone: 'Europe/Paris' });
    const strictRules = createPolicyRules(
      buildConfig({ operators, accounts, policy: { transactionalHonoursOptOut: true } }),
    );
    const list = optOuts([PARIS]);
    const policy = new CampaignPolicy(strictRules, { optOuts: list });
    expect(
      await policy.atEnqueue({ account: 'acme', to: PARIS, class: 'transactional' }, noon),
    ).toMatchObject({
      action: 'refuse',
      code: 'OPTED_OUT',
      nextAllowedAt: null,
    });
    expect(list.asked).toEqual([`acme ${PARIS}`]);
  });

  it('under a shifted clock, a refusal waiting cannot help keeps nextAllowedAt null', async () => {
    const policy = new CampaignPolicy(rules, { optOuts: optOuts([PARIS]), shiftMs: 3_600_000 });
    expect(await policy.atEnqueue({ account: 'acme', to: PARIS, class: 'marketing' }, noon)).toMatchObject({
      action: 'refuse',
      code: 'OPTED_OUT',
      nextAllowedAt: null,
    });
    expect(policy.atSend({ account: 'acme', to: PARIS, class: 'transactional' }, noon)).toEqual({
      action: 'send',
      zone: 'Europe/Paris',
    });
  });
});
