// BindManager over the in-memory FakeSmsc under fake timers: slots, dispatch, reconnect, leases, shutdown.
import { pino, type Logger } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GatewayMetrics } from '../../../src/metrics/index.js';
import { BindManager, type BindManagerDeps } from '../../../src/smpp/bind-manager.js';
import { CommandStatus, type Pdu } from '../../../src/smpp/pdu/index.js';
import type { BindLeaseProvider, SubmitResult } from '../../../src/smpp/types.js';
import { FakeSmsc, testOperator, testSegment } from '../../helpers/fake-smsc.js';

const realSetImmediate = setImmediate;
const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => realSetImmediate(resolve));
};
const advance = async (ms: number): Promise<void> => {
  await vi.advanceTimersByTimeAsync(ms);
  await flush();
};

interface LogLine {
  level: number;
  msg: string;
  failure?: string;
  delayMs?: number;
}

function captureLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => lines.push(JSON.parse(line) as LogLine) },
  );
  return { logger, lines };
}

let fake: FakeSmsc;
let managers: BindManager[];

function makeManager(
  overrides: Record<string, unknown> = {},
  deps: Partial<BindManagerDeps> = {},
): BindManager {
  const manager = new BindManager(testOperator(overrides), {
    logger: pino({ level: 'silent' }),
    onDeliver: async () => 0,
    transport: fake.connector(),
    jitter: 'none',
    ...deps,
  });
  managers.push(manager);
  return manager;
}

beforeEach(() => {
  vi.useFakeTimers();
  fake = new FakeSmsc();
  managers = [];
});

afterEach(async () => {
  await Promise.all(managers.map((m) => m.stop({ drainTimeoutMs: 0 })));
  await advance(10_000);
  vi.useRealTimers();
});

describe('BindManager slots', () => {
  it('opens `binds` sessions, and a transmitter + receiver per slot in pair mode', async () => {
    const manager = makeManager({ binds: 2, bindMode: 'pair' });
    const bindIds: string[] = [];
    manager.on('state', ({ bindId, to }) => to === 'bound' && bindIds.push(bindId));
    manager.start();
    await flush();
    expect(fake.connections.map((c) => c.bindCommand).sort()).toEqual([
      'bind_receiver',
      'bind_receiver',
      'bind_transmitter',
      'bind_transmitter',
    ]);
    expect(bindIds.sort()).toEqual(['op-0-rx', 'op-0-tx', 'op-1-rx', 'op-1-tx']);
    expect(manager.boundCount()).toBe(4);
    expect(manager.transmitCapacity()).toBe(20); // two transmitters, window 10
  });

  it('whenBound resolves true on the first bind and false after its timeout, leaving no timer', async () => {
    fake.onRequest = (pdu) => pdu.command === 'bind_transceiver'; // never answer
    const manager = makeManager({ bindTimeoutMs: 60_000 });
    manager.start();
    const pending = manager.whenBound(500);
    await advance(500);
    expect(await pending).toBe(false);

    const ok = makeManager({ bindTimeoutMs: 60_000 });
    fake.onRequest = undefined;
    const bound = ok.whenBound(5000);
    ok.start();
    await flush();
    expect(await bound).toBe(true);
  });
});

describe('BindManager dispatch', () => {
  it('spreads submits over the binds, least loaded first', async () => {
    fake.behaviour.submit = 'hang';
    const manager = makeManager({ binds: 3, window: 2, responseTimeoutMs: 60_000 });
    manager.start();
    await flush();
    for (let i = 0; i < 6; i++) void manager.submit(testSegment());
    await flush();
    expect(fake.connections.map((c) => c.commands('submit_sm').length)).toEqual([2, 2, 2]);
    expect(manager.transmitCapacity()).toBe(0);
  });

  it('waits for a bound session, then sends in FIFO order', async () => {
    const manager = makeManager({ window: 1 });
    const results = Array.from({ length: 5 }, (_, i) => manager.submit(testSegment('x', `3361234567${i}`)));
    expect(manager.waiting()).toBe(5);
    manager.start();
    await flush();
    expect((await Promise.all(results)).map((r) => r.outcome)).toEqual(Array(5).fill('ok'));
    const order = fake.received
      .filter((p): p is Pdu<'submit_sm'> => p.command === 'submit_sm')
      .map((p) => p.body.destinationAddr);
    expect(order).toEqual(['33612345670', '33612345671', '33612345672', '33612345673', '33612345674']);
  });

  it('an aborted wait resolves disconnected and leaves the queue', async () => {
    const manager = makeManager();
    const controller = new AbortController();
    const result = manager.submit(testSegment(), { signal: controller.signal });
    controller.abort();
    expect(await result).toEqual({ outcome: 'disconnected' });
    expect(manager.waiting()).toBe(0);
    expect(await manager.submit(testSegment(), { signal: controller.signal })).toEqual({
      outcome: 'disconnected',
    });
  });

  it('forwards throttled events, emits submitResult, and a paused bind offers no capacity', async () => {
    fake.behaviour.submit = () => ({ status: CommandStatus.ESME_RTHROTTLED });
    const metrics = new GatewayMetrics({ defaultMetrics: false });
    const manager = makeManager({ window: 4 }, { metrics });
    const throttled: number[] = [];
    const results: SubmitResult[] = [];
    manager.on('throttled', ({ pauseMs }) => throttled.push(pauseMs));
    manager.on('submitResult', (r) => results.push(r));
    manager.start();
    await flush();
    const result = manager.submit(testSegment());
    await flush();
    expect(await result).toMatchObject({ outcome: 'throttle' });
    expect(throttled).toEqual([1000]);
    expect(results).toHaveLength(1);
    expect(manager.transmitCapacity()).toBe(0);
    // The next submit waits for the pause to end.
    fake.behaviour.submit = 'ok';
    const next = manager.submit(testSegment());
    await advance(999);
    expect(fake.last?.commands('submit_sm')).toHaveLength(1);
    await advance(1);
    expect((await next).outcome).toBe('ok');
    const submits = await metrics.registry.getSingleMetricAsString('smppgw_submits_total');
    expect(submits).toContain('result="throttled"} 1');
    expect(submits).toContain('result="ok"} 1');
  });
});

