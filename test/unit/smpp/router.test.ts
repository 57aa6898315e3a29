import { describe, expect, it } from 'vitest';
import { Router } from '../../../src/smpp/router.js';

describe('Router', () => {
  const router = new Router(
    [
      { prefix: '+33', operator: 'fr' },
      { prefix: '+336', operator: 'fr-mobile' },
      { prefix: '+3375', operator: 'fr-mvno' },
      { prefix: '', operator: 'fallback' },
    ],
    [{ code: '36180', account: 'acme', operator: 'sc-owner' }],
  );

  it.each([
    ['+33612345678', 'fr-mobile'],
    ['+33751234567', 'fr-mvno'],
    ['+33123456789', 'fr'],
    ['+447700900123', 'fallback'],
    ['33612345678', 'fr-mobile'],
  ])('routes %s to %s by the longest prefix', (destination, operator) => {
    expect(router.operatorFor(destination)).toBe(operator);
  });

  it("a short code sender goes through the short code's operator", () => {
    expect(router.operatorFor('+33612345678', '36180')).toBe('sc-owner');
    expect(router.operatorFor('+33612345678', '+36180')).toBe('sc-owner');
    expect(router.operatorFor('+33612345678', 'ACME')).toBe('fr-mobile');
  });

  it('without a fallback an unmatched destination has no operator', () => {
    const strict = new Router([{ prefix: '+33', operator: 'fr' }]);
    expect(strict.operatorFor('+447700900123')).toBeUndefined();
  });

  it('does not depend on the order of the routes', () => {
    const reversed = new Router([
      { prefix: '', operator: 'fallback' },
      { prefix: '+336', operator: 'fr-mobile' },
      { prefix: '+33', operator: 'fr' },
    ]);
    expect(reversed.operatorFor('+33612345678')).toBe('fr-mobile');
  });
});
