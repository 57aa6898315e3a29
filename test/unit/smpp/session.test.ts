// SmppSession against the in-memory FakeSmsc under fake timers: every protocol edge of one connection.
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GatewayMetrics } from '../../../src/metrics/index.js';
import { CommandStatus, encodePdu, makePdu, type Pdu } from '../../../src/smpp/pdu/index.js';
import { SmppSession, type SessionOptions } from '../../../src/smpp/session.js';
import type { BindState, DeliverHandler, SessionClosed, SubmitResult } from '../../../src/smpp/types.js';
import { FakeSmsc, testOperator, testSegment, type FakeConnection } from '../../helpers/fake-smsc.js';

const realSetImmediate = setImmediate;
/** Let every queued microtask (the in-memory pipe) run. */
const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => realSetImmediate(resolve));
};
const advance = async (ms: number): Promise<void> => {
  await vi.advanceTimersByTimeAsync(ms);
  await flush();
};

const silent = pino({ level: 'silent' });

let fake: FakeSmsc;

function makeSession(
  operatorOverrides: Record<string, unknown> = {},
  options: Partial<SessionOptions> = {},
): SmppSession {
  return new SmppSession({
    operator: testOperator(operatorOverrides),
    bindId: 'op-0',
    bindType: 'transceiver',
    logger: silent,
    transport: fake.connector(),
    ...options,
  });
}

async function bound(session: SmppSession): Promise<FakeConnection> {
  const opening = session.open();
  await flush();
  expect(await opening).toEqual({ bound: true });
  const conn = fake.last;
  if (!conn) throw new Error('no connection');
  return conn;
}

function closedEvent(session: SmppSession): Promise<SessionClosed> {
  return new Promise((resolve) => session.once('close', resolve));
}

