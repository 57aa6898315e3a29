// Phone numbers: the one normalisation to E.164 that every ingress, the opt-out list and MO originators
// share (libphonenumber's metadata, so "+33 6 12 34 56 78", "0033612345678" and "+33612345678" are one).
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

// Parsing with the full metadata costs ~15 µs a number; traffic repeats its recipients (alerts, codes,
// campaigns sent again), so the last results are kept. Bounded: the oldest half goes when it is full.
const CACHE_SIZE = 20_000;
let cache = new Map<string, string | null>();
let previous = new Map<string, string | null>();

function parse(raw: string): string | undefined {
  const compact = raw.replace(/[\s().-]/g, '');
  const candidate = compact.startsWith('00') ? `+${compact.slice(2)}` : compact;
  if (!candidate.startsWith('+')) return undefined;
  const parsed = parsePhoneNumberFromString(candidate);
  return parsed && parsed.isValid() ? parsed.number : undefined;
}

/** Normalise a phone number to E.164 ("+33612345678"); undefined when it is not a valid number. */
export function normaliseNumber(raw: string): string | undefined {
  let hit = cache.get(raw);
  if (hit === undefined) {
    hit = previous.get(raw);
    if (hit === undefined) hit = parse(raw) ?? null;
    if (cache.size >= CACHE_SIZE / 2) {
      previous = cache;
      cache = new Map();
    }
    cache.set(raw, hit);
  }
  return hit ?? undefined;
}
