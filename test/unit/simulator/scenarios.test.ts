// The scenario engine's decisions, on an injected clock, and the CLI form of scenarios.
import { describe, expect, it } from 'vitest';
import { CommandStatus } from '../../../src/smpp/pdu/index.js';
import { ScenarioEngine, parseScenario, scenarioListSchema } from '../../../src/simulator/scenarios.js';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const actions = (engine: ScenarioEngine, n: number) =>
  Array.from({ length: n }, () => {
    const d = engine.onSubmit();
    return d.action === 'answer' ? (d.status ?? 'ok') : d.action;
  });

describe('ScenarioEngine', () => {
  it('answers everything with rule-decided status when no scenario is active', () => {
    const engine = new ScenarioEngine();
    expect(engine.onSubmit()).toEqual({ action: 'answer', status: undefined, delayMs: 0 });
    expect(engine.onBind()).toBeUndefined();
    expect(engine.ignoresEnquireLink()).toBe(false);
  });

  it('throttle: a sliding one-second window, not a fixed per-second bucket', () => {
    const c = clock();
    const engine = new ScenarioEngine([{ name: 'throttle', maxPerSecond: 3 }], c.now);
    const T = CommandStatus.ESME_RTHROTTLED;
    expect(actions(engine, 2)).toEqual(['ok', 'ok']); // t=0
    c.advance(600);
    expect(actions(engine, 2)).toEqual(['ok', T]); // t=600: 3 in the last second
    c.advance(399);
    expect(actions(engine, 1)).toEqual([T]); // t=999: the two from t=0 still count
    c.advance(1);
    expect(actions(engine, 3)).toEqual(['ok', 'ok', T]); // t=1000: those two expired
    c.advance(600);
    expect(actions(engine, 2)).toEqual(['ok', T]); // t=1600: the one from 600 expired
  });

  it('throttle: rejected submits do not consume the window (no penalty for retries)', () => {
    const c = clock();
    const engine = new ScenarioEngine([{ name: 'throttle', maxPerSecond: 1 }], c.now);
    expect(actions(engine, 50)[0]).toBe('ok');
    c.advance(1000);
    expect(actions(engine, 1)).toEqual(['ok']);
  });

  it('throttle: holds exactly the rate over a long run at twice the rate (window compaction)', () => {
    const c = clock(0);
    const engine = new ScenarioEngine([{ name: 'throttle', maxPerSecond: 1000 }], c.now);
    let ok = 0;
    for (let i = 0; i < 100_000; i++) {
      const d = engine.onSubmit();
      if (d.action === 'answer' && d.status === undefined) ok += 1;
      c.advance(0.5);
    }
    // 50 s at 2000/s offered, 1000/s allowed: the first half of every second passes.
    expect(ok).toBe(50_000);
  });

  it('noResponse: after N, for count submits (or for ever)', () => {
    const limited = new ScenarioEngine([{ name: 'noResponse', afterSubmits: 1, count: 2 }]);
    expect(actions(limited, 5)).toEqual(['ok', 'noResponse', 'noResponse', 'ok', 'ok']);
    const forever = new ScenarioEngine([{ name: 'noResponse' }]);
    expect(actions(forever, 3)).toEqual(['noResponse', 'noResponse', 'noResponse']);
  });

  it('genericNack every N, with a default ESME_RSYSERR status', () => {
    const engine = new ScenarioEngine([{ name: 'genericNack', every: 2 }]);
    expect(actions(engine, 4)).toEqual(['ok', 'genericNack', 'ok', 'genericNack']);
    engine.set([{ name: 'genericNack', every: 1, status: 0x45 }]);
    expect(engine.onSubmit()).toEqual({ action: 'genericNack', status: 0x45, delayMs: 0 });
  });

  it('closeAfter: once by default, every N with repeat', () => {
    const once = new ScenarioEngine([{ name: 'closeAfter', submits: 2 }]);
    expect(actions(once, 6)).toEqual(['ok', 'close', 'ok', 'ok', 'ok', 'ok']);
    const repeat = new ScenarioEngine([{ name: 'closeAfter', submits: 2, repeat: true }]);
    expect(actions(repeat, 6)).toEqual(['ok', 'close', 'ok', 'close', 'ok', 'close']);
  });

  it('badCommandLength: once, on the submit after N, with an impossible length', () => {
    const engine = new ScenarioEngine([{ name: 'badCommandLength', afterSubmits: 2 }]);
    expect(actions(engine, 5)).toEqual(['ok', 'ok', 'badCommandLength', 'ok', 'ok']);
    engine.set([{ name: 'badCommandLength', afterSubmits: 0, commandLength: 0xffffffff }]);
    expect(engine.onSubmit()).toEqual({ action: 'badCommandLength', commandLength: 0xffffffff });
  });

  it('refuseBinds: the first N binds, restarting when scenarios are replaced', () => {
    const engine = new ScenarioEngine([{ name: 'refuseBinds', times: 2 }]);
    expect([engine.onBind(), engine.onBind(), engine.onBind()]).toEqual([
      CommandStatus.ESME_RBINDFAIL,
      CommandStatus.ESME_RBINDFAIL,
      undefined,
    ]);
    engine.set([{ name: 'refuseBinds', times: 1, status: CommandStatus.ESME_RINVSYSID }]);
    expect([engine.onBind(), engine.onBind()]).toEqual([CommandStatus.ESME_RINVSYSID, undefined]);
  });

  it('submitError every N, slowResponse delays, noEnquireLinkResponse', () => {
    const engine = new ScenarioEngine([
      { name: 'submitError', status: 0x14, every: 3 },
      { name: 'slowResponse', delayMs: 250 },
      { name: 'noEnquireLinkResponse' },
    ]);
    expect(actions(engine, 6)).toEqual(['ok', 'ok', 0x14, 'ok', 'ok', 0x14]);
    expect(engine.onSubmit()).toMatchObject({ delayMs: 250 });
    expect(engine.ignoresEnquireLink()).toBe(true);
  });

  it('orders faults: a close wins over silence, silence over throttling', () => {
    const engine = new ScenarioEngine([
      { name: 'throttle', maxPerSecond: 1 },
      { name: 'noResponse', afterSubmits: 2 },
      { name: 'closeAfter', submits: 4 },
    ]);
    expect(actions(engine, 4)).toEqual(['ok', CommandStatus.ESME_RTHROTTLED, 'noResponse', 'close']);
  });
});

