// Issue 15: GET /metrics names accounts in its labels (each one's credit, its traffic). With
// http.metricsApiKeys set (here hashed), neither tenant's key reads it, nor no key at all; the scraper's
// key does, and sees both accounts. Unknown keys there count like on /v1.
import { describe, expect, it } from 'vitest';
import { ALPHA_KEY, BRAVO_KEY, sha256, useTenantGateway } from './tenants.js';

const METRICS_KEY = 'key-scraper-91c0d';

const t = useTenantGateway({
  http: { listen: '127.0.0.1:0', metricsApiKeys: [`sha256:${sha256(METRICS_KEY)}`] },
});

async function scrape(key?: string) {
  const response = await fetch(
    `${t.gw.baseUrl}/metrics`,
    key === undefined ? {} : { headers: { authorization: `Bearer ${key}` } },
  );
  return { status: response.status, text: await response.text() };
}

describe('/metrics with http.metricsApiKeys', () => {
  it("refuses the tenants' keys and no key with 401; the scraper's key reads every account's series", async () => {
    // Both balances read once, so their gauges have series.
    expect((await t.gw.request('GET', '/v1/balance', undefined, ALPHA_KEY)).status).toBe(200);
    expect((await t.gw.request('GET', '/v1/balance', undefined, BRAVO_KEY)).status).toBe(200);
    for (const key of [undefined, ALPHA_KEY, BRAVO_KEY, 'not-a-key']) {
      const refused = await scrape(key);
      expect(refused.status, String(key)).toBe(401);
      expect(JSON.parse(refused.text)).toMatchObject({
        error: { code: 'UNAUTHENTICATED', field: 'Authorization' },
      });
      expect(refused.text).not.toContain('smppgw_credit_balance');
    }
    const scraped = await scrape(METRICS_KEY);
    expect(scraped.status).toBe(200);
    expect(scraped.text).toContain('smppgw_credit_balance{account="alpha"} 1000');
    expect(scraped.text).toContain('smppgw_credit_balance{account="bravo"} 500');
    // Only the key that is nobody's counted as a failure; the tenants' keys are known, on the wrong route.
    expect(scraped.text).toContain('smppgw_auth_failures_total{ingress="http",reason="unknown_key"} 1');
    expect((await fetch(`${t.gw.baseUrl}/healthz`)).status).toBe(200);
  });
});
