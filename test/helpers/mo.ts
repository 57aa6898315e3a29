// Helpers for the inbound (MO) tests: a gateway with a short code and the simulator bound, the MO events of
// the event stream, the submits to one number, and a local webhook receiver that can be told to fail or to
// hold its answers.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeShortMessage } from '../../src/codec/index.js';
import type { ConfigInput } from '../../src/config/index.js';
import { OptOutStore, RedisKeys } from '../../src/store/index.js';
import type { RecordedSubmit } from '../../src/simulator/index.js';
import { startTestGateway, TEST_API_KEY, waitFor, type TestGateway } from './gateway.js';
import type { TestRedis } from './redis.js';
import { testKeys } from './redis.js';

export const SHORT_CODE = '36180';

type Overrides = Parameters<typeof startTestGateway>[1];

/** A gateway whose account "acme" owns short code 36180, with fast sweeps and webhook retries. */
export async function startMoGateway(
  redis: TestRedis,
  overrides: Overrides & {
    shortCode?: Record<string, unknown>;
    webhook?: { url: string; secret?: string };
  } = {},
): Promise<TestGateway> {
  const { shortCode, webhook, ...rest } = overrides;
  const input: Overrides = {
    accounts: [
      {
        id: 'acme',
        apiKeys: [TEST_API_KEY],
        senders: ['ACME', SHORT_CODE],
        ...(webhook ? { webhook } : {}),
      },
    ],
    shortCodes: [
      { code: SHORT_CODE, account: 'acme', operator: 'sim', ...shortCode },
    ] as ConfigInput['shortCodes'],
    mo: { reassemblyTimeoutSeconds: 300, sweepIntervalMs: 100 },
    webhooks: { pollIntervalMs: 50, retryInitialMs: 100, retryMaxMs: 1000, timeoutMs: 2000 },
    ...rest,
  };
  const gw = await startTestGateway(redis, input);
  await waitForBound(gw);
  return gw;
}

export async function waitForBound(gw: TestGateway): Promise<void> {
  await waitFor(
    () => ((gw.gateway.bindManager('sim')?.boundCount() ?? 0) > 0 ? true : undefined),
    10_000,
    'a bound session to the simulator',
  );
}

export function keysOf(gw: TestGateway): RedisKeys {
  return testKeys(gw.gateway.config.redis.keyPrefix);
}

/** The gateway's opt-out list, read and written through the store as the gateway does. */
export function optOutStoreOf(redis: TestRedis, gw: TestGateway): OptOutStore {
  return new OptOutStore(redis.client, keysOf(gw));
}

export type MoEvent = Record<string, string>;

/** The `type=mo` entries of an event stream (default: account acme's), oldest first, optionally only those from one number. */
export async function moEvents(
  redis: TestRedis,
  gw: TestGateway,
  from?: string,
  stream: string = keysOf(gw).events('acme'),
): Promise<MoEvent[]> {
  const entries = await redis.client.xrange(stream, '-', '+');
  const events: MoEvent[] = [];
  for (const [, flat] of entries) {
    const fields: MoEvent = {};
    for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
    if (fields.type === 'mo' && (from === undefined || fields.from === from)) events.push(fields);
  }
  return events;
}

/** submit_sm recorded by the simulator to `number` (digits, no '+'). */
export function submitsTo(gw: TestGateway, number: string): RecordedSubmit[] {
  return gw.gateway.simulator!.submits.filter((s) => s.destinationAddr === number.replace(/^\+/, ''));
}

export function submitText(submit: RecordedSubmit): string {
  return decodeShortMessage(submit.shortMessage, submit.dataCoding, { udhi: (submit.esmClass & 0x40) !== 0 })
    .text;
}

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface WebhookReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Answer 500 to the next `n` requests (they are still recorded). */
  failNext(n: number): void;
  /** While on, requests are recorded and never answered (the sender's attempt stays in flight). */
  hold(on: boolean): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  let failures = 0;
  let holding = false;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      if (holding) return;
      if (failures > 0) {
        failures -= 1;
        response.writeHead(500).end('try again');
      } else {
        response.writeHead(204).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext(n) {
      failures = n;
    },
    hold(on) {
      holding = on;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
