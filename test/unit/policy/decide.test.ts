import { describe, expect, it } from 'vitest';
import { buildConfig, type ConfigInput } from '../../../src/config/index.js';
import {
  createNumberZones,
  createPolicyRules,
  decide,
  policyCheckReport,
  type PolicyFacts,
  type PolicyInput,
  type PolicyRules,
} from '../../../src/policy/index.js';
import type { PolicyVerdict } from '../../../src/queue/enqueue.js';

const operators = [{ id: 'sim', host: '127.0.0.1', port: 2775, systemId: 'gw', password: 'pw' }];
function rulesFor(input: Partial<ConfigInput> = {}): PolicyRules {
  return createPolicyRules(buildConfig({ operators, ...input }));
}

const shipped = rulesFor();
const ms = (iso: string) => Date.parse(iso);
const open: PolicyFacts = { optedOut: false };

const PARIS = '+33612345678';
const REUNION = '+262262123456';
const MAYOTTE = '+262269612345';
const MARTINIQUE = '+596596123456';
const GUADELOUPE = '+590590123456';
const GUYANE = '+594594123456';
const NEW_YORK = '+12125551234';
const LOS_ANGELES = '+13105551234';
const US_TOLL_FREE = '+18005551234';
const LONDON = '+447400123456';

function check(to: string, at: string, options: Partial<PolicyInput> = {}, rules = shipped) {
  return policyCheckReport(decide({ to, class: 'marketing', ...options }, ms(at), open, rules));
}

const allowed = (zone: string | null) => ({ allowed: true, reason: null, nextAllowedAt: null, zone });
const held = (reason: string, nextAllowedAt: string, zone: string | null) => ({
  allowed: false,
  reason,
  nextAllowedAt,
  zone,
});

