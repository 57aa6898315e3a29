// Issue 4 "Done when": BindManager over real TCP/TLS against the in-process SMSC simulator, one scenario each.
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayMetrics } from '../../../src/metrics/index.js';
import { BindManager, type BindManagerDeps } from '../../../src/smpp/bind-manager.js';
import type { InboundDeliver, StateChange } from '../../../src/smpp/types.js';
import { SmscSimulator, type Scenario } from '../../../src/simulator/index.js';
import { testOperator, testSegment } from '../../helpers/fake-smsc.js';
import { runLoad } from './load.js';

const tlsDir = fileURLToPath(new URL('../../fixtures/tls/', import.meta.url));
const silent = pino({ level: 'silent' });

let sim: SmscSimulator | undefined;
let managers: BindManager[] = [];

async function startSim(
  options: ConstructorParameters<typeof SmscSimulator>[0] = {},
): Promise<{ host: string; port: number }> {
  sim = new SmscSimulator({ port: 0, receipts: false, ...options });
  return sim.start();
}

function simulator(): SmscSimulator {
  if (!sim) throw new Error('simulator not started');
  return sim;
}

function makeManager(
  address: { host: string; port: number },
  overrides: Record<string, unknown> = {},
  deps: Partial<BindManagerDeps> = {},
): BindManager {
  const manager = new BindManager(
    testOperator({
      host: address.host,
      port: address.port,
      responseTimeoutMs: 2000,
      bindTimeoutMs: 2000,
      reconnect: { initialMs: 20, maxMs: 500, bindRefusedMinMs: 0 },
      ...overrides,
    }),
    { logger: silent, onDeliver: async () => 0, jitter: 'none', ...deps },
  );
  managers.push(manager);
  return manager;
}

afterEach(async () => {
  // Managers first: the simulator's stop() unbinds them and they would reconnect.
  await Promise.all(managers.map((m) => m.stop({ drainTimeoutMs: 200 })));
  managers = [];
  await sim?.stop();
  sim = undefined;
});

describe('binds in every mode', () => {
  it.each(['transmitter', 'receiver', 'transceiver', 'pair'] as const)('%s', async (bindMode) => {
    const address = await startSim();
    const delivered: InboundDeliver[] = [];
    const manager = makeManager(
      address,
      { bindMode, binds: 1 },
      {
        onDeliver: async (d) => {
          delivered.push(d);
          return 0;
        },
      },
    );
    manager.start();
    expect(await manager.whenBound(5000)).toBe(true);
    const expectedSessions = bindMode === 'pair' ? 2 : 1;
    await waitUntil(() => manager.boundCount() === expectedSessions);
    const modes = simulator()
      .sessions()
      .map((s) => s.mode)
      .sort();
    expect(modes).toEqual(bindMode === 'pair' ? ['receiver', 'transmitter'] : [bindMode]);

    if (bindMode !== 'receiver') {
      expect((await manager.submit(testSegment('hi', '33612345678'))).outcome).toBe('ok');
      expect(simulator().submits).toHaveLength(1);
    } else {
      expect(manager.transmitCapacity()).toBe(0);
    }
    if (bindMode !== 'transmitter') {
      await simulator().injectMo({ from: '33612345678', to: '36180', text: 'STOP' });
      await waitUntil(() => delivered.length === 1);
      expect(delivered[0]).toMatchObject({
        command: 'deliver_sm',
        sourceAddr: '33612345678',
        destinationAddr: '36180',
      });
      expect(delivered[0]?.shortMessage.toString('latin1')).toBe('STOP');
    }
  });
});

describe('keepalive', () => {
  it('sends enquire_link while idle and the SMSC answers', async () => {
    const address = await startSim();
    const manager = makeManager(address, { enquireLinkSeconds: 1 });
    manager.start();
    await manager.whenBound(5000);
    await waitUntil(() => simulator().counters().enquireLinks >= 2, 4000);
    expect(manager.boundCount()).toBe(1);
  });

  it('drops and reconnects a link whose enquire_link goes unanswered', async () => {
    const address = await startSim({ scenarios: [{ name: 'noEnquireLinkResponse' }] });
    const metrics = new GatewayMetrics({ defaultMetrics: false });
    const manager = makeManager(
      address,
      { enquireLinkSeconds: 1, enquireLinkMaxMisses: 2, responseTimeoutMs: 300 },
      { metrics },
    );
    const closes: StateChange[] = [];
    manager.on('state', (change) => change.to === 'closed' && closes.push(change));
    manager.start();
    await manager.whenBound(5000);
    await waitUntil(() => closes.length >= 1 && manager.boundCount() === 1, 6000);
    expect(simulator().counters().binds).toBeGreaterThanOrEqual(2);
    expect(await metrics.registry.getSingleMetricAsString('smppgw_enquire_link_timeouts_total')).toMatch(
      /} [2-9]/,
    );
  });
});

