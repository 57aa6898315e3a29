// Public holidays as local dates ('YYYY-MM-DD' in the recipient's own zone). The days come from the
// date-holidays package (a maintained, sourced calendar covering France, Alsace-Moselle and each overseas
// department); configuration only adds or removes days (`policy.holidays`), it never restates the calendar.
import Holidays from 'date-holidays';
import { isHolidayDaySpec, type HolidaysConfig } from '../config/index.js';
import { PolicyError } from './errors.js';

/** Answers "is this local date a public holiday there?". The quiet-hours rule depends on nothing else. */
export interface HolidayCalendar {
  /**
   * @param country ISO 3166-1 alpha-2 code of the recipient's country (GP, MQ, GF, RE, YT for the French
   *   overseas departments, as libphonenumber names them).
   * @param region a region of that country (date-holidays codes, e.g. FR `67`), or undefined when unknown.
   * @param localDate `YYYY-MM-DD`, the date in the recipient's zone.
   */
  isHoliday(country: string, region: string | undefined, localDate: string): boolean;
}

/**
 * The French overseas departments: their own country codes in the numbering plan and in date-holidays, but
 * French rules (SPEC §3): they use FR's window when they have none of their own, and FR's configured extra or
 * excluded days as well as their own.
 */
export const FRENCH_OVERSEAS_DEPARTMENTS: ReadonlySet<string> = new Set(['GP', 'MQ', 'GF', 'RE', 'YT']);

/** Country codes whose configuration applies to `country`: its own, then FR's for an overseas department. */
export function configCountries(country: string): readonly string[] {
  return FRENCH_OVERSEAS_DEPARTMENTS.has(country) ? [country, 'FR'] : [country];
}

// ---------------------------------------------------------------------------------------------------------
// Day specs (YYYY-MM-DD, MM-DD, easter±N)
// ---------------------------------------------------------------------------------------------------------

type DaySpec =
  | { kind: 'date'; date: string }
  | { kind: 'yearly'; monthDay: string }
  | { kind: 'easter'; offsetDays: number };

export function parseDaySpec(spec: string): DaySpec {
  if (!isHolidayDaySpec(spec)) {
    throw new PolicyError(
      'INVALID_DAY',
      `"${spec}" is not a holiday day (YYYY-MM-DD, MM-DD, or easter, easter+N, easter-N)`,
    );
  }
  if (spec.startsWith('easter')) return { kind: 'easter', offsetDays: Number(spec.slice(6) || '0') };
  return spec.length === 5 ? { kind: 'yearly', monthDay: spec } : { kind: 'date', date: spec };
}

/** Western (Gregorian) Easter Sunday of `year`, as YYYY-MM-DD: the anonymous Gregorian algorithm (Meeus). */
export function easterSunday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return isoDate(Date.UTC(year, month - 1, day));
}

function isoDate(utcMidnight: number): string {
  return new Date(utcMidnight).toISOString().slice(0, 10);
}

/** `date` plus `days` calendar days (dates are zone-free here, so UTC arithmetic is exact). */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return isoDate(Date.UTC(y, m - 1, d + days));
}

function matches(spec: DaySpec, localDate: string): boolean {
  switch (spec.kind) {
    case 'date':
      return spec.date === localDate;
    case 'yearly':
      return localDate.slice(5) === spec.monthDay;
    case 'easter':
      return addDays(easterSunday(Number(localDate.slice(0, 4))), spec.offsetDays) === localDate;
  }
}

// ---------------------------------------------------------------------------------------------------------
// date-holidays
// ---------------------------------------------------------------------------------------------------------

/**
 * The public holidays date-holidays knows for a country (and region), by local date. Only `type: 'public'`
 * counts: bank holidays, observances (Pentecost Sunday, Mother's Day) and optional days (Victor Schœlcher day
 * in Martinique) are not days off for everyone. Years are computed once and kept: the set is small and the
 * calendar does not change while the daemon runs.
 */
export class DateHolidaysSource implements HolidayCalendar {
  private readonly calendars = new Map<string, Holidays>();
  private readonly years = new Map<string, ReadonlySet<string>>();

  isHoliday(country: string, region: string | undefined, localDate: string): boolean {
    const year = Number(localDate.slice(0, 4));
    // A holiday of several days that starts late in December runs into the next year's dates.
    return (
      this.daysOf(country, region, year).has(localDate) ||
      this.daysOf(country, region, year - 1).has(localDate)
    );
  }

