// Each named fault scenario over real TCP, as the gateway's session tests will meet it.
import { describe, expect, it, vi } from 'vitest';
import { CommandStatus, type Pdu } from '../../../src/smpp/pdu/index.js';
import { bound, connect, sleep, startSimulator } from './harness.js';

const msg = (i: number) => ({ destinationAddr: '33600000000', shortMessage: Buffer.from(`m${i}`) });

describe('throttle', () => {
  it('lets exactly maxPerSecond through a burst, shared across sessions, the rest ESME_RTHROTTLED', async () => {
    const sim = await startSimulator({
      receipts: false,
      scenarios: [{ name: 'throttle', maxPerSecond: 20 }],
    });
    const a = await bound(sim, 'transmitter');
    const b = await bound(sim, 'transceiver');
    const resps = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).submit(msg(i))));
    const ok = resps.filter((r) => r.commandStatus === 0).length;
    const throttled = resps.filter((r) => r.commandStatus === CommandStatus.ESME_RTHROTTLED).length;
    expect([ok, throttled]).toEqual([20, 40]);
    expect(sim.counters()).toMatchObject({ submitsOk: 20, submitsThrottled: 40 });
    expect(sim.submits.filter((s) => s.outcome === 'throttled' && s.messageId === null)).toHaveLength(40);
  });

  it('holds the rate in every sliding second of a sustained run', async () => {
    const sim = await startSimulator({
      receipts: false,
      scenarios: [{ name: 'throttle', maxPerSecond: 25 }],
    });
    const client = await bound(sim);
    const started = Date.now();
    let i = 0;
    while (Date.now() - started < 2_300) {
      await Promise.all([client.submit(msg(i++)), client.submit(msg(i++))]);
      await sleep(5);
    }
    const accepted = sim.submits.filter((s) => s.outcome === 'ok').map((s) => s.receivedAt);
    for (const t of accepted) {
      expect(accepted.filter((u) => u > t - 1000 && u <= t).length).toBeLessThanOrEqual(25);
    }
    // Three windows opened during the run: the limit was also reached, not merely respected.
    expect(accepted.length).toBeGreaterThanOrEqual(50);
    expect(accepted.length).toBeLessThanOrEqual(75);
    expect(sim.counters().submitsThrottled).toBeGreaterThan(0);
  });
});

describe('noResponse', () => {
  it('records but never answers `count` submits after `afterSubmits`', async () => {
    const sim = await startSimulator({
      receipts: false,
      scenarios: [{ name: 'noResponse', afterSubmits: 2, count: 3 }],
    });
    const client = await bound(sim, 'transceiver', {}, { timeoutMs: 300 });
    const results = [];
    for (let i = 1; i <= 6; i++) {
      results.push(
        await client.submit(msg(i)).then(
          (r) => r.commandStatus,
          () => 'timeout',
        ),
      );
    }
    expect(results).toEqual([0, 0, 'timeout', 'timeout', 'timeout', 0]);
    expect(sim.submits.map((s) => s.outcome)).toEqual([
      'ok',
      'ok',
      'noResponse',
      'noResponse',
      'noResponse',
      'ok',
    ]);
    expect(sim.submits[2]).toMatchObject({ messageId: null, status: -1 });
    expect(sim.counters().submitsUnanswered).toBe(3);
  });
});

describe('genericNack', () => {
  it('answers every Nth submit with generic_nack on its sequence number', async () => {
    const sim = await startSimulator({ receipts: false, scenarios: [{ name: 'genericNack', every: 3 }] });
    const client = await bound(sim);
    const resps: Pdu[] = [];
    for (let i = 1; i <= 7; i++) resps.push(await client.submit(msg(i)));
    expect(resps.map((r) => r.command)).toEqual([
      'submit_sm_resp',
      'submit_sm_resp',
      'generic_nack',
      'submit_sm_resp',
      'submit_sm_resp',
      'generic_nack',
      'submit_sm_resp',
    ]);
    expect(resps[2]?.commandStatus).toBe(CommandStatus.ESME_RSYSERR);
    expect(sim.counters().genericNacks).toBe(2);
  });
});

describe('closeAfter', () => {
  it('records the Nth submit, leaves it unanswered and drops the connection, every N with repeat', async () => {
    const sim = await startSimulator({
      receipts: false,
      scenarios: [{ name: 'closeAfter', submits: 3, repeat: true }],
    });
    const statuses: Array<number | string> = [];
    for (let round = 0; round < 2; round++) {
      const client = await bound(sim);
      for (let i = 0; i < 3; i++) {
        statuses.push(
          await client.submit(msg(i)).then(
            (r) => r.commandStatus,
            () => 'lost',
          ),
        );
      }
      await client.waitClosed();
    }
    expect(statuses).toEqual([0, 0, 'lost', 0, 0, 'lost']);
    expect(sim.submits.map((s) => s.outcome)).toEqual(['ok', 'ok', 'closed', 'ok', 'ok', 'closed']);
    expect(sim.counters()).toMatchObject({ submits: 6, scenarioCloses: 2, submitsUnanswered: 2 });
  });

  it('counts submits across sessions, and fires once without repeat', async () => {
    const sim = await startSimulator({ receipts: false, scenarios: [{ name: 'closeAfter', submits: 2 }] });
    const a = await bound(sim);
    const b = await bound(sim);
    expect((await a.submit(msg(1))).commandStatus).toBe(0);
    await expect(b.submit(msg(2))).rejects.toThrow(/closed/);
    await b.waitClosed();
    expect(a.isClosed).toBe(false);
    for (let i = 3; i <= 6; i++) expect((await a.submit(msg(i))).commandStatus).toBe(0);
    expect(sim.counters().scenarioCloses).toBe(1);
  });
});