describe('decide: marketing quiet hours, the table of SPEC §3 (shipped configuration)', () => {
  // Instants are written in the recipient's local time; nextAllowedAt is what `policy check --json` prints.
  it.each([
    ['Saturday 19:59 in Paris', PARIS, '2026-07-11T19:59:00+02:00', allowed('Europe/Paris')],
    ['Saturday 19:59:59 in Paris', PARIS, '2026-07-11T19:59:59+02:00', allowed('Europe/Paris')],
    [
      'Saturday 20:00 in Paris → Monday 08:00',
      PARIS,
      '2026-07-11T20:00:00+02:00',
      held('QUIET_HOURS', '2026-07-13T06:00:00.000Z', 'Europe/Paris'),
    ],
    [
      'Sunday noon in Paris → Monday 08:00',
      PARIS,
      '2026-07-12T12:00:00+02:00',
      held('QUIET_HOURS', '2026-07-13T06:00:00.000Z', 'Europe/Paris'),
    ],
    [
      'Monday 07:59 in Paris → 08:00',
      PARIS,
      '2026-07-13T07:59:00+02:00',
      held('QUIET_HOURS', '2026-07-13T06:00:00.000Z', 'Europe/Paris'),
    ],
    [
      'Monday 07:59:30 in Paris → 08:00',
      PARIS,
      '2026-07-13T07:59:30+02:00',
      held('QUIET_HOURS', '2026-07-13T06:00:00.000Z', 'Europe/Paris'),
    ],
    ['Monday 08:00 in Paris', PARIS, '2026-07-13T08:00:00+02:00', allowed('Europe/Paris')],
    [
      'the eve of 14 July after 20:00 → 15 July 08:00',
      PARIS,
      '2026-07-13T21:00:00+02:00',
      held('QUIET_HOURS', '2026-07-15T06:00:00.000Z', 'Europe/Paris'),
    ],
    [
      '14 July 2026 → 15 July 08:00',
      PARIS,
      '2026-07-14T10:00:00+02:00',
      held('HOLIDAY', '2026-07-15T06:00:00.000Z', 'Europe/Paris'),
    ],
    [
      '14 July at 22:00 is a holiday still',
      PARIS,
      '2026-07-14T22:00:00+02:00',
      held('HOLIDAY', '2026-07-15T06:00:00.000Z', 'Europe/Paris'),
    ],
    [
      'Easter Monday 2026 → Tuesday 08:00',
      PARIS,
      '2026-04-06T10:00:00+02:00',
      held('HOLIDAY', '2026-04-07T06:00:00.000Z', 'Europe/Paris'),
    ],
    [
      'Easter Monday 2027 → Tuesday 08:00',
      PARIS,
      '2027-03-29T10:00:00+02:00',
      held('HOLIDAY', '2027-03-30T06:00:00.000Z', 'Europe/Paris'),
    ],
    [
      'Ascension 2026 → Friday 08:00',
      PARIS,
      '2026-05-14T10:00:00+02:00',
      held('HOLIDAY', '2026-05-15T06:00:00.000Z', 'Europe/Paris'),
    ],
    [
      'Ascension 2027 → Friday 08:00',
      PARIS,
      '2027-05-06T10:00:00+02:00',
      held('HOLIDAY', '2027-05-07T06:00:00.000Z', 'Europe/Paris'),
    ],
    [
      'Whit Monday 2026 (a public holiday, not only a solidarity day) → Tuesday 08:00',
      PARIS,
      '2026-05-25T10:00:00+02:00',
      held('HOLIDAY', '2026-05-26T06:00:00.000Z', 'Europe/Paris'),
    ],
    [
      'Whit Monday 2027 → Tuesday 08:00',
      PARIS,
      '2027-05-17T10:00:00+02:00',
      held('HOLIDAY', '2027-05-18T06:00:00.000Z', 'Europe/Paris'),
    ],
    [
      'Christmas 2026 (Friday) → Saturday 26 December 08:00',
      PARIS,
      '2026-12-25T10:00:00+01:00',
      held('HOLIDAY', '2026-12-26T07:00:00.000Z', 'Europe/Paris'),
    ],
    [
      'Christmas 2027 (Saturday) → Monday 27 December 08:00',
      PARIS,
      '2027-12-25T10:00:00+01:00',
      held('HOLIDAY', '2027-12-27T07:00:00.000Z', 'Europe/Paris'),
    ],
    [
      'spring change 2026: Saturday 20:30 CET → Monday 08:00 CEST',
      PARIS,
      '2026-03-28T20:30:00+01:00',
      held('QUIET_HOURS', '2026-03-30T06:00:00.000Z', 'Europe/Paris'),
    ],
    [
      'spring change 2026: during the change night → Monday 08:00 CEST',
      PARIS,
      '2026-03-29T00:30:00Z',
      held('QUIET_HOURS', '2026-03-30T06:00:00.000Z', 'Europe/Paris'),
    ],
    [
      'spring change 2027: Saturday 21:00 CET → Tuesday 08:00 CEST (Monday is Easter Monday)',
      PARIS,
      '2027-03-27T21:00:00+01:00',
      held('QUIET_HOURS', '2027-03-30T06:00:00.000Z', 'Europe/Paris'),
    ],
    [
      'autumn change 2026: Saturday 20:00 CEST → Monday 08:00 CET',
      PARIS,
      '2026-10-24T20:00:00+02:00',
      held('QUIET_HOURS', '2026-10-26T07:00:00.000Z', 'Europe/Paris'),
    ],
    [
      'autumn change 2027: Saturday 20:00 CEST → Tuesday 08:00 CET (Monday is All Saints)',
      PARIS,
      '2027-10-30T20:00:00+02:00',
      held('QUIET_HOURS', '2027-11-02T07:00:00.000Z', 'Europe/Paris'),
    ],
    [
      'spring change on a day with a window (GB, Sunday): 00:30 GMT → 08:00 BST',
      LONDON,
      '2026-03-29T00:30:00Z',
      held('QUIET_HOURS', '2026-03-29T07:00:00.000Z', 'Europe/London'),
    ],
    [
      'autumn change on a day with a window (GB, Sunday): 05:00 GMT → 08:00 GMT',
      LONDON,
      '2026-10-25T05:00:00Z',
      held('QUIET_HOURS', '2026-10-25T08:00:00.000Z', 'Europe/London'),
    ],
    [
      'La Réunion on 20 December 2027 (abolition of slavery, a Monday) → Tuesday 08:00 there',
      REUNION,
      '2027-12-20T10:00:00+04:00',
      held('HOLIDAY', '2027-12-21T04:00:00.000Z', 'Indian/Reunion'),
    ],
    [
      'Paris at that same instant: 07:00, before its window → 08:00 Paris',
      PARIS,
      '2027-12-20T10:00:00+04:00',
      held('QUIET_HOURS', '2027-12-20T07:00:00.000Z', 'Europe/Paris'),
    ],
    [
      'Martinique on 22 May 2026 (abolition of slavery, a Friday) → Saturday 08:00 there',
      MARTINIQUE,
      '2026-05-22T11:00:00-04:00',
      held('HOLIDAY', '2026-05-23T12:00:00.000Z', 'America/Martinique'),
    ],
    [
      'Paris at that same instant (17:00, Friday)',
      PARIS,
      '2026-05-22T11:00:00-04:00',
      allowed('Europe/Paris'),
    ],
    [
      'Guadeloupe on 27 May 2026 → Thursday 08:00 there',
      GUADELOUPE,
      '2026-05-27T10:00:00-04:00',
      held('HOLIDAY', '2026-05-28T12:00:00.000Z', 'America/Guadeloupe'),
    ],
    [
      'Guyane on 10 June 2026 → Thursday 08:00 there',
      GUYANE,
      '2026-06-10T10:00:00-03:00',
      held('HOLIDAY', '2026-06-11T11:00:00.000Z', 'America/Cayenne'),
    ],
    [
      'Mayotte on 27 April 2026 → Tuesday 08:00 there',
      MAYOTTE,
      '2026-04-27T10:00:00+03:00',
      held('HOLIDAY', '2026-04-28T05:00:00.000Z', 'Indian/Mayotte'),
    ],
    [
      'La Réunion on a Sunday (French rules there too) → Monday 08:00 there',
      REUNION,
      '2026-07-12T10:00:00+04:00',
      held('QUIET_HOURS', '2026-07-13T04:00:00.000Z', 'Indian/Reunion'),
    ],
    ['New York at 12:30Z (08:30 EDT)', NEW_YORK, '2026-07-15T12:30:00Z', allowed('America/New_York')],
    [
      'Los Angeles at that same instant (05:30 PDT) → 08:00 PDT',
      LOS_ANGELES,
      '2026-07-15T12:30:00Z',
      held('QUIET_HOURS', '2026-07-15T15:00:00.000Z', 'America/Los_Angeles'),
    ],
    [
      'a US toll-free number (no zone of its own): the hours common to all US zones, Hawaii opening last',
      US_TOLL_FREE,
      '2026-07-15T12:30:00Z',
      held('QUIET_HOURS', '2026-07-15T18:00:00.000Z', null),
    ],
    [
      'a British number on a Sunday (default window)',
      LONDON,
      '2026-07-12T11:00:00+01:00',
      allowed('Europe/London'),
    ],
    [
      'a British number on Sunday 20:30 → Monday 08:00',
      LONDON,
      '2026-07-12T20:30:00+01:00',
      held('QUIET_HOURS', '2026-07-13T07:00:00.000Z', 'Europe/London'),
    ],
    [
      'a British number on Easter Monday (default window: no holidays)',
      LONDON,
      '2026-04-06T10:00:00+01:00',
      allowed('Europe/London'),
    ],
  ])('%s', (_name, to, at, expected) => {
    expect(check(to, at)).toEqual(expected);
  });

  it.each([
    [
      'a French number in New York (explicit zone): 14 July there → 15 July 08:00 EDT',
      PARIS,
      '2026-07-14T23:00:00-04:00',
      'America/New_York',
      held('HOLIDAY', '2026-07-15T12:00:00.000Z', 'America/New_York'),
    ],
    [
      'a French number in Tokyo at 10:00 JST (03:00 in Paris)',
      PARIS,
      '2026-07-15T10:00:00+09:00',
      'Asia/Tokyo',
      allowed('Asia/Tokyo'),
    ],
    [
      'a New York number said to be in Los Angeles',
      NEW_YORK,
      '2026-07-15T12:30:00Z',
      'America/Los_Angeles',
      held('QUIET_HOURS', '2026-07-15T15:00:00.000Z', 'America/Los_Angeles'),
    ],
    [
      'a toll-free number given its zone (07:30 CDT → 08:00 CDT)',
      US_TOLL_FREE,
      '2026-07-15T12:30:00Z',
      'America/Chicago',
      held('QUIET_HOURS', '2026-07-15T13:00:00.000Z', 'America/Chicago'),
    ],
  ])('explicit zone: %s', (_name, to, at, zone, expected) => {
    expect(check(to, at, { zone })).toEqual(expected);
  });
});