describe('BindManager listeners', () => {
  it('a listener that throws breaks neither the submit nor the session', async () => {
    const manager = makeManager();
    manager.on('submitResult', () => {
      throw new Error('app bug');
    });
    manager.on('state', () => {
      throw new Error('app bug');
    });
    manager.start();
    await flush();
    expect(manager.boundCount()).toBe(1);
    const result = manager.submit(testSegment());
    await flush();
    expect((await result).outcome).toBe('ok');
  });
});

describe('BindManager reconnect', () => {
  it('reconnects after a drop with initialMs, and the backoff grows while binds are refused', async () => {
    const { logger, lines } = captureLogger();
    let refusals = 3;
    fake.onRequest = (pdu, conn) => {
      if (pdu.command !== 'bind_transceiver' || refusals === 0) return false;
      refusals -= 1;
      conn.send({
        ...pdu,
        command: 'bind_transceiver_resp',
        commandStatus: CommandStatus.ESME_RBINDFAIL,
        body: { systemId: '' },
        tlvs: [],
      });
      return true;
    };
    const manager = makeManager(
      { reconnect: { initialMs: 100, maxMs: 10_000, bindRefusedMinMs: 0 } },
      { logger },
    );
    const connectTimes: number[] = [];
    fake.on('connection', () => connectTimes.push(Date.now()));
    const start = Date.now();
    manager.start();
    await advance(100 + 200 + 400);
    expect(connectTimes.map((t) => t - start)).toEqual([0, 100, 300, 700]);
    expect(manager.boundCount()).toBe(1);
    const warnings = lines.filter((l) => l.level === 40 && l.msg.startsWith('bind failed'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.failure).toBe('bind_refused:ESME_RBINDFAIL');
    expect(lines.some((l) => l.msg === 'bound again')).toBe(true);
  });

  it('logs a new warning only when the failure reason changes', async () => {
    const { logger, lines } = captureLogger();
    const statuses = [
      CommandStatus.ESME_RBINDFAIL,
      CommandStatus.ESME_RBINDFAIL,
      CommandStatus.ESME_RINVPASWD,
      CommandStatus.ESME_RINVPASWD,
    ];
    fake.onRequest = (pdu, conn) => {
      const status = statuses.shift();
      if (pdu.command !== 'bind_transceiver' || status === undefined) return false;
      conn.send({
        ...pdu,
        command: 'bind_transceiver_resp',
        commandStatus: status,
        body: { systemId: '' },
        tlvs: [],
      });
      return true;
    };
    const manager = makeManager({}, { logger });
    manager.start();
    await advance(5000);
    const failures = lines.filter((l) => l.level === 40).map((l) => l.failure);
    expect(failures).toEqual(['bind_refused:ESME_RBINDFAIL', 'bind_refused:ESME_RINVPASWD']);
  });

  it('a refused bind waits at least bindRefusedMinMs', async () => {
    fake.behaviour.bindStatus = CommandStatus.ESME_RINVSYSID;
    const manager = makeManager({ reconnect: { initialMs: 100, maxMs: 1000, bindRefusedMinMs: 5000 } });
    manager.start();
    await advance(4999);
    expect(fake.connections).toHaveLength(1);
    await advance(1);
    expect(fake.connections).toHaveLength(2);
  });

  it('a successful submit resets the backoff', async () => {
    const manager = makeManager({ reconnect: { initialMs: 100, maxMs: 10_000, bindRefusedMinMs: 0 } });
    manager.start();
    await flush();
    // Two quick drops without traffic: 100 then 200 ms.
    fake.last?.destroy();
    await advance(100);
    fake.last?.destroy();
    await advance(199);
    expect(fake.connections).toHaveLength(2);
    await advance(1);
    expect(fake.connections).toHaveLength(3);
    expect((await Promise.all([manager.submit(testSegment()), flush()]))[0].outcome).toBe('ok');
    fake.last?.destroy();
    await advance(100);
    expect(fake.connections).toHaveLength(4);
  });

  it('a session recycled after consecutive timeouts reconnects and traffic resumes', async () => {
    fake.behaviour.submit = 'hang';
    const manager = makeManager({ responseTimeoutMs: 500 });
    manager.start();
    await flush();
    const timedOut = Array.from({ length: 3 }, () => manager.submit(testSegment()));
    await advance(500);
    expect((await Promise.all(timedOut)).map((r) => r.outcome)).toEqual(['timeout', 'timeout', 'timeout']);
    expect(fake.connections[0]?.closed).toBe(true);
    fake.behaviour.submit = 'ok';
    await advance(100);
    expect(fake.connections).toHaveLength(2);
    expect((await Promise.all([manager.submit(testSegment()), flush()]))[0].outcome).toBe('ok');
  });
});

describe('BindManager leases', () => {
  function leases(acquire: boolean[], renew: boolean[]): BindLeaseProvider & { released: number[] } {
    const released: number[] = [];
    return {
      released,
      acquire: vi.fn(async () => acquire.shift() ?? true),
      renew: vi.fn(async () => renew.shift() ?? true),
      release: vi.fn(async (_op: string, slot: number) => {
        released.push(slot);
      }),
    };
  }

  it('binds a slot only once its lease is acquired', async () => {
    const provider = leases([false, false, true], []);
    const manager = makeManager({}, { leases: provider, leaseRetryMs: 1000, leaseRenewMs: 3000 });
    manager.start();
    await flush();
    expect(fake.connections).toHaveLength(0);
    await advance(2000);
    expect(fake.connections).toHaveLength(1);
    expect(manager.boundCount()).toBe(1);
    await advance(3000);
    expect(provider.renew).toHaveBeenCalledTimes(1);
  });

  it('a lost lease unbinds the slot, which binds again once re-acquired', async () => {
    const provider = leases([true, false, true], [false]);
    const manager = makeManager({}, { leases: provider, leaseRetryMs: 1000, leaseRenewMs: 3000 });
    manager.start();
    await flush();
    expect(manager.boundCount()).toBe(1);
    await advance(3000);
    expect(fake.connections[0]?.commands('unbind')).toHaveLength(1);
    expect(manager.boundCount()).toBe(0);
    await advance(1000); // acquire refused
    expect(fake.connections).toHaveLength(1);
    await advance(1000);
    expect(fake.connections).toHaveLength(2);
    expect(manager.boundCount()).toBe(1);
  });

  it('stop() releases the held leases', async () => {
    const provider = leases([], []);
    const manager = makeManager({ binds: 2 }, { leases: provider });
    manager.start();
    await flush();
    const stopping = manager.stop();
    await flush();
    await stopping;
    expect(provider.released.sort()).toEqual([0, 1]);
  });
});

describe('BindManager stop', () => {
  it('stops taking work, drains in-flight submits, unbinds, and leaves no timer behind', async () => {
    fake.behaviour.submitDelayMs = 200;
    const metrics = new GatewayMetrics({ defaultMetrics: false });
    const manager = makeManager({ binds: 2, window: 1, enquireLinkSeconds: 5 }, { metrics });
    manager.start();
    await flush();
    const inflight = [manager.submit(testSegment()), manager.submit(testSegment())];
    const waiting = manager.submit(testSegment());
    await flush();
    const stopping = manager.stop({ drainTimeoutMs: 1000 });
    expect(await waiting).toEqual({ outcome: 'disconnected' });
    expect(await manager.submit(testSegment())).toEqual({ outcome: 'disconnected' });
    await advance(200);
    await stopping;
    expect((await Promise.all(inflight)).map((r) => r.outcome)).toEqual(['ok', 'ok']);
    for (const conn of fake.connections) {
      expect(conn.commands('unbind')).toHaveLength(1);
      expect(conn.closed).toBe(true);
    }
    expect(manager.boundCount()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(await metrics.registry.getSingleMetricAsString('smppgw_binds_bound')).toContain('} 0');
  });

  it('stop() during a reconnect back-off cancels the pending timer', async () => {
    fake.behaviour.bindStatus = CommandStatus.ESME_RBINDFAIL;
    const manager = makeManager({ reconnect: { initialMs: 100, maxMs: 1000, bindRefusedMinMs: 60_000 } });
    manager.start();
    await flush();
    expect(vi.getTimerCount()).toBe(1);
    await manager.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stop() while the SMSC never answers is bounded by drain + unbind timeouts', async () => {
    fake.behaviour.submit = 'hang';
    fake.onRequest = (pdu) => pdu.command === 'unbind';
    const manager = makeManager({ responseTimeoutMs: 20_000 });
    manager.start();
    await flush();
    const result = manager.submit(testSegment());
    await flush();
    let stopped = false;
    void manager.stop({ drainTimeoutMs: 1000 }).then(() => (stopped = true));
    // The unbind wait is min(responseTimeoutMs, 5 s).
    await advance(1000 + 4999);
    expect(stopped).toBe(false);
    await advance(1);
    expect(stopped).toBe(true);
    expect((await result).outcome).toBe('disconnected');
    expect(vi.getTimerCount()).toBe(0);
  });
});
