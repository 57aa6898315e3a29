// Issue 7: webhook signatures and back-off.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhookBody, verifyWebhookSignature, webhookBackoffMs } from '../../../src/api/webhooks.js';

describe('webhook signature', () => {
  it('is sha256=<hex HMAC-SHA256 of the raw body>', () => {
    const body = '{"event":"mo","text":"été"}';
    const hex = createHmac('sha256', 's3cret').update(body).digest('hex');
    expect(signWebhookBody(body, 's3cret')).toBe(`sha256=${hex}`);
    expect(verifyWebhookSignature(body, 's3cret', `sha256=${hex}`)).toBe(true);
    expect(verifyWebhookSignature(`${body} `, 's3cret', `sha256=${hex}`)).toBe(false);
    expect(verifyWebhookSignature(body, 'other', `sha256=${hex}`)).toBe(false);
    expect(verifyWebhookSignature(body, 's3cret', undefined)).toBe(false);
  });
});

describe('webhookBackoffMs', () => {
  it('starts at the initial delay, doubles, and stops at the maximum', () => {
    const options = { retryInitialMs: 1000, retryMaxMs: 300_000 };
    expect([1, 2, 3, 4, 9, 10, 50, 1000].map((n) => webhookBackoffMs(n, options))).toEqual([
      1000, 2000, 4000, 8000, 256_000, 300_000, 300_000, 300_000,
    ]);
  });
});
