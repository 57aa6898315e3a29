// `smpp-gateway status ID [--json]`: a message's state, parts and history from a running daemon.
import { parseArgs } from 'node:util';
import type { CliIo } from './io.js';
import {
  apiErrorLine,
  callApi,
  CliError,
  resolveTarget,
  TARGET_OPTIONS,
  targetFlags,
} from './http-client.js';

export async function runStatus(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        ...TARGET_OPTIONS,
      },
    });
  } catch (error) {
    io.stderr(`status: ${(error as Error).message}\nusage: smpp-gateway status ID [--json]\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) {
    io.stderr('usage: smpp-gateway status ID [--json]\n');
    return 2;
  }
  try {
    const target = await resolveTarget(targetFlags(values));
    const got = await callApi(target, 'GET', `/v1/messages/${encodeURIComponent(positionals[0]!)}`);
    if (got.status !== 200) throw new CliError(`status: ${apiErrorLine(got.json, got.status)}`);
    const view = got.json;
    if (values.json) {
      io.stdout(`${JSON.stringify(view)}\n`);
      return 0;
    }
    const error = view.error as { stage?: string; code?: string; message?: string } | undefined;
    io.stdout(
      `${String(view.id)} ${String(view.state)}${error ? ` (${error.stage} ${error.code}: ${error.message})` : ''}\n`,
    );
    for (const part of (view.parts as Array<Record<string, unknown>> | undefined) ?? []) {
      io.stdout(
        `  part ${String(part.index)}: ${String(part.state)} smsc id ${String(part.smscMessageId ?? '-')}\n`,
      );
    }
    for (const h of (view.history as Array<Record<string, unknown>> | undefined) ?? []) {
      io.stdout(
        `  ${String(h.at)} ${String(h.state)}${h.code ? ` ${String(h.code)}` : ''}${h.detail ? ` (${String(h.detail)})` : ''}\n`,
      );
    }
    return 0;
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr(`${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
