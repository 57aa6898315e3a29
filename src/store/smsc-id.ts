// Operators differ in message-id format: hex or decimal, with or without leading zeros, upper or lower
// case, and some write the receipt's id in another base than the submit_sm_resp's. Each id maps to a
// few canonical forms; a receipt matches a part when any form is shared.
import type { MessageIdFormat } from '../config/index.js';

const HEX = /^[0-9a-f]+$/i;
const DECIMAL = /^[0-9]+$/;

function stripZeros(s: string): string {
  const stripped = s.replace(/^0+/, '');
  return stripped === '' ? '0' : stripped;
}

/**
 * Canonical forms of an SMSC message id, most specific first. With `auto`, an id made only of hex
 * digits is also indexed by its numeric value read as hex and, if all digits, read as decimal, so a
 * receipt that converted the base still matches.
 */
export function smscIdForms(raw: string, format: MessageIdFormat): string[] {
  const id = raw.trim();
  if (id === '') return [];
  switch (format) {
    case 'string':
      return [`s:${id}`];
    case 'hex':
      return HEX.test(id) ? [`x:${stripZeros(id.toLowerCase())}`] : [`s:${id}`];
    case 'decimal':
      return DECIMAL.test(id) ? [`d:${stripZeros(id)}`] : [`s:${id}`];
    case 'auto': {
      // A number's value stands for every spelling of it (zeros, case), so a numeric id needs no string
      // form: one index key per accepted part for a hex SMSC, two when the digits could be either base.
      const forms: string[] = [];
      if (DECIMAL.test(id)) forms.push(`n:${BigInt(id).toString(10)}`);
      if (HEX.test(id) && id.length <= 32) forms.push(`n:${BigInt(`0x${id}`).toString(10)}`);
      if (forms.length === 0) forms.push(`s:${stripZeros(id.toLowerCase())}`);
      return [...new Set(forms)];
    }
  }
}
