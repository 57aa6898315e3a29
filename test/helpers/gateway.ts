// Starts a whole gateway in-process on real parts: its own built-in simulator on a free port, the test's
// redis-server (unique key prefix), the HTTP API on a free port. Returns what tests need to talk to it.
import pino from 'pino';
import { Gateway, type GatewayOptions } from '../../src/app.js';
import { buildConfig, type ConfigInput } from '../../src/config/index.js';
import { freePort } from '../../src/store/index.js';
import { redisSection, uniquePrefix, type TestRedis } from './redis.js';

export const TEST_API_KEY = 'test-key-acme';

export interface TestGateway {
  gateway: Gateway;
  baseUrl: string;
  apiKey: string;
  simulatorPort: number;
  request(
    method: string,
    path: string,
    body?: unknown,
    apiKey?: string,
  ): Promise<{ status: number; json: Record<string, unknown> }>;
  stop(): Promise<void>;
}

type Overrides = Partial<Omit<ConfigInput, 'operators'>> & {
  operator?: Record<string, unknown>;
  /** Gateway options (e.g. `policyShiftMs`, to stand just before a quiet-hours window opens). */
  options?: Omit<GatewayOptions, 'logger'>;
};

/**
 * Marketing may go at any hour unless a test configures `policy`: tests about other things must not depend
 * on the hour or the day they run at (the shipped windows hold French marketing at night and on Sundays).
 */
export const OPEN_ALL_HOURS: NonNullable<ConfigInput['policy']> = {
  quietHours: {
    default: {
      days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
      from: '00:00',
      to: '24:00',
      holidays: false,
    },
  },
};

export async function startTestGateway(
  redis: Pick<TestRedis, 'url' | 'cluster'>,
  overrides: Overrides = {},
  /** `logger`: where the gateway logs (default: nowhere, unless TEST_LOG_LEVEL is set). */
  options: GatewayOptions = {},
): Promise<TestGateway> {
  const simulatorPort = await freePort();
  const { operator, options: overrideOptions, ...rest } = overrides;
  const input = {
    log: { level: 'warn' },
    // TEST_REDIS_SHARDS=4 runs every gateway test on a sharded layout (docs/scaling.md).
    redis: {
      ...redisSection(redis),
      keyPrefix: uniquePrefix('gw'),
      shards: Number(process.env.TEST_REDIS_SHARDS ?? 1),
    },
    http: { listen: '127.0.0.1:0' },
    simulator: { enabled: true, listen: `127.0.0.1:${simulatorPort}`, receiptDelayMs: 50 },
    accounts: [{ id: 'acme', apiKeys: [TEST_API_KEY], senders: ['ACME', '36180'] }],
    operators: [
      {
        id: 'sim',
        host: '127.0.0.1',
        port: simulatorPort,
        systemId: 'gateway',
        password: 'secret',
        enquireLinkSeconds: 5,
        ...operator,
      },
    ],
    queue: { leaseMs: 2000 },
    shutdown: { drainTimeoutMs: 1000 },
    policy: OPEN_ALL_HOURS,
    ...rest,
  } as ConfigInput;
  const config = buildConfig(input);
  const gateway = new Gateway(config, {
    ...overrideOptions,
    ...options,
    logger: options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  });
  await gateway.start();
  const { host, port } = gateway.httpAddress;
  const baseUrl = `http://${host}:${port}`;
  return {
    gateway,
    baseUrl,
    apiKey: TEST_API_KEY,
    simulatorPort,
    async request(method, path, body, apiKey = TEST_API_KEY) {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${apiKey}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    },
    stop: () => gateway.stop(),
  };
}

/** Poll until `check` returns a value (not undefined), or fail after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
