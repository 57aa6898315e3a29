// Quiet hours: when marketing may reach a recipient, in the recipient's own zone. A window is a set of
// weekdays and one span of local time [from, to) that never wraps past midnight, closed on public holidays
// when it says so. All arithmetic is on instants (epoch ms) and local dates; Luxon supplies the zone offsets,
// so daylight-saving changes need no special case beyond the two below (a `from` the clock skips or repeats).
import { IANAZone } from 'luxon';
import { WEEKDAYS, defaultQuietHoursWindow, type PolicyConfig } from '../config/index.js';
import { FRENCH_OVERSEAS_DEPARTMENTS, addDays, type HolidayCalendar } from './holidays.js';

export interface CompiledWindow {
  /** ISO weekdays allowed, 1 = Monday … 7 = Sunday. */
  readonly days: ReadonlySet<number>;
  /** Minutes after local midnight: the window is [from, to); `to` may be 1440 (24:00). */
  readonly from: number;
  readonly to: number;
  readonly holidays: boolean;
}

export interface WindowTable {
  /** The window of a recipient country (ISO alpha-2, or undefined when the number has none). */
  windowFor(country: string | undefined): CompiledWindow;
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

function compile(w: {
  days: readonly string[];
  from: string;
  to: string;
  holidays: boolean;
}): CompiledWindow {
  return {
    days: new Set(w.days.map((d) => WEEKDAYS.indexOf(d as (typeof WEEKDAYS)[number]) + 1)),
    from: minutes(w.from),
    to: minutes(w.to),
    holidays: w.holidays,
  };
}

/**
 * A country's window: its own entry; for an overseas department without one, FR's (French rules in the
 * department's zone); else `default`. The schema always supplies `default`; a hand-built config without it
 * gets the shipped one.
 */
export function compileWindows(quietHours: PolicyConfig['quietHours']): WindowTable {
  const table = new Map(Object.entries(quietHours).map(([key, w]) => [key, compile(w)]));
  const fallback = table.get('default') ?? compile(defaultQuietHoursWindow());
  return {
    windowFor(country) {
      if (country === undefined) return fallback;
      const own = table.get(country);
      if (own) return own;
      if (FRENCH_OVERSEAS_DEPARTMENTS.has(country)) return table.get('FR') ?? fallback;
      return fallback;
    },
  };
}

/** What holds a recipient at an instant, in one zone. */
export type ZoneStatus = 'open' | 'closed-hours' | 'closed-day' | 'holiday';

export interface ZoneContext {
  readonly zone: string;
  readonly country: string | undefined;
  readonly region: string | undefined;
  readonly window: CompiledWindow;
  readonly calendar: HolidayCalendar;
}

const MINUTE = 60_000;
const DAY = 86_400_000;
/** How far ahead an opening is looked for; a window that never opens within it means waiting cannot help. */
export const HORIZON_DAYS = 366;

/**
 * Zone offsets, memoised by UTC minute. Luxon reads an offset through Intl (about 8 µs) and a decision needs a
 * dozen; the instants asked about (08:00 on the same dates) repeat from one message to the next. Keying by
 * minute is exact because offsets change on whole minutes (every change since the 1970s). Bounded: the cache
 * is dropped when it grows past a size a day of traffic never reaches.
 */
class ZoneOffsets {
  private readonly zone: IANAZone;
  private readonly byMinute = new Map<number, number>();

  constructor(name: string) {
    this.zone = IANAZone.create(name);
  }

