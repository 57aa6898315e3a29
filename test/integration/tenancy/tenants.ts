// Two tenants on one real gateway, for the isolation tests of issue 15 ("other tenants never get through"):
// alpha and bravo, each with its own API key (bravo's configured hashed, as sha256:<hex>), SMPP credentials,
// senders, short code and credit. useTenantGateway() starts it for a test file (a real redis-server, the
// built-in simulator); helpers read an account's event stream as the aggregator would, and what reached
// the operator.
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { ConfigInput } from '../../../src/config/index.js';
import { createLogger, type Logger } from '../../../src/logging/index.js';
import { RedisKeys } from '../../../src/store/index.js';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';
import { waitForBound } from '../../helpers/mo.js';
import { testKeys, startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { SmppPlatform } from '../../helpers/smpp-platform.js';

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

export const ALPHA_KEY = 'key-alpha-5f2c9';
export const BRAVO_KEY = 'key-bravo-8d41e';
export const ADMIN_KEY = 'key-admin-07aa3';
export const ALPHA_SMPP_PASSWORD = 'alph-pw1';
export const BRAVO_SMPP_PASSWORD = 'brav-pw2';

export const TENANTS = [
  {
    id: 'alpha',
    apiKeys: [ALPHA_KEY],
    smpp: { systemId: 'alpha', password: ALPHA_SMPP_PASSWORD, maxBinds: 2 },
    senders: ['ALPHA', '36180'],
    credits: 1000,
    lowBalanceThreshold: 10,
    stopMention: { mode: 'append', text: 'STOP au 36180' },
  },
  {
    id: 'bravo',
    apiKeys: [`sha256:${sha256(BRAVO_KEY)}`],
    smpp: { systemId: 'bravo', password: BRAVO_SMPP_PASSWORD, maxBinds: 2 },
    senders: ['BRAVO', '36190'],
    credits: 500,
  },
] as NonNullable<ConfigInput['accounts']>;

export const TENANT_SHORT_CODES = [
  { code: '36180', account: 'alpha', operator: 'sim' },
  { code: '36190', account: 'bravo', operator: 'sim' },
] as NonNullable<ConfigInput['shortCodes']>;

export type StreamEntry = { id: string } & Record<string, string>;

export function keysOf(gw: TestGateway): RedisKeys {
  return testKeys(gw.gateway.config.redis.keyPrefix);
}

/** Every entry of a stream, oldest first, with its fields flattened. */
export async function readStream(redis: TestRedis, stream: string): Promise<StreamEntry[]> {
  const entries = await redis.client.xrange(stream, '-', '+');
  return entries.map(([id, flat]) => {
    const entry: StreamEntry = { id };
    for (let i = 0; i + 1 < flat.length; i += 2) entry[flat[i]!] = flat[i + 1]!;
    return entry;
  });
}

/** The account's own event stream (`<prefix>:events:<account>`). */
export function eventsOf(redis: TestRedis, gw: TestGateway, account: string): Promise<StreamEntry[]> {
  return readStream(redis, keysOf(gw).events(account));
}

/** In one hour: a message or campaign that stays cancellable while the test runs. */
export const inAnHour = (): string => new Date(Date.now() + 3_600_000).toISOString();

export interface TenantGateway {
  readonly gw: TestGateway;
  readonly redis: TestRedis;
  /** A platform connected to the SMPP server (closed after each test). */
  connect(): Promise<SmppPlatform>;
  /** Connected and bound as transceiver, or throws with the refusal's status. */
  bound(systemId: string, password: string): Promise<SmppPlatform>;
}

/** The two tenants' gateway for this test file: started before its tests, stopped after them. */
export function useTenantGateway(
  overrides: Parameters<typeof startTestGateway>[1] = {},
  options: Parameters<typeof startTestGateway>[2] = {},
): TenantGateway {
  let gw: TestGateway | undefined;
  let redis: TestRedis | undefined;
  const clients: SmppPlatform[] = [];
  beforeAll(async () => {
    redis = await startTestRedis();
    gw = await startTestGateway(
      redis,
      { accounts: TENANTS, shortCodes: TENANT_SHORT_CODES, ...overrides },
      options,
    );
    await waitForBound(gw);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await gw?.stop();
    await redis?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the tenant gateway is not started');
    return value;
  };
  const handle: TenantGateway = {
    get gw() {
      return started(gw);
    },
    get redis() {
      return started(redis);
    },
    async connect() {
      const port = started(gw).gateway.smppServer?.addresses.plain?.port;
      if (port === undefined) throw new Error('no SMPP listener');
      const client = await SmppPlatform.connect(port);
      clients.push(client);
      return client;
    },
    async bound(systemId, password) {
      const client = await handle.connect();
      const resp = await client.bind('transceiver', systemId, password);
      if (resp.command_status !== 0) throw new Error(`bind refused: ${resp.command_status}`);
      return client;
    },
  };
  return handle;
}

/** The texts the simulator (the operator) received, in order. */
export function operatorTexts(gw: TestGateway): string[] {
  return gw.gateway.simulator!.submits.map((s) => s.shortMessage.toString('latin1'));
}

/** Waits until the operator received this text. */
export async function reachesOperator(gw: TestGateway, text: string): Promise<void> {
  await waitFor(
    () => (operatorTexts(gw).includes(text) ? true : undefined),
    10_000,
    `"${text}" at the operator`,
  );
}

/** A logger of the daemon's own kind (src/logging, its redaction included) writing JSON lines into `lines`. */
export function capturingLogger(lines: string[], level = 'debug'): Logger {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(line);
      callback();
    },
  });
  return createLogger({ level, pretty: false, destination: sink, env: {} });
}
