// Issue 7: the auto-responder answers an ordinary reply once per interval, never a STOP (which gets only its
// confirmation), and never an originator that is a short code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, type TestGateway } from '../../helpers/gateway.js';
import { moEvents, SHORT_CODE, startMoGateway, submitsTo, submitText } from '../../helpers/mo.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';

const AUTO = 'Merci ! Ce numéro ne lit pas les réponses. Aide : AIDE';
let redis: TestRedis;
let gw: TestGateway;

beforeAll(async () => {
  redis = await startTestRedis();
  gw = await startMoGateway(redis, {
    shortCode: { autoResponder: { enabled: true, text: AUTO, intervalMinutes: 60 } },
  });
});

afterAll(async () => {
  await gw?.stop();
  await redis?.stop();
});

const settle = () => new Promise((resolve) => setTimeout(resolve, 400));

describe('auto-responder', () => {
  it('answers an ordinary reply once, and not a second time within the interval', async () => {
    const number = '33612345601';
    await gw.gateway.simulator!.injectMo({ from: number, to: SHORT_CODE, text: 'Oui, je viens demain' });
    const [first] = await waitFor(() => {
      const found = submitsTo(gw, number);
      return found.length > 0 ? found : undefined;
    });
    expect(first!.sourceAddr).toBe(SHORT_CODE);
    expect(submitText(first!)).toBe(AUTO);

    await gw.gateway.simulator!.injectMo({ from: number, to: SHORT_CODE, text: 'Et à quelle heure ?' });
    await settle();
    expect(submitsTo(gw, number)).toHaveLength(1);
    expect((await moEvents(redis, gw, `+${number}`)).map((e) => e.route)).toEqual(['default', 'default']);
  });

  it('does not answer a STOP: it gets only the opt-out confirmation', async () => {
    const number = '33612345602';
    await gw.gateway.simulator!.injectMo({ from: number, to: SHORT_CODE, text: 'STOP' });
    await waitFor(() => (submitsTo(gw, number).length > 0 ? true : undefined));
    await settle();
    expect(submitsTo(gw, number).map(submitText)).toEqual([gw.gateway.config.keywords.stopReply]);
  });

  it('never answers a short-code originator (no loop between two auto-responders)', async () => {
    await gw.gateway.simulator!.injectMo({ from: '38000', to: SHORT_CODE, text: 'Message automatique' });
    await settle();
    expect(gw.gateway.simulator!.submits.filter((s) => s.destinationAddr === '38000')).toHaveLength(0);
    expect(await moEvents(redis, gw, '38000')).toHaveLength(1);
  });

  it('counts answered ordinary MO under the autoresponder route', async () => {
    expect(await gw.gateway.metrics.render()).toMatch(/smppgw_mo_total\{route="autoresponder"\} 1/);
  });
});