  /** Offset from UTC in minutes at instant `t`. */
  offset(t: number): number {
    const minute = Math.floor(t / MINUTE);
    let offset = this.byMinute.get(minute);
    if (offset === undefined) {
      if (this.byMinute.size >= 50_000) this.byMinute.clear();
      offset = this.zone.offset(minute * MINUTE);
      this.byMinute.set(minute, offset);
    }
    return offset;
  }
}

const zones = new Map<string, ZoneOffsets>();
function ianaZone(name: string): ZoneOffsets {
  let z = zones.get(name);
  if (!z) {
    z = new ZoneOffsets(name);
    zones.set(name, z);
  }
  return z;
}

/** Local wall-clock time of an instant, as minutes since the epoch read as if it were UTC. */
function wallMinute(zone: ZoneOffsets, t: number): number {
  return Math.floor((t + zone.offset(t) * MINUTE) / MINUTE);
}

function localDate(zone: ZoneOffsets, t: number): string {
  return new Date(wallMinute(zone, t) * MINUTE).toISOString().slice(0, 10);
}

function isoWeekday(date: string): number {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return day === 0 ? 7 : day;
}

/**
 * The first instant whose local date is `date` and local time is at least `minute` (0…1440; 1440 is the next
 * day's first instant). Usually the instant the clock shows that time; when it shows it twice (the autumn
 * change) the earlier one; when it skips it (the spring change) the instant it jumps past it.
 */
export function firstInstantAtOrAfter(zoneName: string, date: string, minute: number): number {
  if (minute >= 1440) return firstInstantAtOrAfter(zoneName, addDays(date, 1), minute - 1440);
  const zone = ianaZone(zoneName);
  const target = Date.parse(`${date}T00:00:00Z`) / MINUTE + minute;
  const wall = target * MINUTE;
  // The offsets in force around that wall time; each gives one reading of it.
  const offsets = new Set([zone.offset(wall - 1.5 * DAY), zone.offset(wall), zone.offset(wall + 1.5 * DAY)]);
  let exact = Number.POSITIVE_INFINITY;
  for (const offset of offsets) {
    const t = wall - offset * MINUTE;
    if (wallMinute(zone, t) === target) exact = Math.min(exact, t);
  }
  if (exact !== Number.POSITIVE_INFINITY) return exact;
  // Skipped by the clock: the earliest minute whose wall time is past it. Wall time only moves forward here
  // (transitions are months apart), so a bisection over a day either side finds it.
  let lo = Math.floor((wall - 16 * 3_600_000) / MINUTE);
  let hi = Math.ceil((wall + 16 * 3_600_000) / MINUTE);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (wallMinute(zone, mid * MINUTE) >= target) hi = mid;
    else lo = mid;
  }
  return hi * MINUTE;
}

function dayStatus(ctx: ZoneContext, date: string): ZoneStatus {
  if (
    ctx.window.holidays &&
    ctx.country !== undefined &&
    ctx.calendar.isHoliday(ctx.country, ctx.region, date)
  )
    return 'holiday';
  if (!ctx.window.days.has(isoWeekday(date))) return 'closed-day';
  return 'open';
}

/**
 * The status at `t` in one zone, and the first instant at or after `t` when the window is open there (`t`
 * itself when open; null when it does not open within the horizon). The window of a local date is the span
 * from the first instant the clock reads `from` on that date to the first it reads `to`.
 */
export function zoneOpening(ctx: ZoneContext, t: number): { status: ZoneStatus; next: number | null } {
  const zone = ianaZone(ctx.zone);
  const today = localDate(zone, t);
  let status: ZoneStatus | undefined;
  for (let i = 0; i <= HORIZON_DAYS; i += 1) {
    const date = addDays(today, i);
    const day = dayStatus(ctx, date);
    if (day !== 'open') {
      status ??= day;
      continue;
    }
    const open = firstInstantAtOrAfter(ctx.zone, date, ctx.window.from);
    const close = firstInstantAtOrAfter(ctx.zone, date, ctx.window.to);
    if (t < close && open < close) {
      const next = Math.max(open, t);
      return { status: status ?? (next === t ? 'open' : 'closed-hours'), next };
    }
    status ??= 'closed-hours';
  }
  return { status: status ?? 'closed-hours', next: null };
}

/**
 * The first instant at or after `at` when every zone's window is open at once (SPEC §3: a recipient whose
 * zone is one of several gets only the hours allowed in all of them), null when none comes within the horizon.
 * Each step jumps to the latest of the zones' next openings, so no common instant is ever stepped over.
 */
export function nextAllowed(
  contexts: readonly ZoneContext[],
  at: number,
): { allowed: boolean; next: number | null; holiday: boolean } {
  let t = at;
  let first = true;
  let holiday = false;
  const limit = at + (HORIZON_DAYS + 1) * DAY;
  while (t <= limit) {
    let latest = t;
    for (const ctx of contexts) {
      const { status, next } = zoneOpening(ctx, t);
      if (first && status === 'holiday') holiday = true;
      if (next === null) return { allowed: false, next: null, holiday };
      latest = Math.max(latest, next);
    }
    if (latest === t) return { allowed: first, next: t, holiday };
    first = false;
    t = latest;
  }
  return { allowed: false, next: null, holiday };
}