beforeEach(() => {
  vi.useFakeTimers();
  fake = new FakeSmsc();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('SmppSession bind (§4.1)', () => {
  it.each([
    ['transmitter', 'bind_transmitter'],
    ['receiver', 'bind_receiver'],
    ['transceiver', 'bind_transceiver'],
  ] as const)(
    'binds as %s with %s, interface_version 0x34 and the configured credentials',
    async (bindType, command) => {
      const session = makeSession({ systemType: 'VMA' }, { bindType });
      const states: Array<[BindState, BindState]> = [];
      session.on('state', ({ from, to }) => states.push([from, to]));
      const conn = await bound(session);
      const bind = conn.received[0] as Pdu<'bind_transceiver'>;
      expect(bind.command).toBe(command);
      expect(bind.body).toMatchObject({
        systemId: 'gw',
        password: 'secret',
        systemType: 'VMA',
        interfaceVersion: 0x34,
      });
      expect(states).toEqual([
        ['opening', 'binding'],
        ['binding', 'bound'],
      ]);
      expect(session.state).toBe('bound');
      session.close('stopped');
    },
  );

  it('a refused bind resolves open() with the status and closes the session', async () => {
    fake.behaviour.bindStatus = CommandStatus.ESME_RINVPASWD;
    const session = makeSession();
    const outcome = session.open();
    await flush();
    expect(await outcome).toMatchObject({
      bound: false,
      reason: 'bind_refused',
      status: CommandStatus.ESME_RINVPASWD,
    });
    expect(session.state).toBe('closed');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a bind answered with generic_nack counts as refused', async () => {
    fake.onRequest = (pdu, conn) => {
      if (pdu.command !== 'bind_transceiver') return false;
      conn.send(
        makePdu(
          'generic_nack',
          {},
          { sequenceNumber: pdu.sequenceNumber, commandStatus: CommandStatus.ESME_RINVCMDID },
        ),
      );
      return true;
    };
    const session = makeSession();
    const outcome = session.open();
    await flush();
    expect(await outcome).toMatchObject({
      bound: false,
      reason: 'bind_refused',
      status: CommandStatus.ESME_RINVCMDID,
    });
  });

  it('no bind_resp within bindTimeoutMs closes with bind_timeout and a typed error', async () => {
    fake.onRequest = (pdu) => pdu.command === 'bind_transceiver';
    const session = makeSession({ bindTimeoutMs: 2000 });
    const outcome = session.open();
    await advance(1999);
    expect(session.state).toBe('binding');
    await advance(1);
    const result = await outcome;
    expect(result).toMatchObject({ bound: false, reason: 'bind_timeout' });
    expect(result.bound === false && result.error).toMatchObject({
      code: 'SMPP_BIND_TIMEOUT',
      bindId: 'op-0',
    });
    expect(fake.last?.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a connection that closes before binding resolves connect_failed', async () => {
    const session = new SmppSession({
      operator: testOperator(),
      bindId: 'op-0',
      bindType: 'transceiver',
      logger: silent,
      transport: (handlers) => {
        queueMicrotask(() => handlers.onClose(new Error('ECONNREFUSED')));
        return { write: () => undefined, end: () => undefined, destroy: () => undefined };
      },
    });
    const outcome = await session.open();
    expect(outcome).toMatchObject({ bound: false, reason: 'connect_failed' });
    expect(outcome.bound === false && outcome.error?.message).toContain('ECONNREFUSED');
  });
});

describe('SmppSession send path and window', () => {
  it('submit_sm carries the segment raw and resolves ok with the message id and latency', async () => {
    const session = makeSession();
    const conn = await bound(session);
    const segment = {
      ...testSegment(),
      shortMessage: Buffer.from([0x00, 0xe9, 0x1b]),
      dataCoding: 8,
      validityPeriod: '000001000000000R',
    };
    const result = session.submit(segment);
    await flush();
    expect(await result).toMatchObject({ outcome: 'ok', messageId: 'M1', bindId: 'op-0' });
    const submit = conn.commands('submit_sm')[0] as Pdu<'submit_sm'>;
    expect(submit.body.shortMessage).toEqual(Buffer.from([0x00, 0xe9, 0x1b]));
    expect(submit.body).toMatchObject({
      dataCoding: 8,
      destinationAddr: '33612345678',
      validityPeriod: '000001000000000R',
    });
    session.close('stopped');
  });

  it('holds at most `window` submits in flight: a full session is not ready', async () => {
    fake.behaviour.submit = 'hang';
    const session = makeSession({ window: 2 });
    await bound(session);
    void session.submit(testSegment());
    expect(session.isReady()).toBe(true);
    void session.submit(testSegment());
    expect(session.inflight).toBe(2);
    expect(session.isReady()).toBe(false);
    expect(await session.submit(testSegment())).toEqual({ outcome: 'disconnected', bindId: 'op-0' });
    session.close('stopped');
  });

  it('smppgw_inflight reads the window at the scrape: 2 while two submits hang, 0 once the session closed', async () => {
    fake.behaviour.submit = 'hang';
    const metrics = new GatewayMetrics({ defaultMetrics: false });
    const session = makeSession({ window: 2 }, { metrics });
    await bound(session);
    const scrape = async () =>
      /smppgw_inflight\{operator="op",bind="op-0"\} (\d+)/.exec(await metrics.registry.metrics())?.[1];
    expect(await scrape()).toBe('0');
    void session.submit(testSegment());
    void session.submit(testSegment());
    expect(await scrape()).toBe('2');
    session.close('stopped');
    expect(await scrape()).toBe('0');
  });

  it('a response timeout resolves timeout and frees the window slot', async () => {
    fake.behaviour.submit = 'hang';
    const session = makeSession({ window: 1, responseTimeoutMs: 500 });
    await bound(session);
    const result = session.submit(testSegment());
    await advance(499);
    expect(session.inflight).toBe(1);
    await advance(1);
    expect(await result).toEqual({ outcome: 'timeout', bindId: 'op-0' });
    expect(session.isReady()).toBe(true);
    session.close('stopped');
  });

  it('recycles the session after 3 consecutive submit timeouts', async () => {
    fake.behaviour.submit = 'hang';
    const session = makeSession({ window: 5, responseTimeoutMs: 500 });
    await bound(session);
    const closed = closedEvent(session);
    const results = [
      session.submit(testSegment()),
      session.submit(testSegment()),
      session.submit(testSegment()),
    ];
    const fourth = session.submit(testSegment());
    await advance(500);
    expect(await Promise.all(results)).toEqual(Array(3).fill({ outcome: 'timeout', bindId: 'op-0' }));
    const event = await closed;
    expect(event.reason).toBe('response_timeouts');
    expect(event.error).toMatchObject({ code: 'SMPP_RESPONSE_TIMEOUTS' });
    // The fourth was in flight on the same socket: closed with it.
    expect(['timeout', 'disconnected']).toContain((await fourth).outcome);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a response between timeouts resets the consecutive count', async () => {
    let n = 0;
    fake.behaviour.submit = () => (++n % 2 === 0 ? { status: 0 } : undefined);
    const session = makeSession({ window: 10, responseTimeoutMs: 500 });
    await bound(session);
    const outcomes: string[] = [];
    for (let i = 0; i < 6; i++) {
      const result = session.submit(testSegment());
      await advance(500);
      outcomes.push((await result).outcome);
    }
    expect(outcomes).toEqual(['timeout', 'ok', 'timeout', 'ok', 'timeout', 'ok']);
    expect(session.state).toBe('bound');
    session.close('stopped');
  });

  it('every in-flight submit resolves disconnected as soon as the socket closes', async () => {
    fake.behaviour.submit = 'hang';
    const session = makeSession({ responseTimeoutMs: 60_000 });
    const conn = await bound(session);
    const results = [session.submit(testSegment()), session.submit(testSegment())];
    await flush();
    conn.destroy();
    await flush();
    expect(await Promise.all(results)).toEqual([
      { outcome: 'disconnected', bindId: 'op-0' },
      { outcome: 'disconnected', bindId: 'op-0' },
    ]);
    expect(session.state).toBe('closed');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sequence numbers wrap from 0x7FFFFFFF to 1 (§5.1.4)', async () => {
    const session = makeSession({}, { lastSequenceNumber: 0x7ffffffd });
    const conn = await bound(session); // the bind used 0x7FFFFFFE
    await Promise.all([session.submit(testSegment()), session.submit(testSegment()), flush()]);
    await flush();
    expect(conn.received.map((p) => p.sequenceNumber)).toEqual([0x7ffffffe, 0x7fffffff, 1]);
    session.close('stopped');
  });

  it('generic_nack in answer to submit_sm is a retry; a response nobody asked for is counted', async () => {
    const metrics = new GatewayMetrics({ defaultMetrics: false });
    fake.onRequest = (pdu, conn) => {
      if (pdu.command !== 'submit_sm') return false;
      conn.send(
        makePdu(
          'generic_nack',
          {},
          { sequenceNumber: pdu.sequenceNumber, commandStatus: CommandStatus.ESME_RINVCMDLEN },
        ),
      );
      conn.send(makePdu('submit_sm_resp', { messageId: 'X' }, { sequenceNumber: 4242 }));
      return true;
    };
    const session = makeSession({}, { metrics });
    await bound(session);
    const result = session.submit(testSegment());
    await flush();
    expect(await result).toMatchObject({
      outcome: 'retry',
      status: CommandStatus.ESME_RINVCMDLEN,
      statusName: 'ESME_RINVCMDLEN',
    });
    expect(await metrics.registry.getSingleMetricAsString('smppgw_pdu_errors_total')).toContain(
      'kind="unexpected_response"} 1',
    );
    session.close('stopped');
  });

  it('classifies with the operator overrides', async () => {
    fake.behaviour.submit = () => ({ status: 0x0401 });
    const session = makeSession({ commandStatus: { '0x401': 'reject' } });
    await bound(session);
    const result = session.submit(testSegment());
    await flush();
    expect(await result).toMatchObject({ outcome: 'reject', status: 0x401 });
    session.close('stopped');
  });

  it('an unencodable segment is rejected locally without touching the window', async () => {
    const session = makeSession();
    const conn = await bound(session);
    const result = await session.submit({ ...testSegment(), shortMessage: Buffer.alloc(300) });
    expect(result).toMatchObject({ outcome: 'reject', status: CommandStatus.ESME_RINVMSGLEN });
    expect(session.inflight).toBe(0);
    expect(conn.commands('submit_sm')).toHaveLength(0);
    session.close('stopped');
  });
});

describe('SmppSession throttling from the carrier', () => {
  it('ESME_RTHROTTLED pauses new submits 1 s, doubling while it repeats, reset by a success', async () => {
    let throttle = true;
    fake.behaviour.submit = () => (throttle ? { status: CommandStatus.ESME_RTHROTTLED } : { status: 0 });
    const metrics = new GatewayMetrics({ defaultMetrics: false });
    const session = makeSession({}, { metrics });
    await bound(session);
    const pauses: number[] = [];
    session.on('throttled', ({ pauseMs }) => pauses.push(pauseMs));

    const first = session.submit(testSegment());
    await flush();
    expect(await first).toMatchObject({ outcome: 'throttle', statusName: 'ESME_RTHROTTLED' });
    expect(session.paused).toBe(true);
    expect(session.isReady()).toBe(false);
    await advance(999);
    expect(session.paused).toBe(true);
    await advance(1);
    expect(session.isReady()).toBe(true);

    void session.submit(testSegment());
    await flush();
    await advance(2000);
    void session.submit(testSegment());
    await flush();
    expect(pauses).toEqual([1000, 2000, 4000]);

    await advance(4000);
    throttle = false;
    expect((await session.submit(testSegment())).outcome).toBe('ok');
    throttle = true;
    void session.submit(testSegment());
    await flush();
    expect(pauses).toEqual([1000, 2000, 4000, 1000]);
    expect(await metrics.registry.getSingleMetricAsString('smppgw_throttle_events_total')).toContain('} 4');
    session.close('stopped');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('caps the pause at 10 s and counts a burst of throttled in-flight answers once', async () => {
    fake.behaviour.submit = () => ({ status: CommandStatus.ESME_RMSGQFUL });
    const session = makeSession({ window: 5 });
    await bound(session);
    const pauses: number[] = [];
    session.on('throttled', ({ pauseMs }) => pauses.push(pauseMs));
    const burst = Array.from({ length: 5 }, () => session.submit(testSegment()));
    await flush();
    expect((await Promise.all(burst)).every((r) => r.outcome === 'throttle')).toBe(true);
    expect(pauses).toEqual([1000]);
    for (let i = 0; i < 6; i++) {
      await advance(pauses[pauses.length - 1] ?? 0);
      void session.submit(testSegment());
      await flush();
    }
    expect(pauses).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
    session.close('stopped');
  });
});

describe('SmppSession receive path', () => {
  it("answers the SMSC's enquire_link (§4.11)", async () => {
    const session = makeSession();
    const conn = await bound(session);
    const seq = conn.request('enquire_link');
    await flush();
    expect(conn.commands('enquire_link_resp')).toEqual([
      expect.objectContaining({ sequenceNumber: seq, commandStatus: 0 }),
    ]);
    session.close('stopped');
  });

  it("answers the SMSC's unbind with unbind_resp and closes (§4.2)", async () => {
    const session = makeSession();
    const conn = await bound(session);
    const closed = closedEvent(session);
    conn.request('unbind');
    await flush();
    expect(conn.commands('unbind_resp')).toHaveLength(1);
    expect((await closed).reason).toBe('peer_unbind');
    expect(conn.closed).toBe(true);
  });

  it('answers an unknown command with generic_nack ESME_RINVCMDID and stays bound (§4.3)', async () => {
    const session = makeSession();
    const conn = await bound(session);
    const header = Buffer.alloc(16);
    header.writeUInt32BE(16, 0);
    header.writeUInt32BE(0x00000077, 4);
    header.writeUInt32BE(0, 8);
    header.writeUInt32BE(99, 12);
    conn.sendRaw(header);
    await flush();
    expect(conn.commands('generic_nack')).toEqual([
      expect.objectContaining({ sequenceNumber: 99, commandStatus: CommandStatus.ESME_RINVCMDID }),
    ]);
    expect(session.state).toBe('bound');
    expect((await Promise.all([session.submit(testSegment()), flush()]))[0].outcome).toBe('ok');
    session.close('stopped');
  });

  it('takes a deliver_sm that arrives in the same read as bind_resp (receipts an SMSC held for us) as bound', async () => {
    // SMSCs flush the receipts they held for a system_id right after bind_resp: one TCP read often carries
    // both. The deliver_sm must not meet a session still "binding" (ESME_RINVBNDSTS loses the receipt).
    fake.onRequest = (pdu, conn) => {
      if (pdu.command !== 'bind_transceiver') return false;
      conn.sendRaw(
        Buffer.concat([
          encodePdu(
            makePdu('bind_transceiver_resp', { systemId: 'FAKE' }, { sequenceNumber: pdu.sequenceNumber }),
          ),
          encodePdu(
            makePdu(
              'deliver_sm',
              { sourceAddr: '336', esmClass: 0x04, shortMessage: Buffer.from('id:1 stat:DELIVRD') },
              { sequenceNumber: 40 },
            ),
          ),
        ]),
      );
      return true;
    };
    const onDeliver = vi.fn<DeliverHandler>(async () => 0);
    const session = makeSession({}, { onDeliver });
    const conn = await bound(session);
    await flush();
    expect(conn.commands('deliver_sm_resp')).toEqual([
      expect.objectContaining({ sequenceNumber: 40, commandStatus: 0 }),
    ]);
    expect(onDeliver).toHaveBeenCalledTimes(1);
    session.close('stopped');
  });

  it('answers a malformed request with generic_nack and its status, then goes on', async () => {
    const onDeliver = vi.fn<DeliverHandler>(async () => 0);
    const session = makeSession({}, { onDeliver });
    const conn = await bound(session);
    // deliver_sm whose sm_length (200) runs past the end of the PDU: recoverable, framing is intact.
    const good = encodePdu(
      makePdu('deliver_sm', { sourceAddr: '336', shortMessage: Buffer.from('hi') }, { sequenceNumber: 7 }),
    );
    const bad = Buffer.from(good);
    bad.writeUInt8(200, bad.length - 3);
    conn.sendRaw(bad);
    conn.sendRaw(
      encodePdu(
        makePdu('deliver_sm', { sourceAddr: '336', shortMessage: Buffer.from('ok') }, { sequenceNumber: 8 }),
      ),
    );
    await flush();
    expect(conn.commands('generic_nack')).toEqual([
      expect.objectContaining({ sequenceNumber: 7, commandStatus: CommandStatus.ESME_RINVMSGLEN }),
    ]);
    expect(conn.commands('deliver_sm_resp')).toEqual([
      expect.objectContaining({ sequenceNumber: 8, commandStatus: 0 }),
    ]);
    expect(onDeliver).toHaveBeenCalledTimes(1);
    expect(session.state).toBe('bound');
    session.close('stopped');
  });

  it('closes on an impossible command_length and fails what was in flight', async () => {
    fake.behaviour.submit = 'hang';
    const metrics = new GatewayMetrics({ defaultMetrics: false });
    const session = makeSession({}, { metrics });
    const conn = await bound(session);
    const result = session.submit(testSegment());
    const closed = closedEvent(session);
    conn.sendRaw(Buffer.from('00000003deadbeef', 'hex'));
    await flush();
    expect((await closed).reason).toBe('framing_lost');
    expect(await result).toEqual({ outcome: 'disconnected', bindId: 'op-0' });
    expect(await metrics.registry.getSingleMetricAsString('smppgw_pdu_errors_total')).toContain(
      'kind="framing"} 1',
    );
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a malformed submit_sm_resp completes its submit as a retry (no generic_nack to a response)', async () => {
    fake.onRequest = (pdu, conn) => {
      if (pdu.command !== 'submit_sm') return false;
      // message_id without its NUL terminator.
      const bytes = Buffer.concat([Buffer.alloc(16), Buffer.from('ABC')]);
      bytes.writeUInt32BE(bytes.length, 0);
      bytes.writeUInt32BE(0x80000004, 4);
      bytes.writeUInt32BE(pdu.sequenceNumber, 12);
      conn.sendRaw(bytes);
      return true;
    };
    const session = makeSession();
    const conn = await bound(session);
    const result = session.submit(testSegment());
    await flush();
    expect((await result).outcome).toBe('retry');
    expect(conn.commands('generic_nack')).toHaveLength(0);
    expect(session.state).toBe('bound');
    session.close('stopped');
  });

  it('sends deliver_sm_resp only after the handler resolves, with its status', async () => {
    let release: (status: number) => void = () => undefined;
    const onDeliver = vi.fn<DeliverHandler>(() => new Promise<number>((resolve) => (release = resolve)));
    const session = makeSession({}, { onDeliver, bindType: 'receiver' });
    const conn = await bound(session);
    const seq = conn.request('deliver_sm', {
      sourceAddr: '33612345678',
      destinationAddr: '36180',
      esmClass: 0x04,
      dataCoding: 0,
      shortMessage: Buffer.from('id:1 stat:DELIVRD'),
    });
    await flush();
    expect(onDeliver).toHaveBeenCalledWith(
      expect.objectContaining({
        operatorId: 'op',
        bindId: 'op-0',
        command: 'deliver_sm',
        esmClass: 0x04,
        destinationAddr: '36180',
      }),
    );
    expect(conn.commands('deliver_sm_resp')).toHaveLength(0);
    release(0);
    await flush();
    expect(conn.commands('deliver_sm_resp')).toEqual([
      expect.objectContaining({ sequenceNumber: seq, commandStatus: 0 }),
    ]);
    session.close('stopped');
  });

  it('a failing handler answers ESME_RX_T_APPN; data_sm gets data_sm_resp', async () => {
    const onDeliver = vi.fn<DeliverHandler>(async (d) => {
      if (d.command === 'deliver_sm') throw new Error('redis down');
      return 0;
    });
    const session = makeSession({}, { onDeliver });
    const conn = await bound(session);
    conn.request('deliver_sm', { sourceAddr: '336', shortMessage: Buffer.from('x') });
    conn.request('data_sm', { sourceAddr: '336' });
    await flush();
    expect(conn.commands('deliver_sm_resp')).toEqual([
      expect.objectContaining({ commandStatus: CommandStatus.ESME_RX_T_APPN }),
    ]);
    expect(conn.commands('data_sm_resp')).toEqual([expect.objectContaining({ commandStatus: 0 })]);
    session.close('stopped');
  });

  it('a transmitter bind refuses deliver_sm with ESME_RINVBNDSTS', async () => {
    const onDeliver = vi.fn<DeliverHandler>(async () => 0);
    const session = makeSession({}, { onDeliver, bindType: 'transmitter' });
    const conn = await bound(session);
    conn.request('deliver_sm', { sourceAddr: '336' });
    await flush();
    expect(conn.commands('deliver_sm_resp')).toEqual([
      expect.objectContaining({ commandStatus: CommandStatus.ESME_RINVBNDSTS }),
    ]);
    expect(onDeliver).not.toHaveBeenCalled();
    session.close('stopped');
  });
});

describe('SmppSession keepalive (§4.11)', () => {
  it('sends enquire_link only after enquireLinkSeconds without traffic', async () => {
    const session = makeSession({ enquireLinkSeconds: 10 });
    const conn = await bound(session);
    await advance(6000);
    conn.request('enquire_link'); // traffic from the SMSC restarts the idle interval
    await flush();
    await advance(6000); // t = 12 s: idle for 6 s only
    expect(conn.commands('enquire_link')).toHaveLength(0);
    expect(conn.commands('enquire_link_resp')).toHaveLength(1);
    await advance(4000); // t = 16 s: idle for 10 s
    expect(conn.commands('enquire_link')).toHaveLength(1);
    session.close('stopped');
  });

  it('drops the link after enquireLinkMaxMisses unanswered enquire_links', async () => {
    fake.behaviour.answerEnquireLink = false;
    const metrics = new GatewayMetrics({ defaultMetrics: false });
    const session = makeSession(
      { enquireLinkSeconds: 5, enquireLinkMaxMisses: 3, responseTimeoutMs: 1000 },
      { metrics },
    );
    const conn = await bound(session);
    const closed = closedEvent(session);
    await advance(5000);
    expect(conn.commands('enquire_link')).toHaveLength(1);
    await advance(1000);
    expect(conn.commands('enquire_link')).toHaveLength(2); // a miss asks again at once
    await advance(1000);
    expect(session.state).toBe('bound');
    await advance(1000);
    expect((await closed).reason).toBe('keepalive_timeout');
    expect(conn.commands('enquire_link')).toHaveLength(3);
    expect(await metrics.registry.getSingleMetricAsString('smppgw_enquire_link_timeouts_total')).toContain(
      '} 3',
    );
    expect(vi.getTimerCount()).toBe(0);
  });

  it('an answered enquire_link keeps the session bound', async () => {
    const session = makeSession({ enquireLinkSeconds: 5 });
    const conn = await bound(session);
    await advance(31_000);
    expect(conn.commands('enquire_link').length).toBeGreaterThanOrEqual(5);
    expect(session.state).toBe('bound');
    session.close('stopped');
  });
});

describe('SmppSession shutdown', () => {
  it('drain waits for in-flight responses, unbind waits for unbind_resp, then nothing is left', async () => {
    fake.behaviour.submitDelayMs = 300;
    const session = makeSession();
    const conn = await bound(session);
    const result = session.submit(testSegment());
    await flush();
    const drained = session.drain(5000);
    await advance(300);
    expect(await drained).toBe(true);
    expect((await result).outcome).toBe('ok');
    const states: BindState[] = [];
    session.on('state', ({ to }) => states.push(to));
    const unbinding = session.unbind();
    await flush();
    await unbinding;
    expect(conn.commands('unbind')).toHaveLength(1);
    expect(states).toEqual(['unbinding', 'closed']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('drain gives up after its timeout; unbind without an answer is bounded too', async () => {
    fake.behaviour.submit = 'hang';
    fake.onRequest = (pdu) => pdu.command === 'unbind';
    const session = makeSession({ responseTimeoutMs: 60_000 });
    await bound(session);
    const result = session.submit(testSegment());
    const drained = session.drain(1000);
    await advance(1000);
    expect(await drained).toBe(false);
    const unbinding = session.unbind(2000);
    await advance(2000);
    await unbinding;
    expect(session.state).toBe('closed');
    expect(await result).toEqual({ outcome: 'disconnected', bindId: 'op-0' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a second unbind() while unbinding waits for the first instead of cutting it short', async () => {
    const session = makeSession();
    const conn = await bound(session);
    const first = session.unbind();
    const second = session.unbind();
    await flush();
    await Promise.all([first, second]);
    expect(conn.commands('unbind')).toHaveLength(1);
    expect(session.state).toBe('closed');
  });

  it('close() is idempotent and emits close once', async () => {
    const session = makeSession();
    await bound(session);
    const events: SessionClosed[] = [];
    session.on('close', (e) => events.push(e));
    session.close('stopped');
    session.close('socket_closed');
    await flush();
    expect(events).toHaveLength(1);
    expect(events[0]?.reason).toBe('stopped');
  });

  it('submit on a closed session resolves disconnected', async () => {
    const session = makeSession();
    await bound(session);
    session.close('stopped');
    const result: SubmitResult = await session.submit(testSegment());
    expect(result.outcome).toBe('disconnected');
  });
});
