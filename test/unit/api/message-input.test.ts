import { describe, expect, it } from 'vitest';
import { ApiError, validateMessage } from '../../../src/api/index.js';
import type { AccountConfig } from '../../../src/config/index.js';

const account = { id: 'acme', senders: ['ACME'] } as unknown as AccountConfig;
const valid = { to: '+33612345678', from: 'ACME', text: 'Bonjour', class: 'transactional' };

function refusal(body: Record<string, unknown>): { code: string; field?: string } | undefined {
  try {
    validateMessage(body, account, { now: Date.now() });
    return undefined;
  } catch (error) {
    if (error instanceof ApiError) return { code: error.code, field: error.field };
    throw error;
  }
}

describe('validateMessage: clientRef and campaignId', () => {
  it.each(['clientRef', 'campaignId'])(
    '%s: printable text passes, any control character is refused by name',
    (field) => {
      expect(refusal({ ...valid, [field]: 'order-1234 été ✅' })).toBeUndefined();
      for (const control of ['\t', '\n', '\r', '\u0000', '\u001f', '\u007f']) {
        expect(refusal({ ...valid, [field]: `a${control}b` }), JSON.stringify(control)).toEqual({
          code: 'INVALID_FIELD',
          field,
        });
      }
      expect(refusal({ ...valid, [field]: 'x'.repeat(129) })).toEqual({ code: 'INVALID_FIELD', field });
    },
  );
});
