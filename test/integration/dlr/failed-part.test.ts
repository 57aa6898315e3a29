// A three-part message through the whole gateway whose first part's receipt says UNDELIV while the SMSC has
// not yet answered the other two: the message ends `error` (stage receipt, UNDELIV) at that receipt, not
// once every part is accepted, and stays so when the other parts are accepted and their receipts come.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSUMER_GROUP } from '../../../src/store/index.js';
import { startTestGateway, waitFor } from '../../helpers/gateway.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.stop();
});

interface View {
  state: string;
  error?: { stage: string; code: string };
  parts: Array<{ smscMessageId?: string }>;
  history: Array<{ state: string }>;
}

describe('a failed receipt for one part of three', () => {
  it('ends the message in error while the other parts are still unanswered, and it stays in error', async () => {
    const gw = await startTestGateway(redis, {
      // Parts 2 and 3 get no submit_sm_resp the first time: resent after 1.5 s, answered then.
      operator: { responseTimeoutMs: 1500, window: 3 },
    });
    try {
      const sim = gw.gateway.simulator!;
      sim.setRules([{ prefix: '33612345690', stat: 'UNDELIV', receiptDelayMs: 20 }]);
      sim.setScenarios([{ name: 'noResponse', afterSubmits: 1, count: 2 }]);
      const created = await gw.request('POST', '/v1/messages', {
        to: '+33612345690',
        from: 'ACME',
        text: 'x'.repeat(400),
        class: 'transactional',
      });
      expect(created.json.segments).toBe(3);
      const id = String(created.json.id);
      const get = async () => (await gw.request('GET', `/v1/messages/${id}`)).json as unknown as View;
      const failed = await waitFor(
        async () => {
          const view = await get();
          return view.state !== 'queued' && view.state !== 'sending' ? view : undefined;
        },
        10_000,
        'the message to leave sending',
      );
      expect(failed.state).toBe('error');
      expect(failed.error).toMatchObject({ stage: 'receipt', code: 'UNDELIV' });
      // At that moment only one part was accepted: the others were still waiting for their answer.
      expect(failed.parts.filter((p) => p.smscMessageId).length).toBe(1);

      // The other two are resent, accepted, and their receipts come: the message stays in error.
      const settled = await waitFor(
        async () => {
          const view = await get();
          return view.parts.every((p) => p.smscMessageId) ? view : undefined;
        },
        10_000,
        'every part accepted',
      );
      expect(settled.state).toBe('error');
      expect(settled.history.map((h) => h.state)).toEqual(['queued', 'sending', 'error']);
      // Its stream entry was acknowledged with the last part (not left for the lease to reclaim).
      const keys = gw.gateway.store.keys;
      const pending = (await redis.client.xpending(keys.stream('sim', 'transactional'), CONSUMER_GROUP)) as [
        number,
      ];
      expect(pending[0]).toBe(0);
      const figures = await gw.gateway.store.messages.figures('acme');
      expect(figures).toMatchObject({ deliveryErrors: 1, confirmed: 0, errorsByCode: { UNDELIV: 1 } });
    } finally {
      await gw.stop();
    }
  }, 30_000);
});
