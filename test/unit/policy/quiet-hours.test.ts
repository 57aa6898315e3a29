import { describe, expect, it } from 'vitest';
import type { HolidayCalendar } from '../../../src/policy/index.js';
import {
  compileWindows,
  firstInstantAtOrAfter,
  nextAllowed,
  zoneOpening,
  type CompiledWindow,
  type ZoneContext,
} from '../../../src/policy/quiet-hours.js';

const ms = (iso: string) => Date.parse(iso);
const noHolidays: HolidayCalendar = { isHoliday: () => false };
const everyDay = new Set([1, 2, 3, 4, 5, 6, 7]);

function ctx(zone: string, window: Partial<CompiledWindow> = {}, calendar = noHolidays): ZoneContext {
  return {
    zone,
    country: 'XX',
    region: undefined,
    window: { days: everyDay, from: 8 * 60, to: 20 * 60, holidays: true, ...window },
    calendar,
  };
}

describe('firstInstantAtOrAfter (local wall time → instant)', () => {
  it.each([
    ['Europe/Paris', '2026-07-13', 8 * 60, '2026-07-13T06:00:00Z'], // CEST
    ['Europe/Paris', '2026-12-28', 8 * 60, '2026-12-28T07:00:00Z'], // CET
    ['Europe/Paris', '2026-03-29', 8 * 60, '2026-03-29T06:00:00Z'], // the spring change day, after it
    ['Europe/Paris', '2026-10-25', 8 * 60, '2026-10-25T07:00:00Z'], // the autumn change day, after it
    ['Indian/Reunion', '2027-12-21', 8 * 60, '2027-12-21T04:00:00Z'],
    ['America/Martinique', '2026-05-23', 8 * 60, '2026-05-23T12:00:00Z'],
    ['Asia/Kolkata', '2026-07-15', 8 * 60, '2026-07-15T02:30:00Z'], // half-hour offset
    ['Asia/Kathmandu', '2026-07-15', 8 * 60, '2026-07-15T02:15:00Z'], // quarter-hour offset
  ])('%s %s at minute %i is %s', (zone, date, minute, expected) => {
    expect(firstInstantAtOrAfter(zone, date, minute)).toBe(ms(expected));
  });

  it('a wall time the clock skips (spring) opens when the clock jumps past it', () => {
    // Paris, 29 March 2026: 02:00 CET becomes 03:00 CEST at 01:00Z; 02:30 never shows.
    expect(firstInstantAtOrAfter('Europe/Paris', '2026-03-29', 2 * 60 + 30)).toBe(ms('2026-03-29T01:00:00Z'));
    // Santiago, 6 September 2026: midnight never shows, the day starts at 01:00 -03.
    expect(firstInstantAtOrAfter('America/Santiago', '2026-09-06', 0)).toBe(ms('2026-09-06T04:00:00Z'));
  });

  it('a wall time the clock shows twice (autumn) is its first showing', () => {
    // Paris, 25 October 2026: 02:30 CEST (00:30Z), then again 02:30 CET (01:30Z).
    expect(firstInstantAtOrAfter('Europe/Paris', '2026-10-25', 2 * 60 + 30)).toBe(ms('2026-10-25T00:30:00Z'));
    expect(firstInstantAtOrAfter('America/New_York', '2026-11-01', 60 + 30)).toBe(ms('2026-11-01T05:30:00Z'));
  });

  it('24:00 is the next day’s first instant', () => {
    expect(firstInstantAtOrAfter('Europe/Paris', '2026-12-31', 1440)).toBe(ms('2026-12-31T23:00:00Z'));
  });
});

