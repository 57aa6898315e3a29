// Phone numbers: the one normalisation to E.164 that every ingress, the opt-out list and MO originators
// share (libphonenumber's metadata, so "+33 6 12 34 56 78", "0033612345678" and "+33612345678" are one).
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

// Parsing with the full metadata costs ~15 µs a number; traffic repeats its recipients (alerts, codes,
// campaigns sent again), so the last results are kept. Bounded: the oldest half goes when it is full.
const CACHE_SIZE = 20_000;

interface Parsed {
  e164: string;
  /** ISO 3166 region ("FR"); undefined for a non-geographic number (+800, +882, …). */
  country: string | undefined;
}

let cache = new Map<string, Parsed | null>();
let previous = new Map<string, Parsed | null>();

function parse(raw: string): Parsed | null {
  const compact = raw.replace(/[\s().-]/g, '');
  const candidate = compact.startsWith('00') ? `+${compact.slice(2)}` : compact;
  if (!candidate.startsWith('+')) return null;
  const parsed = parsePhoneNumberFromString(candidate);
  return parsed && parsed.isValid() ? { e164: parsed.number, country: parsed.country } : null;
}

function lookup(raw: string): Parsed | null {
  let hit = cache.get(raw);
  if (hit === undefined) {
    hit = previous.get(raw);
    if (hit === undefined) hit = parse(raw);
    if (cache.size >= CACHE_SIZE / 2) {
      previous = cache;
      cache = new Map();
    }
    cache.set(raw, hit);
    // Later stages look the number up by its E.164 form (the policy's country): one parse serves both.
    if (hit && hit.e164 !== raw) cache.set(hit.e164, hit);
  }
  return hit;
}

/** Normalise a phone number to E.164 ("+33612345678"); undefined when it is not a valid number. */
export function normaliseNumber(raw: string): string | undefined {
  return lookup(raw)?.e164;
}

/** The region of a valid number ("FR"), by the full metadata; undefined when invalid or non-geographic. */
export function numberCountry(raw: string): string | undefined {
  return lookup(raw)?.country;
}
