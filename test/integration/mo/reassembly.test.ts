// Issue 7: concatenated MO reassembled in Redis — in any order, exactly, UCS-2 included; an incomplete one
// delivered flagged when its time runs out; and a daemon killed (-9) between parts loses nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmscSimulator } from '../../../src/simulator/index.js';
import { startDaemonChild, type DaemonChild } from '../../helpers/daemon.js';
import { waitFor, type TestGateway } from '../../helpers/gateway.js';
import { keysOf, moEvents, SHORT_CODE, startMoGateway } from '../../helpers/mo.js';
import { redisSection, testKeys, startTestRedis, uniquePrefix, type TestRedis } from '../../helpers/redis.js';

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
    // The marker: one part of another MO, sent after it, delivered incomplete when its time (1 s) runs out;
    // a new message made of the repeated part would have timed out first.
    await sim.injectMo({ from, to: SHORT_CODE, text: LONG_GSM, reference: 100, partOrder: [1] });
    const after = await waitFor(
      async () => {
        const list = await moEvents(redis, gw, `+${from}`);
        return list.some((e) => e.incomplete === 'true') ? list : undefined;
      },
      10_000,
      'the marker, incomplete',
    );
    expect(after.map((e) => e.incomplete)).toEqual(['false', 'true']);
  });
});

describe('MO reassembly across a crash', () => {
  // The gateway answers a part's deliver_sm only once the part is in Redis: a daemon killed with -9 right
  // after that answer has lost nothing, and the instance that receives the other parts completes the MO.
  it('loses nothing when the daemon is killed (-9) between the parts of an MO', async () => {
    const redis2 = await startTestRedis();
    const sim = new SmscSimulator({ port: 0, receipts: false });
    const { port } = await sim.start();
    const dir = mkdtempSync(join(tmpdir(), 'smppgw-mo-kill-'));
    const prefix = uniquePrefix('mo-kill');
    const config = {
      log: { level: 'warn' },
      redis: { ...redisSection(redis2), keyPrefix: prefix },
      http: { listen: '127.0.0.1:0' },
      accounts: [{ id: 'acme', apiKeys: ['k'], senders: ['ACME', SHORT_CODE] }],
      operators: [
        {
          id: 'sim',
          host: '127.0.0.1',
          port,
          systemId: 'gateway',
          password: 'secret',
          receipts: false,
          reconnect: { initialMs: 100, maxMs: 500, bindRefusedMinMs: 500 },
        },
      ],
      shortCodes: [{ code: SHORT_CODE, account: 'acme', operator: 'sim' }],
      mo: { reassemblyTimeoutSeconds: 300, sweepIntervalMs: 100 },
      queue: { bindLeaseMs: 1500 },
    };
    const bound = () => sim.sessions().filter((x) => x.state === 'bound');
    const daemons: DaemonChild[] = [];
    try {
      const first = startDaemonChild(dir, 'first', config);
      daemons.push(first);
      await waitFor(() => (bound().length === 1 ? true : undefined), 30_000, 'the first daemon to bind');
      const from = '33612345708';
      const part1 = await sim.injectMo({
        from,
        to: SHORT_CODE,
        text: LONG_GSM,
        reference: 42,
        partOrder: [1],
      });
      expect(part1.parts[0]!.commandStatus).toBe(0);
      await first.crash();
      await waitFor(() => (bound().length === 0 ? true : undefined), 5_000, 'the dead session to close');

      // The second instance, a new process, gets the other two parts.
      const second = startDaemonChild(dir, 'second', config);
      daemons.push(second);
      await waitFor(() => (bound().length === 1 ? true : undefined), 30_000, 'the second daemon to bind');
      const rest = await sim.injectMo({
        from,
        to: SHORT_CODE,
        text: LONG_GSM,
        reference: 42,
        partOrder: [3, 2],
      });
      expect(rest.parts.map((p) => p.commandStatus)).toEqual([0, 0]);
      const events = async () => {
        const out: Array<Record<string, string>> = [];
        for (const [, flat] of await redis2.client.xrange(testKeys(prefix).events('acme'), '-', '+')) {
          const fields: Record<string, string> = {};
          for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
          if (fields.type === 'mo') out.push(fields);
        }
        return out;
      };
      // The marker: a one-part MO sent after them, from another number, delivered after the reassembled one.
      await sim.injectMo({ from: '33612345709', to: SHORT_CODE, text: 'marker' });
      const all = await waitFor(
        async () => {
          const list = await events();
          return list.some((e) => e.text === 'marker') ? list : undefined;
        },
        10_000,
        'the marker MO',
      );
      const mine = all.filter((e) => e.from === `+${from}`);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({ text: LONG_GSM, incomplete: 'false' });
      expect(all.map((e) => e.text)).toEqual([LONG_GSM, 'marker']);
    } finally {
      for (const d of daemons) await d.crash();
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
      await redis2.stop();
    }
  }, 90_000);
});