describe('decide: quiet hours from configuration', () => {
  it('Whit Monday can be excluded (easter+50)', () => {
    const rules = rulesFor({ policy: { holidays: { exclude: { FR: ['easter+50'] } } } });
    expect(check(PARIS, '2026-05-25T10:00:00+02:00', {}, rules)).toEqual(allowed('Europe/Paris'));
    expect(check(REUNION, '2026-05-25T10:00:00+04:00', {}, rules)).toEqual(allowed('Indian/Reunion'));
    expect(check(PARIS, '2026-05-14T10:00:00+02:00', {}, rules).reason).toBe('HOLIDAY');
  });

  it("Alsace-Moselle's days count country-wide when configured", () => {
    const rules = rulesFor({ policy: { holidays: { regions: { FR: ['57', '67', '68'] } } } });
    // Christmas 2026 is a Friday: St Stephen (Saturday) is held too, Sunday has no window → Monday 28.
    expect(check(PARIS, '2026-12-25T10:00:00+01:00', {}, rules)).toEqual(
      held('HOLIDAY', '2026-12-28T07:00:00.000Z', 'Europe/Paris'),
    );
    expect(check(PARIS, '2026-04-03T10:00:00+02:00', {}, rules)).toEqual(
      held('HOLIDAY', '2026-04-04T06:00:00.000Z', 'Europe/Paris'),
    );
    // A recipient known to be elsewhere in France is not held.
    expect(
      policyCheckReport(
        decide({ to: PARIS, class: 'marketing', region: '75' }, ms('2026-04-03T10:00:00+02:00'), open, rules),
      ),
    ).toEqual(allowed('Europe/Paris'));
  });

  it('extra days hold marketing like public holidays', () => {
    const rules = rulesFor({ policy: { holidays: { extra: { FR: ['12-24'] } } } });
    expect(check(PARIS, '2026-12-24T10:00:00+01:00', {}, rules)).toEqual(
      held('HOLIDAY', '2026-12-26T07:00:00.000Z', 'Europe/Paris'),
    );
  });

  it('a country window of its own, and the default for the others', () => {
    const rules = rulesFor({
      policy: {
        quietHours: {
          FR: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '19:00' },
          default: {
            days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
            from: '00:00',
            to: '24:00',
            holidays: false,
          },
        },
      },
    });
    expect(check(PARIS, '2026-07-11T10:00:00+02:00', {}, rules)).toEqual(
      held('QUIET_HOURS', '2026-07-13T07:00:00.000Z', 'Europe/Paris'),
    );
    // An overseas department follows FR's window in its own zone.
    expect(check(MARTINIQUE, '2026-07-13T08:30:00-04:00', {}, rules)).toEqual(
      held('QUIET_HOURS', '2026-07-13T13:00:00.000Z', 'America/Martinique'),
    );
    expect(check(LONDON, '2026-07-12T03:00:00+01:00', {}, rules)).toEqual(allowed('Europe/London'));
  });

  it('an overseas department may have its own window', () => {
    const rules = rulesFor({
      policy: { quietHours: { RE: { days: ['sun'], from: '10:00', to: '12:00', holidays: false } } },
    });
    expect(check(REUNION, '2026-07-12T10:00:00+04:00', {}, rules)).toEqual(allowed('Indian/Reunion'));
    // FR itself is now under the default window (every day 08:00–20:00).
    expect(check(PARIS, '2026-07-12T10:00:00+02:00', {}, rules)).toEqual(allowed('Europe/Paris'));
  });

  it('several zones: only the hours allowed in all of them', () => {
    const zones = createNumberZones({ prefixes: new Map([['33', ['America/New_York', 'Europe/Paris']]]) });
    const rules = { ...shipped, numberZones: zones };
    expect(check(PARIS, '2026-07-15T10:00:00Z', {}, rules)).toEqual(
      held('QUIET_HOURS', '2026-07-15T12:00:00.000Z', null),
    );
    expect(check(PARIS, '2026-07-15T17:59:00Z', {}, rules)).toEqual(allowed(null));
    // 14 July in New York runs until 04:00Z on the 15th; the next common opening is 15 July 12:00Z.
    expect(check(PARIS, '2026-07-14T13:00:00Z', {}, rules)).toEqual(
      held('HOLIDAY', '2026-07-15T12:00:00.000Z', null),
    );
  });
});

