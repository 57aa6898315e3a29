/**
 * `smpp-gateway policy check --to N --class C [--at ISO] [--account A] [--zone Z] [--json]`: may this message
 * be sent at that instant, and if not, why and when next (SPEC §4). The answer is the daemon's own decision
 * (`decide` on the rules built from the same configuration file), so it runs without a daemon: the
 * configuration, plus, with --account, the account's opt-out list read from Redis (unless --offline).
 * Exit codes: 0 allowed, 3 not allowed (the answer is printed either way), 1 failure (configuration, Redis),
 * 2 bad usage.
 */
import { parseArgs } from 'node:util';
import { IANAZone } from 'luxon';
import { ConfigError, DEFAULT_CONFIG_FILE, formatIssue, loadConfig, type Config } from '../config/index.js';
import { normaliseNumber } from '../numbers/index.js';
import {
  CampaignPolicy,
  OptOutList,
  PolicyError,
  createPolicyRules,
  policyCheckReport,
  type PolicyDecision,
} from '../policy/index.js';
import {
  OptOutStore,
  RedisKeys,
  connectRedis,
  createRedis,
  describeTarget,
  redisTargetOf,
  type RedisTarget,
} from '../store/index.js';
import type { CliIo } from './io.js';

const USAGE = `usage: smpp-gateway policy check --to NUMBER --class marketing|transactional [options]
  --at ISO-8601          the instant the message would leave (default now)
  --zone ZONE            the recipient's IANA time zone (wins over the number's)
  --account ID           apply that account's rules: its opt-out list (read from Redis), and its STOP
                         mention when --text is given
  --text TEXT            the text, to check the account's STOP mention (refuse mode)
  --validity MINUTES     the message's validity from --at: a wait past it is a QUIET_HOURS refusal
  --config FILE          the configuration (default ${DEFAULT_CONFIG_FILE})
  --redis URL            where the opt-out list is (default: redis.url of the configuration)
  --offline              do not read Redis: the opt-out list is not checked
  --json                 print {"allowed", "reason", "nextAllowedAt", "zone"}
exit: 0 allowed, 3 not allowed, 1 failure, 2 bad usage
`;

class UsageError extends Error {}
class FailureError extends Error {}