describe('badCommandLength', () => {
  it('answers the submit after N with an impossible command_length header, once', async () => {
    const sim = await startSimulator({
      receipts: false,
      scenarios: [{ name: 'badCommandLength', afterSubmits: 2 }],
    });
    const client = await bound(sim);
    expect((await client.submit(msg(1))).commandStatus).toBe(0);
    expect((await client.submit(msg(2))).commandStatus).toBe(0);
    await expect(client.submit(msg(3))).rejects.toThrow();
    await client.waitClosed();
    expect(client.frameError).toMatchObject({ code: 'PDU_LENGTH_INVALID', recoverable: false });
    expect(client.frameError?.message).toMatch(/command_length 8 /);
    const next = await bound(sim);
    expect((await next.submit(msg(4))).commandStatus).toBe(0);
    expect(sim.counters()).toMatchObject({ badLengthsWritten: 1, submitsUnanswered: 1 });
  });
});

describe('refuseBinds', () => {
  it('refuses the first three binds with ESME_RBINDFAIL, then accepts', async () => {
    const sim = await startSimulator({ scenarios: [{ name: 'refuseBinds', times: 3 }] });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const client = await connect(sim);
      statuses.push((await client.bind('transceiver')).commandStatus);
    }
    const r = CommandStatus.ESME_RBINDFAIL;
    expect(statuses).toEqual([r, r, r, 0]);
    expect(sim.counters()).toMatchObject({ bindsRefused: 3, binds: 1 });
  });

  it('uses the given status', async () => {
    const sim = await startSimulator({
      scenarios: [{ name: 'refuseBinds', times: 1, status: CommandStatus.ESME_RINVPASWD }],
    });
    const client = await connect(sim);
    expect((await client.bind('transmitter')).commandStatus).toBe(CommandStatus.ESME_RINVPASWD);
  });
});

describe('submitError, slowResponse, noEnquireLinkResponse', () => {
  it('submitError answers every Nth submit with the status and no message id', async () => {
    const sim = await startSimulator({
      receipts: false,
      scenarios: [{ name: 'submitError', status: CommandStatus.ESME_RMSGQFUL, every: 2 }],
    });
    const client = await bound(sim);
    const statuses = [];
    for (let i = 1; i <= 4; i++) statuses.push((await client.submit(msg(i))).commandStatus);
    const q = CommandStatus.ESME_RMSGQFUL;
    expect(statuses).toEqual([0, q, 0, q]);
    expect(sim.counters()).toMatchObject({ submitsOk: 2, submitsFailed: 2 });
  });

  it('slowResponse delays every submit_sm_resp', async () => {
    const sim = await startSimulator({
      receipts: false,
      scenarios: [{ name: 'slowResponse', delayMs: 150 }],
    });
    const client = await bound(sim);
    const started = Date.now();
    const resps = await Promise.all([client.submit(msg(1)), client.submit(msg(2))]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(resps.every((r) => r.commandStatus === 0)).toBe(true);
  });

  it('noEnquireLinkResponse ignores enquire_link but still serves submits', async () => {
    const sim = await startSimulator({ receipts: false, scenarios: [{ name: 'noEnquireLinkResponse' }] });
    const client = await bound(sim);
    await expect(client.request('enquire_link', {}, { timeoutMs: 200 })).rejects.toThrow(/no response/);
    expect((await client.submit(msg(1))).commandStatus).toBe(0);
    expect(sim.counters()).toMatchObject({ enquireLinks: 1, enquireLinksIgnored: 1 });
  });
});

describe('setScenarios', () => {
  it('replaces the scenarios at run time and restarts their counts', async () => {
    const sim = await startSimulator({ receipts: false });
    const client = await bound(sim);
    expect((await client.submit(msg(1))).commandStatus).toBe(0);
    sim.setScenarios([{ name: 'submitError', status: CommandStatus.ESME_RSYSERR }]);
    expect((await client.submit(msg(2))).commandStatus).toBe(CommandStatus.ESME_RSYSERR);
    sim.setScenarios([{ name: 'genericNack', every: 2 }]);
    expect((await client.submit(msg(3))).command).toBe('submit_sm_resp');
    expect((await client.submit(msg(4))).command).toBe('generic_nack');
    sim.setScenarios([]);
    expect((await client.submit(msg(5))).commandStatus).toBe(0);
    expect(sim.scenarios()).toEqual([]);
  });

  it('combines scenarios: refused binds and a slow, throttled link', async () => {
    const sim = await startSimulator({
      receipts: false,
      scenarios: [
        { name: 'refuseBinds', times: 1 },
        { name: 'throttle', maxPerSecond: 2 },
        { name: 'slowResponse', delayMs: 50 },
      ],
    });
    const refused = await connect(sim);
    expect((await refused.bind('transceiver')).commandStatus).toBe(CommandStatus.ESME_RBINDFAIL);
    const client = await bound(sim);
    const statuses = (await Promise.all([1, 2, 3].map((i) => client.submit(msg(i))))).map(
      (r) => r.commandStatus,
    );
    expect(statuses.sort()).toEqual([0, 0, CommandStatus.ESME_RTHROTTLED]);
    await vi.waitFor(() => expect(sim.counters().submitsThrottled).toBe(1));
  });
});
