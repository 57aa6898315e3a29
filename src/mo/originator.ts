// Who sent an MO: a phone number we may answer and put on an opt-out list, or an alphanumeric sender or
// short code (another application), to which nothing is ever sent back: replying to a machine is how
// two auto-responders end up in a loop.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { normaliseNumber } from '../numbers/index.js';

// SMPP 3.4 §5.2.5 type of number.
const TON_INTERNATIONAL = 1;
const TON_NATIONAL = 2;
const TON_NETWORK_SPECIFIC = 3;
const TON_ALPHANUMERIC = 5;
const TON_ABBREVIATED = 6;

/** Short codes have at most 8 digits; a subscriber number has more. */
const MAX_SHORT_CODE_DIGITS = 8;

/** true when the originator is a subscriber's phone number (not alphanumeric, not a short code). */
export function isPhoneOriginator(sourceAddr: string, ton: number): boolean {
  if (ton === TON_ALPHANUMERIC || ton === TON_ABBREVIATED || ton === TON_NETWORK_SPECIFIC) return false;
  if (!/^\+?\d+$/.test(sourceAddr)) return false;
  return sourceAddr.replace(/^\+/, '').length > MAX_SHORT_CODE_DIGITS;
}

/**
 * The originator in E.164 ("+33612345678"), or undefined when it is not a phone number. SMSCs send
 * international numbers without '+' (TON 1 or unknown), sometimes national ones with a leading 0: those
 * are read in `defaultCountry`. A number libphonenumber does not know still gets its '+' form, so that its
 * STOP is honoured.
 */
export function originatorE164(sourceAddr: string, ton: number, defaultCountry: string): string | undefined {
  if (!isPhoneOriginator(sourceAddr, ton)) return undefined;
  const digits = sourceAddr.replace(/^\+/, '');
  const international = !sourceAddr.startsWith('+') && digits.startsWith('00') ? digits.slice(2) : digits;
  const national =
    !sourceAddr.startsWith('+') &&
    ton !== TON_INTERNATIONAL &&
    !digits.startsWith('00') &&
    (ton === TON_NATIONAL || digits.startsWith('0'));
  if (national) {
    const parsed = parsePhoneNumberFromString(digits, defaultCountry as CountryCode);
    return parsed && parsed.isValid() ? parsed.number : undefined;
  }
  return (
    normaliseNumber(`+${international}`) ?? (international.length <= 15 ? `+${international}` : undefined)
  );
}
