// Two tenants on one real gateway, for the isolation tests of issue 15 ("other tenants never get through"):
// alpha and bravo, each with its own API key (bravo's configured hashed, as sha256:<hex>), SMPP credentials,
// senders, short code and credit. Helpers read an account's event stream as the aggregator would.
import { createHash } from 'node:crypto';
import type { ConfigInput } from '../../../src/config/index.js';
import { RedisKeys } from '../../../src/store/index.js';
import type { TestGateway } from '../../helpers/gateway.js';
import type { TestRedis } from '../../helpers/redis.js';

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
  return new RedisKeys(gw.gateway.config.redis.keyPrefix);
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
