// SMPP 3.4 §7.1.1 time format, "YYMMDDhhmmsstnnp", for schedule_delivery_time, validity_period and
// query_sm_resp's final_date. Pure: the caller passes `now`.
//   absolute: p is '+' or '-', nn the local time's offset from UTC in quarter hours, t tenths of a second;
//   relative: p is 'R', t and nn are 0, the fields are a duration added to the SMSC's current time (§7.1.1.2).

const FORMAT = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d)(\d{2})([+\-R])$/;

export type SmppTimeResult = { ok: true; at: number | undefined } | { ok: false; reason: string };

/** Epoch ms of an SMPP time; `at` undefined for the empty string (§5.2.14/§5.2.15: "NULL" = none). */
export function parseSmppTime(value: string, now: number): SmppTimeResult {
  if (value === '') return { ok: true, at: undefined };
  const m = FORMAT.exec(value);
  if (!m) return { ok: false, reason: `"${value}" is not YYMMDDhhmmsstnnp (§7.1.1)` };
  const [yy, mo, dd, hh, mi, ss, t, nn] = m.slice(1, 9).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const p = m[9];
  if (p === 'R') {
    // Calendar arithmetic in UTC, so "1 month" is the same day next month, as an SMSC's clock would count it.
    const at = new Date(now);
    at.setUTCFullYear(at.getUTCFullYear() + yy, at.getUTCMonth() + mo, at.getUTCDate() + dd);
    at.setUTCHours(at.getUTCHours() + hh, at.getUTCMinutes() + mi, at.getUTCSeconds() + ss);
    return { ok: true, at: at.getTime() };
  }
  if (mo < 1 || mo > 12 || dd < 1 || dd > 31 || hh > 23 || mi > 59 || ss > 59 || nn > 48) {
    return { ok: false, reason: `"${value}" has a field out of range` };
  }
  const local = Date.UTC(2000 + yy, mo - 1, dd, hh, mi, ss, t * 100);
  // A date the calendar lacks (31 April) would roll over silently: refuse it instead.
  if (new Date(local).getUTCDate() !== dd) return { ok: false, reason: `"${value}" is not a calendar date` };
  const offsetMs = nn * 15 * 60_000;
  return { ok: true, at: p === '+' ? local - offsetMs : local + offsetMs };
}

const two = (n: number): string => String(n).padStart(2, '0');

/** An absolute SMPP time in UTC ("…t00+"), as final_date carries it. */
export function formatSmppTime(at: number): string {
  const d = new Date(at);
  return (
    two(d.getUTCFullYear() % 100) +
    two(d.getUTCMonth() + 1) +
    two(d.getUTCDate()) +
    two(d.getUTCHours()) +
    two(d.getUTCMinutes()) +
    two(d.getUTCSeconds()) +
    String(Math.floor(d.getUTCMilliseconds() / 100)) +
    '00+'
  );
}

/** YYMMDDhhmm in UTC: the receipt text's "submit date" and "done date" (SMPP 3.4 Appendix B). */
export function formatReceiptDate(at: number): string {
  const d = new Date(at);
  return (
    two(d.getUTCFullYear() % 100) +
    two(d.getUTCMonth() + 1) +
    two(d.getUTCDate()) +
    two(d.getUTCHours()) +
    two(d.getUTCMinutes())
  );
}