describe('load', () => {
  it('several binds share the load', async () => {
    const address = await startSim();
    const manager = makeManager(address, { binds: 3, window: 10 });
    manager.start();
    await waitUntil(() => manager.boundCount() === 3);
    const report = await runLoad(manager, 3000, { concurrency: 60 });
    expect(report.accepted).toBe(3000);
    const perSession = countBy(simulator().submits.map((s) => s.sessionId));
    expect(Object.keys(perSession)).toHaveLength(3);
    for (const n of Object.values(perSession)) expect(n).toBeGreaterThan(3000 * 0.2);
  });

  it('SMSC closes the socket every 1,000 submits during 20,000: nothing lost, duplicates only for in-flight', async () => {
    const address = await startSim({ scenarios: [{ name: 'closeAfter', submits: 1000, repeat: true }] });
    const window = 20;
    const manager = makeManager(address, { binds: 2, window });
    manager.start();
    await manager.whenBound(5000);
    const count = 20_000;
    const report = await runLoad(manager, count, { concurrency: 80, deadlineMs: 25_000 });
    expect(report.accepted).toBe(count);

    const sim = simulator();
    const drops = sim.counters().scenarioCloses;
    expect(drops).toBeGreaterThanOrEqual(19);
    const seen = countBy(sim.submits.map((s) => s.shortMessage.toString('latin1')));
    // Every message reached the SMSC.
    expect(Object.keys(seen)).toHaveLength(count);
    // Duplicates: at most what one bind's window held at each drop.
    const duplicates = sim.submits.length - count;
    expect(duplicates).toBeLessThanOrEqual(drops * window);
    // A message the SMSC acknowledged was never sent again unless the ack itself was lost with the socket.
    const okTwice = Object.entries(
      countBy(sim.submits.filter((s) => s.outcome === 'ok').map((s) => s.shortMessage.toString('latin1'))),
    ).filter(([, n]) => n > 1);
    expect(okTwice.length).toBeLessThanOrEqual(drops * window);
  }, 30_000);

  it('SMSC stops answering: timeouts, requeue, recycle, the run completes', async () => {
    const address = await startSim({ scenarios: [{ name: 'noResponse', afterSubmits: 200, count: 40 }] });
    const metrics = new GatewayMetrics({ defaultMetrics: false });
    const manager = makeManager(address, { window: 10, responseTimeoutMs: 300 }, { metrics });
    const closes: string[] = [];
    manager.start();
    await manager.whenBound(5000);
    manager.on('state', (c) => c.to === 'closed' && closes.push(c.bindId));
    const report = await runLoad(manager, 1000, { concurrency: 20 });
    expect(report.accepted).toBe(1000);
    expect(report.outcomes.timeout + report.outcomes.disconnected).toBeGreaterThanOrEqual(3);
    expect(closes.length).toBeGreaterThanOrEqual(1); // recycled after consecutive timeouts
    const seen = new Set(simulator().submits.map((s) => s.shortMessage.toString('latin1')));
    expect(seen.size).toBe(1000);
    expect(await metrics.registry.getSingleMetricAsString('smppgw_submits_total')).toContain(
      'result="timeout"',
    );
  });

  it('SMSC throttles above a rate: the run completes under the rate, nothing lost, no retry storm', async () => {
    const maxPerSecond = 400;
    const address = await startSim({ scenarios: [{ name: 'throttle', maxPerSecond }] });
    const manager = makeManager(address, { window: 10 });
    let throttledEvents = 0;
    manager.on('throttled', () => (throttledEvents += 1));
    manager.start();
    await manager.whenBound(5000);
    const count = 2000;
    const report = await runLoad(manager, count, { concurrency: 20 });
    expect(report.accepted).toBe(count);
    const counters = simulator().counters();
    expect(counters.submitsOk).toBe(count);
    // No retry storm: each throttle episode costs at most one window of refused submits.
    expect(counters.submitsThrottled).toBeLessThanOrEqual(throttledEvents * 10);
    expect(counters.submitsThrottled).toBeLessThan(count * 0.1);
    // The accepted rate settles at the SMSC's limit: after the first second's allowance, the rest took at least
    // (count − limit) / limit seconds. (The operator-wide AIMD controller smooths the bursts; that is src/throttle.)
    const ok = simulator().submits.filter((s) => s.outcome === 'ok');
    const spanMs = (ok[ok.length - 1]?.receivedAt ?? 0) - (ok[0]?.receivedAt ?? 0);
    expect((count - maxPerSecond) / (spanMs / 1000)).toBeLessThanOrEqual(maxPerSecond * 1.05);
  }, 20_000);
});

