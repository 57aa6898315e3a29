// `smpp-gateway send --to N --from S --text T [--class C] [--at ISO] [--wait] [--json]`: submit one
// message to a running daemon and, with --wait, follow it to a final state.
// Exit codes: 0 accepted (or, with --wait, delivered/confirmed); 1 failure; 2 usage; 3 final state error or cancelled.
import { parseArgs } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import type { CliIo } from './io.js';
import {
  apiErrorLine,
  callApi,
  CliError,
  resolveTarget,
  TARGET_OPTIONS,
  targetFlags,
} from './http-client.js';

const USAGE = `usage: smpp-gateway send --to NUMBER --from SENDER --text TEXT [options]
  --class marketing|transactional   default transactional
  --at ISO-8601                     send at that time (scheduled)
  --validity MINUTES                validity period
  --client-ref REF                  idempotency key
  --wait                            follow the message to a final state
  --timeout SECONDS                 with --wait, give up after (default 120)
  --json                            print one JSON object
  --url URL --api-key KEY           the daemon (default: read from --config, default config/gateway.yaml)
`;

/** The state is final for `send --wait`: nothing will change it, or only a late receipt could. */
export function isSettled(view: Record<string, unknown>): boolean {
  const state = view.state;
  return (
    state === 'confirmed' ||
    state === 'error' ||
    state === 'cancelled' ||
    (state === 'delivered' && view.unconfirmed === true)
  );
}

export async function runSend(argv: string[], io: CliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        to: { type: 'string' },
        from: { type: 'string' },
        text: { type: 'string' },
        class: { type: 'string', default: 'transactional' },
        at: { type: 'string' },
        validity: { type: 'string' },
        'client-ref': { type: 'string' },
        wait: { type: 'boolean', default: false },
        timeout: { type: 'string', default: '120' },
        json: { type: 'boolean', default: false },
        ...TARGET_OPTIONS,
      },
    }));
  } catch (error) {
    io.stderr(`send: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  for (const required of ['to', 'from', 'text'] as const) {
    if (values[required] === undefined) {
      io.stderr(`send: --${required} is required\n${USAGE}`);
      return 2;
    }
  }
  try {
    const target = await resolveTarget(targetFlags(values));
    const body: Record<string, unknown> = {
      to: values.to,
      from: values.from,
      text: values.text,
      class: values.class,
    };
    if (values.at !== undefined) body.sendAt = values.at;
    if (values.validity !== undefined) body.validityMinutes = Number(values.validity);
    if (values['client-ref'] !== undefined) body.clientRef = values['client-ref'];
    const created = await callApi(target, 'POST', '/v1/messages', body);
    if (created.status !== 202) throw new CliError(`send: ${apiErrorLine(created.json, created.status)}`);
    const id = String(created.json.id);
    if (!values.wait) {
      io.stdout(values.json ? `${JSON.stringify(created.json)}\n` : `${id} ${String(created.json.state)}\n`);
      return 0;
    }
    const deadline = Date.now() + Number(values.timeout) * 1000;
    let view: Record<string, unknown> = created.json;
    let lastState = '';
    while (Date.now() < deadline) {
      const got = await callApi(target, 'GET', `/v1/messages/${encodeURIComponent(id)}`);
      if (got.status !== 200) throw new CliError(`status: ${apiErrorLine(got.json, got.status)}`);
      view = got.json;
      if (!values.json && view.state !== lastState) {
        lastState = String(view.state);
        if (!isSettled(view)) io.stderr(`${id} ${lastState}\n`);
      }
      if (isSettled(view)) break;
      await delay(200);
    }
    if (!isSettled(view)) {
      if (values.json) io.stdout(`${JSON.stringify(view)}\n`);
      io.stderr(`send: ${id} still ${String(view.state)} after ${values.timeout} s\n`);
      return 1;
    }
    if (values.json) io.stdout(`${JSON.stringify(view)}\n`);
    else {
      const error = view.error as { code?: string; stage?: string } | undefined;
      const suffix = error
        ? ` (${error.stage ?? ''} ${error.code ?? ''})`
        : view.unconfirmed
          ? ' (unconfirmed)'
          : '';
      io.stdout(`${id} ${String(view.state)}${suffix}\n`);
    }
    return view.state === 'error' || view.state === 'cancelled' ? 3 : 0;
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr(`${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