  /** The region codes date-holidays knows for a country (empty when it has none, or no such country). */
  regionsOf(country: string): readonly string[] {
    return Object.keys(new Holidays().getStates(country) ?? {});
  }

  /** The IANA zones date-holidays lists for a country (empty when it does not know the country). */
  zonesOf(country: string): readonly string[] {
    return this.calendar(country, undefined)?.getTimezones() ?? [];
  }

  private calendar(country: string, region: string | undefined): Holidays | undefined {
    const key = `${country}/${region ?? ''}`;
    if (!this.calendars.has(key)) {
      const calendar = region === undefined ? new Holidays(country) : new Holidays(country, region);
      // An unknown country initialises to an empty calendar rather than throwing: keep it, it answers "no".
      this.calendars.set(key, calendar);
    }
    return this.calendars.get(key);
  }

  private daysOf(country: string, region: string | undefined, year: number): ReadonlySet<string> {
    const key = `${country}/${region ?? ''}/${year}`;
    let days = this.years.get(key);
    if (!days) {
      const set = new Set<string>();
      for (const holiday of this.calendar(country, region)?.getHolidays(year) ?? []) {
        if (holiday.type !== 'public') continue;
        const first = holiday.date.slice(0, 10);
        // `date` is the local start date; a holiday of several days lasts end - start (rounded over DST).
        const length = Math.max(
          1,
          Math.round((holiday.end.getTime() - holiday.start.getTime()) / 86_400_000),
        );
        for (let i = 0; i < length; i += 1) set.add(addDays(first, i));
      }
      days = set;
      this.years.set(key, days);
    }
    return days;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Configured calendar
// ---------------------------------------------------------------------------------------------------------

/** What `createHolidayCalendar` reads: `policy.holidays`. */
export type HolidayRules = Pick<HolidaysConfig, 'extra' | 'exclude' | 'regions'>;

/**
 * The calendar the policy uses: `source` (date-holidays unless given), with `policy.holidays` applied.
 * - `exclude` wins over everything: an excluded day is never a holiday (e.g. `easter+50`, Whit Monday).
 * - `extra` days are holidays besides the source's.
 * - When the recipient's region is unknown (a phone number does not tell it), the holidays of the regions
 *   listed in `regions` count for the whole country, e.g. FR `[57, 67, 68]`: Good Friday and 26 December,
 *   Alsace-Moselle's own days, hold marketing everywhere in France.
 * FR's extra and excluded days apply to the overseas departments too (they are French days).
 */
export function createHolidayCalendar(
  rules: HolidayRules,
  source: HolidayCalendar & { regionsOf?(country: string): readonly string[] } = new DateHolidaysSource(),
): HolidayCalendar {
  const specs = (table: Readonly<Record<string, readonly string[]>>) =>
    new Map(Object.entries(table).map(([country, days]) => [country, days.map(parseDaySpec)]));
  const extra = specs(rules.extra);
  const exclude = specs(rules.exclude);
  // date-holidays' region codes are upper case (ENG, 67); configuration may write them either way.
  const regions = new Map(
    Object.entries(rules.regions).map(([country, codes]) => [country, codes.map((c) => c.toUpperCase())]),
  );
  if (source.regionsOf) {
    for (const [country, codes] of regions) {
      const known = source.regionsOf(country);
      codes.forEach((code, i) => {
        if (!known.includes(code)) {
          throw new PolicyError(
            'UNKNOWN_REGION',
            `policy.holidays.regions.${country}[${i}]: unknown region "${code}" of ${country}` +
              (known.length > 0 ? ` (known: ${known.join(', ')})` : ' (the calendar knows no regions there)'),
          );
        }
      });
    }
  }
  const listed = (table: Map<string, DaySpec[]>, country: string, localDate: string) =>
    configCountries(country).some((c) => table.get(c)?.some((spec) => matches(spec, localDate)) ?? false);

  return {
    isHoliday(country, region, localDate) {
      if (listed(exclude, country, localDate)) return false;
      if (listed(extra, country, localDate)) return true;
      if (source.isHoliday(country, region, localDate)) return true;
      if (region !== undefined) return false;
      return (regions.get(country) ?? []).some((r) => source.isHoliday(country, r, localDate));
    },
  };
}
