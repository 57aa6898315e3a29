// §7.1.1 times: absolute with their UTC offset, relative, and the refusals.
import { describe, expect, it } from 'vitest';
import { formatSmppTime, parseSmppTime } from '../../../src/smpp-server/index.js';

const now = Date.parse('2026-01-31T10:00:00Z');
const at = (s: string) => {
  const r = parseSmppTime(s, now);
  if (!r.ok) throw new Error(r.reason);
  return r.at === undefined ? undefined : new Date(r.at).toISOString();
};

describe('parseSmppTime', () => {
  it.each([
    ['', undefined],
    ['260131120000000+', '2026-01-31T12:00:00.000Z'],
    ['260131120000504+', '2026-01-31T11:00:00.500Z'], // local is UTC+1 (4 quarter hours)
    ['260131120000008-', '2026-01-31T14:00:00.000Z'], // local is UTC-2
    ['000000013000000R', '2026-01-31T11:30:00.000Z'],
    ['000001000000000R', '2026-02-01T10:00:00.000Z'],
    ['000100000000000R', '2026-03-03T10:00:00.000Z'], // 31 January + 1 month rolls as a calendar does
    ['010000000005000R', '2027-01-31T10:00:05.000Z'],
  ])('%j → %s', (s, iso) => {
    expect(at(s)).toBe(iso);
  });

  it.each([
    '2601311200',
    '260131120000000',
    '260131120000000X',
    '261331120000000+',
    '260431120000000+',
    '260131120000049+',
  ])('%j is refused', (s) => {
    expect(parseSmppTime(s, now).ok).toBe(false);
  });
});

describe('formatSmppTime', () => {
  it('is absolute UTC with tenths, and reads back', () => {
    const t = Date.parse('2026-07-04T09:08:07.650Z');
    expect(formatSmppTime(t)).toBe('260704090807600+');
    expect(parseSmppTime(formatSmppTime(t), now)).toEqual({ ok: true, at: t - 50 });
  });
});