describe('parseScenario (CLI form)', () => {
  it.each([
    ['throttle:50', { name: 'throttle', maxPerSecond: 50 }],
    ['noResponse', { name: 'noResponse' }],
    ['noResponse:100,10', { name: 'noResponse', afterSubmits: 100, count: 10 }],
    ['noResponse:count=5', { name: 'noResponse', count: 5 }],
    ['genericNack:5', { name: 'genericNack', every: 5 }],
    ['closeAfter:1000,repeat', { name: 'closeAfter', submits: 1000, repeat: true }],
    ['closeAfter:10', { name: 'closeAfter', submits: 10 }],
    ['badCommandLength:3', { name: 'badCommandLength', afterSubmits: 3 }],
    ['refuseBinds:3', { name: 'refuseBinds', times: 3 }],
    ['refuseBinds:2,ESME_RINVPASWD', { name: 'refuseBinds', times: 2, status: 0x0e }],
    ['submitError:0x58,4', { name: 'submitError', status: 0x58, every: 4 }],
    ['submitError:esme_rsyserr', { name: 'submitError', status: 0x08 }],
    ['slowResponse:200', { name: 'slowResponse', delayMs: 200 }],
    ['noEnquireLinkResponse', { name: 'noEnquireLinkResponse' }],
  ])('%s', (spec, expected) => {
    expect(parseScenario(spec)).toEqual(expected);
  });

  it.each([
    ['explode', /unknown scenario "explode"/],
    ['throttle', /maxPerSecond/],
    ['throttle:0', /maxPerSecond/],
    ['throttle:abc', /maxPerSecond/],
    ['submitError:ESME_NOPE', /not a command_status/],
    ['slowResponse:1,2', /too many arguments/],
    ['noEnquireLinkResponse:1', /too many arguments/],
  ])('refuses %s', (spec, message) => {
    expect(() => parseScenario(spec)).toThrow(message);
  });

  it('validates JSON scenarios (control server) with statuses by name', () => {
    expect(scenarioListSchema.parse([{ name: 'genericNack', every: 2, status: 'ESME_RTHROTTLED' }])).toEqual([
      { name: 'genericNack', every: 2, status: 0x58 },
    ]);
    expect(scenarioListSchema.safeParse([{ name: 'throttle', maxPerSecond: 5, extra: 1 }]).success).toBe(
      false,
    );
    expect(scenarioListSchema.safeParse([{ name: 'nope' }]).success).toBe(false);
  });
});