export async function runPolicyCheck(argv: string[], io: CliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        to: { type: 'string' },
        class: { type: 'string' },
        at: { type: 'string' },
        zone: { type: 'string' },
        account: { type: 'string' },
        text: { type: 'string' },
        validity: { type: 'string' },
        config: { type: 'string' },
        redis: { type: 'string' },
        offline: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    io.stderr(`policy check: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  try {
    const input = parseInput(values);
    const file = values.config ?? DEFAULT_CONFIG_FILE;
    const config = await readConfig(file);
    if (input.account !== undefined && !config.accounts.some((a) => a.id === input.account)) {
      throw new UsageError(`--account: no account "${input.account}" in ${file}`);
    }
    const policy = new CampaignPolicy(createPolicyRules(config));
    let optedOut = false;
    if (input.account !== undefined && !values.offline) {
      optedOut = await readOptOut(config, file, values.redis, input.account, input.to);
    }
    const decision = policy.decide(
      {
        to: input.to,
        class: input.class,
        ...(input.account !== undefined ? { account: input.account } : {}),
        ...(values.text !== undefined ? { text: values.text } : {}),
        ...(input.zone !== undefined ? { zone: input.zone } : {}),
        ...(input.validUntil !== undefined ? { validUntil: input.validUntil } : {}),
      },
      input.at,
      { optedOut },
    );
    const report = policyCheckReport(decision);
    io.stdout(values.json ? `${JSON.stringify(report)}\n` : describe(decision, input));
    return report.allowed ? 0 : 3;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`policy check: ${error.message}\n${USAGE}`);
      return 2;
    }
    if (error instanceof FailureError || error instanceof PolicyError) {
      io.stderr(`policy check: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

interface CheckInput {
  to: string;
  class: 'marketing' | 'transactional';
  at: number;
  zone?: string;
  account?: string;
  validUntil?: number;
}

function parseInput(values: {
  to?: string;
  class?: string;
  at?: string;
  zone?: string;
  account?: string;
  text?: string;
  validity?: string;
}): CheckInput {
  if (values.to === undefined) throw new UsageError('--to is required');
  const to = normaliseNumber(values.to);
  if (!to)
    throw new UsageError(`--to: "${values.to}" is not a valid phone number (E.164, e.g. +33612345678)`);
  if (values.class !== 'marketing' && values.class !== 'transactional') {
    throw new UsageError('--class is required: marketing or transactional');
  }
  let at = Date.now();
  if (values.at !== undefined) {
    at = Date.parse(values.at);
    if (Number.isNaN(at)) throw new UsageError(`--at: "${values.at}" is not an ISO 8601 date-time`);
  }
  if (values.zone !== undefined && !IANAZone.isValidZone(values.zone)) {
    throw new UsageError(`--zone: "${values.zone}" is not an IANA time zone`);
  }
  if (values.text !== undefined && values.account === undefined) {
    throw new UsageError("--text checks an account's STOP mention: give --account too");
  }
  let validUntil: number | undefined;
  if (values.validity !== undefined) {
    const minutes = Number(values.validity);
    if (!/^\d+$/.test(values.validity) || minutes < 1) {
      throw new UsageError(`--validity: expected a whole number of minutes, not "${values.validity}"`);
    }
    validUntil = at + minutes * 60_000;
  }
  return {
    to,
    class: values.class,
    at,
    ...(values.zone !== undefined ? { zone: values.zone } : {}),
    ...(values.account !== undefined ? { account: values.account } : {}),
    ...(validUntil !== undefined ? { validUntil } : {}),
  };
}

async function readConfig(file: string): Promise<Config> {
  try {
    return await loadConfig(file);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const lines = [error.message.split('\n')[0] ?? file, ...error.issues.map(formatIssue)];
    throw new FailureError(lines.join('\n'));
  }
}

/** The account's opt-out of `to`, read where the daemon keeps it. */
async function readOptOut(
  config: Config,
  file: string,
  flag: string | undefined,
  account: string,
  to: string,
): Promise<boolean> {
  const managedPort = config.redis.port ? `redis://127.0.0.1:${config.redis.port}/0` : undefined;
  const target: RedisTarget | undefined = flag
    ? { kind: 'url', url: flag }
    : (redisTargetOf(config.redis) ?? (managedPort ? { kind: 'url', url: managedPort } : undefined));
  if (target === undefined) {
    throw new FailureError(
      `--account reads the opt-out list from Redis, but ${file} has no redis.url (the daemon runs its own ` +
        'redis-server on a port chosen at start): give --redis URL, or --offline to check without it',
    );
  }
  const redis = createRedis(target, { retryStrategy: () => null, maxRetriesPerRequest: 0 });
  try {
    await connectRedis(redis, target);
    const optOuts = new OptOutList(new OptOutStore(redis, new RedisKeys(config.redis.keyPrefix)));
    return await optOuts.has(account, to);
  } catch (error) {
    throw new FailureError(
      `cannot read the opt-out list at ${describeTarget(target)}: ${error instanceof Error ? error.message : String(error)}`,
    );
  } finally {
    redis.disconnect();
  }
}

function describe(decision: PolicyDecision, input: CheckInput): string {
  const report = policyCheckReport(decision);
  const zone = report.zone ?? 'the hours common to its zones, or none known';
  const what = `${input.class} to ${input.to} at ${new Date(input.at).toISOString()}`;
  if (report.allowed) return `allowed: ${what} (zone ${zone})\n`;
  const lines = [`not allowed: ${what}`, `reason:      ${report.reason ?? ''}`];
  if (decision.action === 'refuse') lines.push(`why:         ${decision.message}`);
  lines.push(`next:        ${report.nextAllowedAt ?? 'waiting does not help'}`, `zone:        ${zone}`);
  return `${lines.join('\n')}\n`;
}
