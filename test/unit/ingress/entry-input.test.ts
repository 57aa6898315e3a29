// An ingress entry's flat strings become the HTTP body validateMessage checks: the same errors for the same
// mistakes, validityMinutes the only number.
import { describe, expect, it } from 'vitest';
import { ApiError, validateMessage } from '../../../src/api/index.js';
import { buildConfig } from '../../../src/config/index.js';
import { entryToInput } from '../../../src/ingress/index.js';

const config = buildConfig({
  operators: [{ id: 'sim', host: '127.0.0.1', port: 2775, systemId: 'gw', password: 'pw' }],
  accounts: [{ id: 'acme', apiKeys: ['k'], senders: ['ACME'] }],
});
const account = config.accounts[0]!;
const base = { to: '+33612345678', from: 'ACME', text: 'Bonjour', class: 'transactional' };

function codeOf(fields: Record<string, string>): string | undefined {
  try {
    validateMessage(entryToInput(fields), account, { now: 0 });
    return undefined;
  } catch (error) {
    return error instanceof ApiError ? error.code : 'OTHER';
  }
}

describe('entryToInput', () => {
  it('passes strings through and reads validityMinutes as a whole number', () => {
    expect(entryToInput({ ...base, validityMinutes: '90' })).toEqual({ ...base, validityMinutes: 90 });
    const message = validateMessage(
      entryToInput({ ...base, validityMinutes: '90', clientRef: 'r1' }),
      account,
      {
        now: 1000,
      },
    );
    expect(message.validUntil).toBe(1000 + 90 * 60_000);
    expect(message.clientRef).toBe('r1');
  });

  it('refuses what HTTP refuses, with the same codes', () => {
    expect(codeOf(base)).toBeUndefined();
    expect(codeOf({ ...base, validityMinutes: '1.5' })).toBe('INVALID_FIELD');
    expect(codeOf({ ...base, validityMinutes: '0' })).toBe('INVALID_FIELD');
    expect(codeOf({ ...base, priority: 'high' })).toBe('UNKNOWN_FIELD');
    expect(codeOf({ ...base, from: 'OTHER' })).toBe('SENDER_NOT_ALLOWED');
    expect(codeOf({ ...base, to: '12' })).toBe('INVALID_NUMBER');
    expect(codeOf({ ...base, text: '' })).toBe('EMPTY_TEXT');
    expect(codeOf({ ...base, sendAt: 'tomorrow' })).toBe('INVALID_FIELD');
    expect(codeOf({ ...base, clientRef: '' })).toBe('INVALID_FIELD');
    expect(codeOf({})).toBe('MISSING_FIELD');
  });
});
