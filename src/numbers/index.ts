// Phone numbers: the one normalisation to E.164 that every ingress, the opt-out list and MO originators
// share (libphonenumber's metadata, so "+33 6 12 34 56 78", "0033612345678" and "+33612345678" are one).
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** Normalise a phone number to E.164 ("+33612345678"); undefined when it is not a valid number. */
export function normaliseNumber(raw: string): string | undefined {
  const compact = raw.replace(/[\s().-]/g, '');
  const candidate = compact.startsWith('00') ? `+${compact.slice(2)}` : compact;
  if (!candidate.startsWith('+')) return undefined;
  const parsed = parsePhoneNumberFromString(candidate);
  return parsed && parsed.isValid() ? parsed.number : undefined;
}
