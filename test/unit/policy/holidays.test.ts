import { describe, expect, it } from 'vitest';
import {
  DateHolidaysSource,
  addDays,
  createHolidayCalendar,
  easterSunday,
  parseDaySpec,
} from '../../../src/policy/holidays.js';
import { PolicyError } from '../../../src/policy/index.js';

const none = { extra: {}, exclude: {}, regions: {} };

describe('easterSunday and day arithmetic', () => {
  it.each([
    [2024, '2024-03-31'],
    [2025, '2025-04-20'],
    [2026, '2026-04-05'],
    [2027, '2027-03-28'],
    [2038, '2038-04-25'],
    [2285, '2285-03-22'],
  ])('Easter %i is %s', (year, date) => {
    expect(easterSunday(year)).toBe(date);
  });

  it('adds days across months and years', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-04-05', 50)).toBe('2026-05-25');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('parses the three day forms and refuses others with a typed error', () => {
    expect(parseDaySpec('2026-05-08')).toEqual({ kind: 'date', date: '2026-05-08' });
    expect(parseDaySpec('12-24')).toEqual({ kind: 'yearly', monthDay: '12-24' });
    expect(parseDaySpec('easter')).toEqual({ kind: 'easter', offsetDays: 0 });
    expect(parseDaySpec('easter+50')).toEqual({ kind: 'easter', offsetDays: 50 });
    expect(parseDaySpec('easter-2')).toEqual({ kind: 'easter', offsetDays: -2 });
    for (const bad of ['2026-13-01', '2027-02-29', 'Easter+1', '24/12', '']) {
      expect(() => parseDaySpec(bad), bad).toThrow(PolicyError);
    }
  });
});

describe('DateHolidaysSource (date-holidays, public days only)', () => {
  const source = new DateHolidaysSource();
  const frPublic2026 = [
    '2026-01-01',
    '2026-04-06', // Easter Monday
    '2026-05-01',
    '2026-05-08',
    '2026-05-14', // Ascension
    '2026-05-25', // Whit Monday: public in the calendar (see docs/policy.md)
    '2026-07-14',
    '2026-08-15',
    '2026-11-01',
    '2026-11-11',
    '2026-12-25',
  ];

  it('knows the eleven French public holidays of 2026', () => {
    for (const day of frPublic2026) expect(source.isHoliday('FR', undefined, day), day).toBe(true);
    let count = 0;
    for (let d = '2026-01-01'; d <= '2026-12-31'; d = addDays(d, 1))
      if (source.isHoliday('FR', undefined, d)) count += 1;
    expect(count).toBe(11);
  });

  it('does not count observances or the Alsace-Moselle days nationally', () => {
    expect(source.isHoliday('FR', undefined, '2026-05-24')).toBe(false); // Pentecost Sunday (observance)
    expect(source.isHoliday('FR', undefined, '2026-05-31')).toBe(false); // Mother's Day (observance)
    expect(source.isHoliday('FR', undefined, '2026-04-03')).toBe(false); // Good Friday
    expect(source.isHoliday('FR', undefined, '2026-12-26')).toBe(false); // St Stephen
  });

  it.each(['57', '67', '68'])('Alsace-Moselle (%s) adds Good Friday and 26 December', (region) => {
    expect(source.isHoliday('FR', region, '2026-04-03')).toBe(true);
    expect(source.isHoliday('FR', region, '2026-12-26')).toBe(true);
    expect(source.isHoliday('FR', region, '2027-03-26')).toBe(true);
    expect(source.isHoliday('FR', region, '2026-07-14')).toBe(true);
  });

  it.each([
    ['RE', '2026-12-20'],
    ['MQ', '2026-05-22'],
    ['GP', '2026-05-27'],
    ['GF', '2026-06-10'],
    ['YT', '2026-04-27'],
  ])('%s has its own abolition-of-slavery day, %s, besides the French days', (country, day) => {
    expect(source.isHoliday(country, undefined, day)).toBe(true);
    expect(source.isHoliday('FR', undefined, day)).toBe(false);
    expect(source.isHoliday(country, undefined, '2026-07-14')).toBe(true);
    expect(source.isHoliday(country, undefined, '2026-05-25')).toBe(true);
  });

  it("does not count Martinique's optional Victor Schœlcher day", () => {
    expect(source.isHoliday('MQ', undefined, '2026-07-21')).toBe(false);
  });

  it('answers no for a country it does not know, and lists regions and zones', () => {
    expect(source.isHoliday('ZZ', undefined, '2026-01-01')).toBe(false);
    expect(source.regionsOf('FR')).toEqual(expect.arrayContaining(['57', '67', '68', 'RE', 'MQ']));
    expect(source.regionsOf('ZZ')).toEqual([]);
    expect(source.zonesOf('FR')).toEqual(['Europe/Paris']);
    expect(source.zonesOf('US')).toEqual(expect.arrayContaining(['America/New_York', 'Pacific/Honolulu']));
  });
});

