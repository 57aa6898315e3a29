// How the client commands (send, status) find and call a running daemon: its address and an API key
// come from flags, the environment, or the same config file the daemon reads.
import { existsSync } from 'node:fs';
import { DEFAULT_CONFIG_FILE, loadConfig, parseListen } from '../config/index.js';
import { isHashedApiKey } from '../security/index.js';

export interface DaemonTarget {
  baseUrl: string;
  apiKey: string;
}

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The --url / --api-key / --config flags every client command takes. */
export const TARGET_OPTIONS = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  config: { type: 'string' },
} as const;

export function targetFlags(values: { url?: string; 'api-key'?: string; config?: string }): {
  url?: string;
  apiKey?: string;
  config?: string;
} {
  return {
    ...(values.url !== undefined ? { url: values.url } : {}),
    ...(values['api-key'] !== undefined ? { apiKey: values['api-key'] } : {}),
    ...(values.config !== undefined ? { config: values.config } : {}),
  };
}

export async function resolveTarget(flags: {
  url?: string;
  apiKey?: string;
  config?: string;
}): Promise<DaemonTarget> {
  let baseUrl = flags.url ?? process.env.SMPPGW_URL;
  let apiKey = flags.apiKey ?? process.env.SMPPGW_API_KEY;
  if (!baseUrl || !apiKey) {
    const file = flags.config ?? DEFAULT_CONFIG_FILE;
    if (!existsSync(file)) {
      throw new CliError(
        `no ${!baseUrl ? '--url' : '--api-key'} given and no config file at ${file} to read it from`,
      );
    }
    const config = await loadConfig(file);
    if (!baseUrl) {
      const { host, port } = parseListen(config.http.listen);
      const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
      baseUrl = `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
    }
    // A key stored hashed (sha256:<hex>) only checks keys: it cannot be sent.
    apiKey ??= config.accounts.flatMap((a) => a.apiKeys).find((k) => !isHashedApiKey(k));
    if (!apiKey)
      throw new CliError(
        `no --api-key given and no account in ${file} has one in clear (hashed keys cannot be sent)`,
      );
  }
  return { baseUrl: baseUrl.replace(/\/$/, ''), apiKey };
}

export async function callApi(
  target: DaemonTarget,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  let response: Response;
  try {
    response = await fetch(`${target.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${target.apiKey}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (error) {
    throw new CliError(
      `cannot reach the daemon at ${target.baseUrl}: ${(error as Error).message} (is it running?)`,
    );
  }
  const text = await response.text();
  let json: Record<string, unknown>;
  try {
    json = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    throw new CliError(`unexpected answer from ${target.baseUrl}${path}: HTTP ${response.status}`);
  }
  return { status: response.status, json };
}

export function apiErrorLine(json: Record<string, unknown>, status: number): string {
  const error = json.error as { code?: string; message?: string } | undefined;
  return error ? `${error.code ?? 'ERROR'}: ${error.message ?? ''}` : `HTTP ${status}`;
}
