// Issue 7: concatenated MO reassembled in Redis — in any order, exactly, UCS-2 included; an incomplete one
// delivered flagged when its time runs out; and a gateway restart between parts loses nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, type TestGateway } from '../../helpers/gateway.js';
import { keysOf, moEvents, restartMoGateway, SHORT_CODE, startMoGateway } from '../../helpers/mo.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';

const LONG_GSM =
  'Bonjour, je confirme ma présence au rendez-vous de jeudi prochain à 14h30 au cabinet de la rue ' +
  'Victor Hugo. Pourriez-vous me rappeler les documents à apporter ? Je voudrais aussi savoir si le parking ' +
  'est accessible aux visiteurs, et combien de temps dure la consultation. Merci beaucoup et à jeudi ! ' +
  'Bonne journée, Claire.';

let redis: TestRedis;
let gw: TestGateway;

beforeAll(async () => {
  redis = await startTestRedis();
  gw = await startMoGateway(redis, { mo: { reassemblyTimeoutSeconds: 1, sweepIntervalMs: 100 } });
});

afterAll(async () => {
  await gw?.stop();
  await redis?.stop();
});

describe('MO reassembly', () => {
  it('reassembles a three-part MO delivered in the order 3, 1, 2 exactly', async () => {
    expect(LONG_GSM.length).toBeGreaterThan(306);
    expect(LONG_GSM.length).toBeLessThanOrEqual(459);
    const from = '33612345701';
    const result = await gw.gateway.simulator!.injectMo({
      from,
      to: SHORT_CODE,
      text: LONG_GSM,
      partOrder: [3, 1, 2],
    });
    expect(result.parts.map((p) => [p.partNumber, p.commandStatus])).toEqual([
      [3, 0],
      [1, 0],
      [2, 0],
    ]);
    const events = await moEvents(redis, gw, `+${from}`);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ text: LONG_GSM, incomplete: 'false', parts: '3/3', encoding: 'gsm7' });
  });

  it.each(['udh16', 'sar'] as const)('reassembles %s concatenation too', async (concatenation) => {
    const from = concatenation === 'sar' ? '33612345702' : '33612345703';
    await gw.gateway.simulator!.injectMo({
      from,
      to: SHORT_CODE,
      text: LONG_GSM,
      concatenation,
      partOrder: [2, 3, 1],
    });
    const events = await moEvents(redis, gw, `+${from}`);
    expect(events.map((e) => e.text)).toEqual([LONG_GSM]);
  });

  it('keeps a UCS-2 MO with an emoji exact, single part and concatenated', async () => {
    const short = 'Merci 😀 à demain';
    const long = `Réponse 😀 : ${'à bientôt, 🎉 '.repeat(12)}fin`;
    await gw.gateway.simulator!.injectMo({ from: '33612345704', to: SHORT_CODE, text: short });
    await gw.gateway.simulator!.injectMo({
      from: '33612345705',
      to: SHORT_CODE,
      text: long,
      partOrder: [2, 1, 3],
    });
    const [one] = await moEvents(redis, gw, '+33612345704');
    expect(one).toMatchObject({ text: short, encoding: 'ucs2' });
    const [many] = await moEvents(redis, gw, '+33612345705');
    expect(many).toMatchObject({ text: long, encoding: 'ucs2', parts: '3/3' });
  });

  it('delivers one message flagged incomplete when a part is still missing past the timeout', async () => {
    const from = '33612345706';
    await gw.gateway.simulator!.injectMo({ from, to: SHORT_CODE, text: LONG_GSM, partOrder: [1, 3] });
    expect(await moEvents(redis, gw, `+${from}`)).toHaveLength(0);
    const [event] = await waitFor(
      async () => {
        const events = await moEvents(redis, gw, `+${from}`);
        return events.length > 0 ? events : undefined;
      },
      5000,
      'the incomplete MO',
    );
    expect(event).toMatchObject({ incomplete: 'true', parts: '2/3', missing: '2', route: 'default' });
    expect(LONG_GSM.startsWith(event!.text!.slice(0, 153))).toBe(true);
    expect(LONG_GSM.endsWith(event!.text!.slice(153))).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await moEvents(redis, gw, `+${from}`)).toHaveLength(1);
    expect(await redis.client.zcard(keysOf(gw).moPending('sim'))).toBe(0);
  });

  it('ignores a part the SMSC sends again: the message is delivered once', async () => {
    const from = '33612345707';
    const sim = gw.gateway.simulator!;
    await sim.injectMo({ from, to: SHORT_CODE, text: LONG_GSM, reference: 99, partOrder: [1, 1, 2, 3] });
    const events = await moEvents(redis, gw, `+${from}`);
    expect(events.map((e) => e.text)).toEqual([LONG_GSM]);
    // And again after completion (a lost deliver_sm_resp): not a new, incomplete message.
    await sim.injectMo({ from, to: SHORT_CODE, text: LONG_GSM, reference: 99, partOrder: [3] });
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect(await moEvents(redis, gw, `+${from}`)).toHaveLength(1);
  });
});

describe('MO reassembly across a restart', () => {
  it('loses nothing when the gateway stops between the parts of an MO', async () => {
    const redis2 = await startTestRedis();
    let first: TestGateway | undefined = await startMoGateway(redis2);
    let second: TestGateway | undefined;
    try {
      const from = '33612345708';
      const part1 = await first.gateway.simulator!.injectMo({
        from,
        to: SHORT_CODE,
        text: LONG_GSM,
        reference: 42,
        partOrder: [1],
      });
      expect(part1.parts[0]!.commandStatus).toBe(0);
      await first.stop();
      second = await restartMoGateway(redis2, first);
      first = undefined;
      await second.gateway.simulator!.injectMo({
        from,
        to: SHORT_CODE,
        text: LONG_GSM,
        reference: 42,
        partOrder: [3, 2],
      });
      const events = await moEvents(redis2, second, `+${from}`);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ text: LONG_GSM, incomplete: 'false' });
    } finally {
      await first?.stop();
      await second?.stop();
      await redis2.stop();
    }
  });
});