describe('createHolidayCalendar (configured additions and exclusions)', () => {
  it('without configuration is the source', () => {
    const calendar = createHolidayCalendar(none);
    expect(calendar.isHoliday('FR', undefined, '2026-07-14')).toBe(true);
    expect(calendar.isHoliday('FR', undefined, '2026-07-15')).toBe(false);
  });

  it('adds extra days in the three forms', () => {
    const calendar = createHolidayCalendar({
      ...none,
      extra: { FR: ['2026-06-01', '12-24', 'easter-2'] },
    });
    expect(calendar.isHoliday('FR', undefined, '2026-06-01')).toBe(true);
    expect(calendar.isHoliday('FR', undefined, '2027-06-01')).toBe(false);
    expect(calendar.isHoliday('FR', undefined, '2026-12-24')).toBe(true);
    expect(calendar.isHoliday('FR', undefined, '2027-12-24')).toBe(true);
    expect(calendar.isHoliday('FR', undefined, '2026-04-03')).toBe(true);
    expect(calendar.isHoliday('FR', undefined, '2027-03-26')).toBe(true);
    expect(calendar.isHoliday('BE', undefined, '2026-06-01')).toBe(false);
  });

  it('excludes days, winning over the calendar and over extras', () => {
    const calendar = createHolidayCalendar({
      ...none,
      extra: { FR: ['12-24'] },
      exclude: { FR: ['easter+50', '12-24'] },
    });
    expect(calendar.isHoliday('FR', undefined, '2026-05-25')).toBe(false);
    expect(calendar.isHoliday('FR', undefined, '2027-05-17')).toBe(false);
    expect(calendar.isHoliday('FR', undefined, '2026-12-24')).toBe(false);
    expect(calendar.isHoliday('FR', undefined, '2026-05-14')).toBe(true);
  });

  it("applies FR's entries to the overseas departments, and their own only to them", () => {
    const calendar = createHolidayCalendar({
      ...none,
      extra: { FR: ['12-24'], RE: ['2026-02-02'] },
      exclude: { FR: ['easter+50'] },
    });
    expect(calendar.isHoliday('RE', undefined, '2026-12-24')).toBe(true);
    expect(calendar.isHoliday('MQ', undefined, '2026-12-24')).toBe(true);
    expect(calendar.isHoliday('RE', undefined, '2026-05-25')).toBe(false);
    expect(calendar.isHoliday('RE', undefined, '2026-02-02')).toBe(true);
    expect(calendar.isHoliday('FR', undefined, '2026-02-02')).toBe(false);
    expect(calendar.isHoliday('GB', undefined, '2026-12-24')).toBe(false);
  });

  it("counts configured regions' days country-wide while the region is unknown", () => {
    const calendar = createHolidayCalendar({ ...none, regions: { FR: ['57', '67', '68'] } });
    expect(calendar.isHoliday('FR', undefined, '2026-12-26')).toBe(true);
    expect(calendar.isHoliday('FR', undefined, '2026-04-03')).toBe(true);
    // A known region answers for itself alone.
    expect(calendar.isHoliday('FR', '75', '2026-12-26')).toBe(false);
    expect(calendar.isHoliday('FR', '67', '2026-12-26')).toBe(true);
    // The overseas departments are other calendars.
    expect(calendar.isHoliday('RE', undefined, '2026-12-26')).toBe(false);
  });

  it('refuses a region the calendar does not know, naming the path', () => {
    expect(() => createHolidayCalendar({ ...none, regions: { FR: ['67', '99'] } })).toThrow(
      expect.objectContaining({
        code: 'UNKNOWN_REGION',
        message: expect.stringMatching(/^policy\.holidays\.regions\.FR\[1\]: unknown region "99" of FR/),
      }),
    );
    expect(() => createHolidayCalendar({ ...none, regions: { GB: ['eng'] } })).not.toThrow();
  });

  it('uses any HolidayCalendar as its source', () => {
    const calendar = createHolidayCalendar(
      { ...none, exclude: { XX: ['01-02'] } },
      { isHoliday: (_c, _r, date) => date.endsWith('-01-02') || date.endsWith('-01-03') },
    );
    expect(calendar.isHoliday('XX', undefined, '2026-01-02')).toBe(false);
    expect(calendar.isHoliday('XX', undefined, '2026-01-03')).toBe(true);
  });
});