describe('zoneOpening (one zone)', () => {
  const paris = ctx('Europe/Paris');

  it('is open inside [from, to) and says when it opens otherwise', () => {
    expect(zoneOpening(paris, ms('2026-07-15T06:00:00Z'))).toEqual({
      status: 'open',
      next: ms('2026-07-15T06:00:00Z'),
    });
    expect(zoneOpening(paris, ms('2026-07-15T17:59:59Z')).status).toBe('open');
    expect(zoneOpening(paris, ms('2026-07-15T18:00:00Z'))).toEqual({
      status: 'closed-hours',
      next: ms('2026-07-16T06:00:00Z'),
    });
    expect(zoneOpening(paris, ms('2026-07-15T05:59:59.999Z'))).toEqual({
      status: 'closed-hours',
      next: ms('2026-07-15T06:00:00Z'),
    });
  });

  it('skips days without a window and holidays, telling which held it', () => {
    const weekdays = ctx('Europe/Paris', { days: new Set([1, 2, 3, 4, 5]) });
    expect(zoneOpening(weekdays, ms('2026-07-11T10:00:00Z'))).toEqual({
      status: 'closed-day',
      next: ms('2026-07-13T06:00:00Z'),
    });
    const calendar: HolidayCalendar = { isHoliday: (_c, _r, d) => d === '2026-07-14' || d === '2026-07-15' };
    expect(zoneOpening(ctx('Europe/Paris', {}, calendar), ms('2026-07-14T10:00:00Z'))).toEqual({
      status: 'holiday',
      next: ms('2026-07-16T06:00:00Z'),
    });
    // holidays: false ignores the calendar.
    expect(
      zoneOpening(ctx('Europe/Paris', { holidays: false }, calendar), ms('2026-07-14T10:00:00Z')).status,
    ).toBe('open');
  });

  it('a window whose start the clock skips opens at the jump', () => {
    const night = ctx('Europe/Paris', { from: 2 * 60 + 30, to: 5 * 60 });
    expect(zoneOpening(night, ms('2026-03-29T00:30:00Z'))).toEqual({
      status: 'closed-hours',
      next: ms('2026-03-29T01:00:00Z'),
    });
  });

  it('a window to 24:00 stays open until local midnight', () => {
    const late = ctx('Europe/Paris', { from: 20 * 60, to: 1440 });
    expect(zoneOpening(late, ms('2026-07-15T21:59:00Z')).status).toBe('open');
    expect(zoneOpening(late, ms('2026-07-15T22:00:00Z'))).toEqual({
      status: 'closed-hours',
      next: ms('2026-07-16T18:00:00Z'),
    });
  });

  it('gives up after the horizon', () => {
    const always: HolidayCalendar = { isHoliday: () => true };
    expect(zoneOpening(ctx('Europe/Paris', {}, always), ms('2026-07-15T10:00:00Z'))).toEqual({
      status: 'holiday',
      next: null,
    });
  });
});

describe('nextAllowed (several zones: only the hours common to all)', () => {
  const paris = ctx('Europe/Paris');
  const newYork = ctx('America/New_York');

  it('Paris 08–20 and New York 08–20 overlap 12:00–18:00Z in July', () => {
    expect(nextAllowed([paris, newYork], ms('2026-07-15T10:00:00Z'))).toEqual({
      allowed: false,
      next: ms('2026-07-15T12:00:00Z'),
      holiday: false,
    });
    expect(nextAllowed([paris, newYork], ms('2026-07-15T17:59:00Z')).allowed).toBe(true);
    expect(nextAllowed([paris, newYork], ms('2026-07-15T18:00:00Z')).next).toBe(ms('2026-07-16T12:00:00Z'));
  });

  it('finds the overlap across days without a window in one zone', () => {
    const parisWeekdays = ctx('Europe/Paris', { days: new Set([1, 2, 3, 4, 5]) });
    // Friday 17 July 2026 18:00Z: Paris shut until Monday 06:00Z, New York opens Monday 12:00Z.
    expect(nextAllowed([parisWeekdays, newYork], ms('2026-07-17T18:00:00Z')).next).toBe(
      ms('2026-07-20T12:00:00Z'),
    );
  });

  it('says holiday when a holiday holds it in any zone', () => {
    const calendar: HolidayCalendar = { isHoliday: (_c, _r, d) => d === '2026-07-14' };
    const result = nextAllowed([ctx('Europe/Paris', {}, calendar), newYork], ms('2026-07-14T13:00:00Z'));
    expect(result).toEqual({ allowed: false, next: ms('2026-07-15T12:00:00Z'), holiday: true });
  });

  it('returns null when the windows never meet', () => {
    const tokyo = ctx('Asia/Tokyo', { from: 9 * 60, to: 10 * 60 });
    const honolulu = ctx('Pacific/Honolulu', { from: 9 * 60, to: 10 * 60 });
    expect(nextAllowed([tokyo, honolulu], ms('2026-07-15T00:00:00Z'))).toEqual({
      allowed: false,
      next: null,
      holiday: false,
    });
  });
});

describe('compileWindows', () => {
  const table = compileWindows({
    FR: { days: ['mon', 'sat'], from: '08:00', to: '20:00', holidays: true },
    RE: { days: ['sun'], from: '09:30', to: '24:00', holidays: false },
    default: { days: ['tue'], from: '10:00', to: '11:00', holidays: false },
  });

  it('maps days to ISO weekdays and times to minutes', () => {
    expect(table.windowFor('FR')).toEqual({ days: new Set([1, 6]), from: 480, to: 1200, holidays: true });
    expect(table.windowFor('RE')).toEqual({ days: new Set([7]), from: 570, to: 1440, holidays: false });
  });

  it("gives an overseas department FR's window unless it has its own, others the default", () => {
    expect(table.windowFor('MQ')).toBe(table.windowFor('FR'));
    expect(table.windowFor('GB')).toBe(table.windowFor(undefined));
    expect(table.windowFor('GB').days).toEqual(new Set([2]));
    const withoutFr = compileWindows({
      default: { days: ['sun'], from: '08:00', to: '09:00', holidays: false },
    });
    expect(withoutFr.windowFor('GP')).toBe(withoutFr.windowFor('DE'));
  });

  it('falls back to the shipped default when a hand-built table has none', () => {
    expect(compileWindows({}).windowFor('DE')).toEqual({
      days: everyDay,
      from: 480,
      to: 1200,
      holidays: false,
    });
  });
});
