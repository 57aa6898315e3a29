// `smpp-gateway balance [--account A] [--json]`: an account's credit, in segments, from a running daemon;
// `smpp-gateway balance add ACCOUNT N`: top it up (N may be negative) with an admin key (admin.apiKeys).
// Exit codes: 0 done; 1 failure; 2 usage.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../config/index.js';
import { isHashedApiKey } from '../security/index.js';
import type { CliIo } from './io.js';
import {
  apiErrorLine,
  callApi,
  CliError,
  resolveTarget,
  TARGET_OPTIONS,
  targetFlags,
  type DaemonTarget,
} from './http-client.js';

const USAGE = `usage: smpp-gateway balance [--account A] [--json]
       smpp-gateway balance add ACCOUNT N [--json]
  --account A          another account's balance (needs an admin key)
  --admin-key KEY      an admin key (admin.apiKeys); default $SMPPGW_ADMIN_KEY, or the config's first
  --json               print one JSON object
  --url URL --api-key KEY   the daemon (default: read from --config, default config/gateway.yaml)
`;

async function adminKey(flag: string | undefined, config: string | undefined): Promise<string> {
  const key = flag ?? process.env.SMPPGW_ADMIN_KEY;
  if (key) return key;
  const file = config ?? DEFAULT_CONFIG_FILE;
  if (existsSync(file)) {
    const first = (await loadConfig(file)).admin.apiKeys.find((k) => !isHashedApiKey(k));
    if (first) return first;
  }
  throw new CliError(
    `no --admin-key given, no $SMPPGW_ADMIN_KEY, and no admin.apiKeys in clear in ${file} (hashed keys cannot be sent)`,
  );
}

function describe(view: Record<string, unknown>): string {
  const credits = view.credits === null ? 'unlimited' : `${String(view.credits)} segments`;
  const threshold =
    view.lowBalanceThreshold === null || view.lowBalanceThreshold === undefined
      ? ''
      : ` (low-balance threshold ${String(view.lowBalanceThreshold)})`;
  return `${String(view.account)}: ${credits}${threshold}\n`;
}

export async function runBalance(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        account: { type: 'string' },
        'admin-key': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
        ...TARGET_OPTIONS,
      },
    });
  } catch (error) {
    io.stderr(`balance: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const adding = positionals[0] === 'add';
  if (adding ? positionals.length !== 3 : positionals.length !== 0) {
    io.stderr(`balance: unexpected arguments ${positionals.join(' ')}\n${USAGE}`);
    return 2;
  }
  const amount = adding ? Number(positionals[2]) : 0;
  if (adding && (!Number.isSafeInteger(amount) || amount === 0)) {
    io.stderr(`balance add: N must be a non-zero whole number of segments, got "${positionals[2]}"\n`);
    return 2;
  }
  try {
    const needsAdmin = adding || values.account !== undefined;
    const base = await resolveTarget(targetFlags(values)).catch((error: unknown) => {
      // An admin call needs no account key.
      if (needsAdmin && (values.url ?? process.env.SMPPGW_URL)) {
        return { baseUrl: (values.url ?? process.env.SMPPGW_URL)!.replace(/\/$/, ''), apiKey: '' };
      }
      throw error;
    });
    const target: DaemonTarget = needsAdmin
      ? { baseUrl: base.baseUrl, apiKey: await adminKey(values['admin-key'], values.config) }
      : base;
    const answer = adding
      ? await callApi(target, 'POST', `/v1/admin/accounts/${encodeURIComponent(positionals[1]!)}/credits`, {
          add: amount,
        })
      : await callApi(
          target,
          'GET',
          `/v1/balance${values.account !== undefined ? `?account=${encodeURIComponent(values.account)}` : ''}`,
        );
    if (answer.status !== 200) throw new CliError(`balance: ${apiErrorLine(answer.json, answer.status)}`);
    io.stdout(values.json ? `${JSON.stringify(answer.json)}\n` : describe(answer.json));
    return 0;
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr(`${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