describe('bind refusals and malformed input', () => {
  it('binds refused three times, then accepted: the back-off grows, then traffic flows', async () => {
    const address = await startSim({ scenarios: [{ name: 'refuseBinds', times: 3 }] });
    const manager = makeManager(address, { reconnect: { initialMs: 100, maxMs: 5000, bindRefusedMinMs: 0 } });
    const attempts: number[] = [];
    manager.on('state', (c) => c.to === 'binding' && attempts.push(Date.now()));
    manager.start();
    expect(await manager.whenBound(5000)).toBe(true);
    expect(simulator().counters().bindsRefused).toBe(3);
    const gaps = attempts.slice(1).map((t, i) => t - (attempts[i] ?? 0));
    expect(gaps).toHaveLength(3);
    // jitter 'none': 100, 200, 400 ms (plus connect time).
    expect(gaps[0]).toBeGreaterThanOrEqual(95);
    expect(gaps[1]).toBeGreaterThanOrEqual(195);
    expect(gaps[2]).toBeGreaterThanOrEqual(395);
    expect(gaps[1] ?? 0).toBeGreaterThan(gaps[0] ?? 0);
    expect(gaps[2] ?? 0).toBeGreaterThan(gaps[1] ?? 0);
    expect((await manager.submit(testSegment())).outcome).toBe('ok');
  });

  it('an impossible command_length from the SMSC closes, reconnects, and the run completes', async () => {
    const address = await startSim({ scenarios: [{ name: 'badCommandLength', afterSubmits: 50 }] });
    const metrics = new GatewayMetrics({ defaultMetrics: false });
    const manager = makeManager(address, { window: 5 }, { metrics });
    manager.start();
    await manager.whenBound(5000);
    const report = await runLoad(manager, 300, { concurrency: 10 });
    expect(report.accepted).toBe(300);
    expect(simulator().counters().binds).toBeGreaterThanOrEqual(2);
    expect(await metrics.registry.getSingleMetricAsString('smppgw_pdu_errors_total')).toContain(
      'kind="framing"',
    );
  });

  it('generic_nack answers are retried and the run completes', async () => {
    const address = await startSim({ scenarios: [{ name: 'genericNack', every: 25 }] as Scenario[] });
    const manager = makeManager(address);
    manager.start();
    await manager.whenBound(5000);
    const report = await runLoad(manager, 500, { concurrency: 10 });
    expect(report.accepted).toBe(500);
    expect(report.outcomes.retry).toBeGreaterThanOrEqual(15);
  });
});

describe('TLS', () => {
  const serverTls = (name: 'server' | 'wrong-name') => ({
    cert: readFileSync(`${tlsDir}${name}.pem`),
    key: readFileSync(`${tlsDir}${name}-key.pem`),
  });

  it('binds over TLS to an SMSC whose certificate a private CA signed', async () => {
    const address = await startSim({ tls: serverTls('server') });
    const manager = makeManager(address, { tls: { ca: `${tlsDir}ca.pem`, rejectUnauthorized: true } });
    manager.start();
    expect(await manager.whenBound(5000)).toBe(true);
    expect((await manager.submit(testSegment())).outcome).toBe('ok');
  });

  it('refuses to bind when the certificate does not match the server name', async () => {
    const address = await startSim({ tls: serverTls('wrong-name') });
    const metrics = new GatewayMetrics({ defaultMetrics: false });
    const manager = makeManager(address, { tls: { ca: `${tlsDir}ca.pem` } }, { metrics });
    const closes: StateChange[] = [];
    manager.on('state', (c) => c.to === 'closed' && closes.push(c));
    manager.start();
    expect(await manager.whenBound(1500)).toBe(false);
    expect(closes.length).toBeGreaterThanOrEqual(1);
    expect(simulator().counters().binds).toBe(0);
    expect(await metrics.registry.getSingleMetricAsString('smppgw_bind_failures_total')).toContain(
      'reason="connect"',
    );
  });

  it('refuses a certificate from an unknown CA by default (rejectUnauthorized unless turned off)', async () => {
    const address = await startSim({ tls: serverTls('server') });
    const manager = makeManager(address, { tls: true });
    manager.start();
    expect(await manager.whenBound(1000)).toBe(false);
    expect(simulator().counters().binds).toBe(0);
  });

  it('binds anyway when the operator config sets rejectUnauthorized: false', async () => {
    const address = await startSim({ tls: serverTls('wrong-name') });
    const manager = makeManager(address, { tls: { rejectUnauthorized: false } });
    manager.start();
    expect(await manager.whenBound(5000)).toBe(true);
  });
});

async function waitUntil(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error('waitUntil: timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function countBy<T extends string | number>(values: T[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[String(v)] = (counts[String(v)] ?? 0) + 1;
  return counts;
}
