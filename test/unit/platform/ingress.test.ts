// The platform ingress adapter on fakes of what it calls (the queue's enqueueMany, the account bucket, the
// store's availability): HTTP's checks and codes, the account's rate in one bucket call per batch, Redis
// away as UNAVAILABLE, the pre-allocated id and registered_delivery passed on, drain, and abandon().
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { buildConfig } from '../../../src/config/index.js';
import { PlatformIngressAdapter } from '../../../src/platform/index.js';
import { QueueError, type EnqueueOutcome } from '../../../src/queue/index.js';
import type { PlatformMessage } from '../../../src/smpp-server/index.js';
import type { GatewayStore, NewMessage, NewRecord } from '../../../src/store/index.js';

const config = buildConfig({
  accounts: [
    { id: 'acme', smpp: { systemId: 'acme', password: 'pw' }, senders: ['ACME'] },
    { id: 'slow', smpp: { systemId: 'slow', password: 'pw' }, senders: ['SLOW'], tps: 3 },
  ],
  operators: [{ id: 'sim', host: '127.0.0.1', port: 1, systemId: 'gw', password: 'pw', validityMinutes: 60 }],
});

function setup() {
  const calls: { enqueue: NewMessage[][]; takes: number[]; written: NewRecord[] } = {
    enqueue: [],
    takes: [],
    written: [],
  };
  let tokens = 3;
  const state = { available: true, bucketFails: false, enqueueFails: false };
  const store = {
    get available() {
      return state.available;
    },
    accountBucket: () => ({
      take: (_rate: number, _burst: number, n: number) => {
        calls.takes.push(n);
        if (state.bucketFails) return Promise.reject(new Error('connection lost'));
        const granted = Math.min(n, tokens);
        tokens -= granted;
        return Promise.resolve({ granted, waitMs: 0 });
      },
    }),
    messages: { write: (records: NewRecord[]) => (calls.written.push(...records), Promise.resolve([])) },
  } as unknown as GatewayStore;
  const queue = {
    enqueueMany: (messages: readonly NewMessage[]): Promise<EnqueueOutcome[]> => {
      calls.enqueue.push([...messages]);
      if (state.enqueueFails) return Promise.reject(new Error('connection lost'));
      return Promise.resolve(
        messages.map((m, i): EnqueueOutcome =>
          m.text === 'full'
            ? { ok: false, error: new QueueError('QUEUE_FULL', 'full', { retryable: true }) }
            : {
                ok: true,
                result: {
                  id: m.id ?? `ID${i}`,
                  state: 'queued',
                  segments: 1,
                  encoding: 'gsm7',
                  operator: 'sim',
                  duplicate: false,
                },
              },
        ),
      );
    },
  };
  const ingress = new PlatformIngressAdapter({
    config,
    store,
    queue,
    selectOperator: () => 'sim',
    logger: pino({ level: 'silent' }),
  });
  return { ingress, calls, state };
}

const message = (over: Partial<PlatformMessage> = {}): PlatformMessage => ({
  to: '+33612345678',
  from: 'ACME',
  text: 'Bonjour',
  class: 'transactional',
  registeredDelivery: 1,
  platformParts: 1,
  ...over,
});

describe('PlatformIngressAdapter', () => {
  it('queues the message as HTTP would, with its registered_delivery, pre-allocated id and validity', async () => {
    const { ingress, calls } = setup();
    const before = Date.now();
    expect(
      await ingress.submit('acme', message({ id: '01JBQ0000000000000000000000', platformParts: 3 })),
    ).toEqual({ ok: true, id: '01JBQ0000000000000000000000' });
    const [queued] = calls.enqueue[0]!;
    expect(queued).toMatchObject({
      account: 'acme',
      to: '+33612345678',
      from: 'ACME',
      text: 'Bonjour',
      class: 'transactional',
      id: '01JBQ0000000000000000000000',
      registeredDelivery: 1,
    });
    // No validity_period: the operator's default (60 minutes).
    expect(queued!.validUntil).toBeGreaterThanOrEqual(before + 3_600_000);
    await ingress.submit('acme', message({ validUntil: before + 1000, sendAt: before + 500 }));
    expect(calls.enqueue[1]![0]).toMatchObject({ validUntil: before + 1000, sendAt: before + 500 });
  });

  it("refuses with HTTP's codes: sender, number, empty text, and the queue's own", async () => {
    const { ingress, calls } = setup();
    expect(await ingress.submit('acme', message({ from: 'GLOBEX' }))).toMatchObject({
      ok: false,
      code: 'SENDER_NOT_ALLOWED',
    });
    expect(await ingress.submit('acme', message({ to: '+3361' }))).toMatchObject({
      ok: false,
      code: 'INVALID_NUMBER',
    });
    expect(await ingress.submit('acme', message({ text: '' }))).toMatchObject({
      ok: false,
      code: 'EMPTY_TEXT',
    });
    expect(calls.enqueue).toEqual([]);
    expect(await ingress.submit('acme', message({ text: 'full' }))).toMatchObject({
      ok: false,
      code: 'QUEUE_FULL',
    });
  });

  it("takes the account's rate once per batch: past it, RATE_LIMITED", async () => {
    const { ingress, calls } = setup();
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, (_, i) => ingress.submit('slow', message({ from: 'SLOW', text: `n${i}` }))),
    );
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.code))).toEqual([
      'ok',
      'ok',
      'ok',
      'RATE_LIMITED',
      'RATE_LIMITED',
    ]);
    expect(calls.takes).toEqual([5]);
    expect(calls.enqueue.map((b) => b.length)).toEqual([3]);
  });

  it('answers UNAVAILABLE when Redis is away (before, at the bucket, or during the write), DRAINING once stopping', async () => {
    const { ingress, state } = setup();
    state.available = false;
    expect(await ingress.submit('acme', message())).toMatchObject({ ok: false, code: 'UNAVAILABLE' });
    state.available = true;
    state.bucketFails = true;
    expect(await ingress.submit('slow', message({ from: 'SLOW' }))).toMatchObject({
      ok: false,
      code: 'UNAVAILABLE',
    });
    state.enqueueFails = true;
    expect(await ingress.submit('acme', message())).toMatchObject({ ok: false, code: 'UNAVAILABLE' });
    ingress.stopAccepting();
    expect(await ingress.submit('acme', message())).toMatchObject({ ok: false, code: 'DRAINING' });
  });

  it('abandon() records a final policy error under the pre-allocated id, guarded against a second write', async () => {
    const { ingress, calls } = setup();
    await ingress.abandon('acme', '01JBQ0000000000000000000001', {
      to: '+33612345678',
      from: 'ACME',
      registeredDelivery: 1,
      code: 'PARTS_MISSING',
      received: 2,
      total: 3,
    });
    expect(calls.written).toEqual([
      expect.objectContaining({
        state: 'error',
        preallocated: true,
        error: { code: 'PARTS_MISSING', message: '2 of 3 parts arrived in time' },
        context: expect.objectContaining({ id: '01JBQ0000000000000000000001', account: 'acme' }),
        meta: expect.objectContaining({ from: 'ACME', registeredDelivery: 1, operator: 'sim' }),
      }),
    ]);
  });
});