describe('decide: validity, refusals and their order', () => {
  const at = ms('2026-07-11T20:00:00+02:00'); // Saturday evening in Paris: held until Monday 06:00Z
  const monday = ms('2026-07-13T06:00:00Z');

  it('a deferral the validity does not outlast is a QUIET_HOURS refusal carrying the next opening', () => {
    const d = decide({ to: PARIS, class: 'marketing', validUntil: at + 2 * 3_600_000 }, at, open, shipped);
    expect(d).toEqual({
      action: 'refuse',
      code: 'QUIET_HOURS',
      message:
        'validity ends at 2026-07-11T20:00:00.000Z, before marketing to +33612345678 is next allowed ' +
        '(2026-07-13T06:00:00.000Z)',
      nextAllowedAt: monday,
      zone: 'Europe/Paris',
    });
    expect(policyCheckReport(d)).toEqual({
      allowed: false,
      reason: 'QUIET_HOURS',
      nextAllowedAt: '2026-07-13T06:00:00.000Z',
      zone: 'Europe/Paris',
    });
  });

  it('a validity ending exactly at the opening still defers', () => {
    expect(decide({ to: PARIS, class: 'marketing', validUntil: monday }, at, open, shipped)).toEqual({
      action: 'defer',
      until: monday,
      reason: 'QUIET_HOURS',
      zone: 'Europe/Paris',
    });
  });

  it('transactional messages are never held', () => {
    for (const instant of [
      '2026-07-12T03:00:00+02:00',
      '2026-07-14T23:30:00+02:00',
      '2026-12-25T00:00:00+01:00',
    ]) {
      expect(decide({ to: PARIS, class: 'transactional' }, ms(instant), open, shipped)).toEqual({
        action: 'send',
        zone: 'Europe/Paris',
      });
    }
  });

  it('opt-out refuses marketing; transactional only with transactionalHonoursOptOut', () => {
    const noon = ms('2026-07-15T12:00:00+02:00');
    const optedOut = { optedOut: true };
    expect(decide({ to: PARIS, class: 'marketing' }, noon, optedOut, shipped)).toEqual({
      action: 'refuse',
      code: 'OPTED_OUT',
      message: 'to: +33612345678 opted out of messages from this account',
      nextAllowedAt: null,
      zone: 'Europe/Paris',
    });
    expect(decide({ to: PARIS, class: 'transactional' }, noon, optedOut, shipped).action).toBe('send');
    const strict = rulesFor({ policy: { transactionalHonoursOptOut: true } });
    expect(decide({ to: PARIS, class: 'transactional' }, noon, optedOut, strict)).toMatchObject({
      action: 'refuse',
      code: 'OPTED_OUT',
    });
  });

  it('the frequency cap refuses marketing at the cap, only when configured and counted', () => {
    const noon = ms('2026-07-15T12:00:00+02:00');
    const capped = rulesFor({ policy: { frequencyCap: { maxPerRecipient: 4 } } });
    const m = { to: PARIS, class: 'marketing' as const };
    expect(decide(m, noon, { optedOut: false, capCount: 3 }, capped).action).toBe('send');
    expect(decide(m, noon, { optedOut: false, capCount: 4 }, capped)).toEqual({
      action: 'refuse',
      code: 'FREQUENCY_CAP',
      message: 'to: +33612345678 already had 4 marketing messages in the last 30 days (at most 4)',
      nextAllowedAt: null,
      zone: 'Europe/Paris',
    });
    expect(decide(m, noon, { optedOut: false }, capped).action).toBe('send');
    expect(decide(m, noon, { optedOut: false, capCount: 99 }, shipped).action).toBe('send');
    expect(
      decide({ ...m, class: 'transactional' }, noon, { optedOut: false, capCount: 99 }, capped).action,
    ).toBe('send');
  });

  it('credit refuses any class when the balance is short of the segments; null is unlimited', () => {
    const noon = ms('2026-07-15T12:00:00+02:00');
    for (const cls of ['marketing', 'transactional'] as const) {
      const m = { to: PARIS, class: cls };
      expect(decide(m, noon, { optedOut: false, credit: 0 }, shipped)).toEqual({
        action: 'refuse',
        code: 'INSUFFICIENT_CREDIT',
        message: 'the account has 0 credits left and the message needs 1',
        nextAllowedAt: null,
        zone: 'Europe/Paris',
      });
      expect(decide(m, noon, { optedOut: false, credit: 2, segments: 3 }, shipped)).toMatchObject({
        code: 'INSUFFICIENT_CREDIT',
      });
      expect(decide(m, noon, { optedOut: false, credit: 3, segments: 3 }, shipped).action).toBe('send');
      expect(decide(m, noon, { optedOut: false, credit: null, segments: 3 }, shipped).action).toBe('send');
      expect(decide(m, noon, { optedOut: false, segments: 3 }, shipped).action).toBe('send');
    }
  });

  describe('STOP mention', () => {
    const accounts = [
      { id: 'strict', apiKeys: ['k1'], stopMention: { mode: 'refuse' as const, text: 'STOP au 36180' } },
      { id: 'lenient', apiKeys: ['k2'], stopMention: { mode: 'append' as const, text: 'STOP au 36180' } },
      { id: 'none', apiKeys: ['k3'] },
    ];
    const rules = rulesFor({ accounts });
    const noon = ms('2026-07-15T12:00:00+02:00');

    it('refuses marketing of a refuse-mode account without it', () => {
      expect(
        decide({ to: PARIS, class: 'marketing', account: 'strict', text: 'Soldes !' }, noon, open, rules),
      ).toEqual({
        action: 'refuse',
        code: 'STOP_MENTION_MISSING',
        message: 'text: marketing messages of this account must carry the opt-out mention "STOP au 36180"',
        nextAllowedAt: null,
        zone: 'Europe/Paris',
      });
      expect(
        decide(
          { to: PARIS, class: 'marketing', account: 'strict', text: 'Soldes ! STOP au 36180' },
          noon,
          open,
          rules,
        ).action,
      ).toBe('send');
    });

    it('does not refuse in append mode (the caller appends), transactional, or without text or account', () => {
      expect(
        decide({ to: PARIS, class: 'marketing', account: 'lenient', text: 'Soldes !' }, noon, open, rules)
          .action,
      ).toBe('send');
      expect(
        decide({ to: PARIS, class: 'transactional', account: 'strict', text: 'Code 1234' }, noon, open, rules)
          .action,
      ).toBe('send');
      expect(decide({ to: PARIS, class: 'marketing', account: 'strict' }, noon, open, rules).action).toBe(
        'send',
      );
      expect(
        decide({ to: PARIS, class: 'marketing', account: 'none', text: 'Soldes !' }, noon, open, rules)
          .action,
      ).toBe('send');
      expect(decide({ to: PARIS, class: 'marketing', text: 'Soldes !' }, noon, open, rules).action).toBe(
        'send',
      );
    });

    it('comes before every other refusal and before quiet hours', () => {
      const sunday = ms('2026-07-12T12:00:00+02:00');
      const worst: PolicyFacts = { optedOut: true, capCount: 99, credit: 0 };
      const capped = rulesFor({ accounts, policy: { frequencyCap: { maxPerRecipient: 1 } } });
      const m = { to: PARIS, class: 'marketing' as const, account: 'strict', text: 'Soldes !' };
      expect(decide(m, sunday, worst, capped)).toMatchObject({ code: 'STOP_MENTION_MISSING' });
      const withMention = { ...m, text: 'Soldes ! STOP au 36180' };
      expect(decide(withMention, sunday, worst, capped)).toMatchObject({ code: 'OPTED_OUT' });
      expect(decide(withMention, sunday, { ...worst, optedOut: false }, capped)).toMatchObject({
        code: 'FREQUENCY_CAP',
      });
      expect(decide(withMention, sunday, { optedOut: false, capCount: 0, credit: 0 }, capped)).toMatchObject({
        code: 'INSUFFICIENT_CREDIT',
      });
      expect(decide(withMention, sunday, { optedOut: false, capCount: 0, credit: 5 }, capped)).toMatchObject({
        action: 'defer',
        reason: 'QUIET_HOURS',
      });
    });
  });

  it('refuses with QUIET_HOURS and no next time when no zone is known, unless the message gives one', () => {
    const noon = ms('2026-07-15T12:00:00Z');
    const d = decide({ to: '+80012345678', class: 'marketing' }, noon, open, shipped);
    expect(d).toEqual({
      action: 'refuse',
      code: 'QUIET_HOURS',
      message: 'to: no time zone is known for +80012345678; give the message a zone',
      nextAllowedAt: null,
      zone: null,
    });
    expect(policyCheckReport(d)).toEqual({
      allowed: false,
      reason: 'QUIET_HOURS',
      nextAllowedAt: null,
      zone: null,
    });
    expect(decide({ to: '+80012345678', class: 'marketing', zone: 'UTC' }, noon, open, shipped)).toEqual({
      action: 'send',
      zone: 'UTC',
    });
    expect(decide({ to: '+80012345678', class: 'transactional' }, noon, open, shipped).action).toBe('send');
  });

  it('refuses with QUIET_HOURS and no next time when the window never opens within a year', () => {
    const rules: PolicyRules = { ...shipped, calendar: { isHoliday: () => true } };
    expect(policyCheckReport(decide({ to: PARIS, class: 'marketing' }, at, open, rules))).toEqual({
      allowed: false,
      reason: 'QUIET_HOURS',
      nextAllowedAt: null,
      zone: 'Europe/Paris',
    });
  });

  it("throws typed errors for a caller's mistakes", () => {
    const m = { to: PARIS, class: 'marketing' as const };
    expect(() => decide(m, Number.NaN, open, shipped)).toThrow(
      expect.objectContaining({ code: 'INVALID_INSTANT' }),
    );
    expect(() => decide({ ...m, zone: 'Paris' }, at, open, shipped)).toThrow(
      expect.objectContaining({ code: 'INVALID_ZONE' }),
    );
    expect(() => decide({ ...m, account: 'ghost' }, at, open, shipped)).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_ACCOUNT', message: 'account: no account "ghost"' }),
    );
  });

  it("is assignable to the queue's PolicyVerdict and is a pure function of its inputs", () => {
    const verdict: PolicyVerdict = decide({ to: PARIS, class: 'marketing' }, at, open, shipped);
    expect(verdict).toEqual({ action: 'defer', until: monday, reason: 'QUIET_HOURS', zone: 'Europe/Paris' });
    expect(decide({ to: PARIS, class: 'marketing' }, at, open, shipped)).toEqual(verdict);
  });
});

describe('policyCheckReport', () => {
  it('prints exactly the four keys of SPEC §4, in order', () => {
    const at = ms('2026-07-14T10:00:00+02:00');
    const report = policyCheckReport(decide({ to: PARIS, class: 'marketing' }, at, open, shipped));
    expect(JSON.stringify(report)).toBe(
      '{"allowed":false,"reason":"HOLIDAY","nextAllowedAt":"2026-07-15T06:00:00.000Z","zone":"Europe/Paris"}',
    );
    expect(JSON.stringify(policyCheckReport({ action: 'send', zone: null }))).toBe(
      '{"allowed":true,"reason":null,"nextAllowedAt":null,"zone":null}',
    );
    expect(
      policyCheckReport({
        action: 'refuse',
        code: 'OPTED_OUT',
        message: 'x',
        nextAllowedAt: null,
        zone: 'UTC',
      }),
    ).toEqual({ allowed: false, reason: 'OPTED_OUT', nextAllowedAt: null, zone: 'UTC' });
  });
});
