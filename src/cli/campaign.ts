// `smpp-gateway campaign create --name N --from S --class C --template T --csv FILE [--at ISO] [--zone Z]
// [--json]`: a campaign from a template and a CSV of recipients (a column `to`, the others are template
// fields), through a running daemon's HTTP API; a progress bar on a terminal while the file loads (none with
// --json, or when stderr is not a terminal). `campaign status ID [--json]`, `campaign cancel ID`.
// Exit codes: 0 done; 1 failure; 2 usage.
import { createReadStream, statSync } from 'node:fs';
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

const USAGE = `usage: smpp-gateway campaign create --name N --from S --class C --template T --csv FILE
                                  [--at ISO] [--zone Z] [--validity MINUTES] [--test NUMBER]... [--json]
       smpp-gateway campaign status ID [--json]
       smpp-gateway campaign cancel ID [--json]
  --template T     the text, with {{field}} for a CSV column (e.g. "Bonjour {{prenom}}")
  --csv FILE       recipients: a header line with a column "to", the others are template fields
  --at ISO         send at that time (a local time without offset is in --zone, default UTC)
  --test NUMBER    send one message to this number now, first (repeatable)
  --url URL --api-key KEY   the daemon (default: read from --config, default config/gateway.yaml)
`;

export interface CampaignCliOptions {
  /** Draw the progress bar (default: stderr is a terminal). */
  tty?: boolean;
}

function bar(done: number, total: number): string {
  const width = 30;
  const share = total === 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(share * width);
  return `\rloading [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.round(share * 100)}%`;
}

/** The file's text, drawing a progress bar on `io.stderr` while it is read when `progress`. */
async function loadCsv(file: string, io: CliIo, progress: boolean): Promise<string> {
  let total: number;
  try {
    total = statSync(file).size;
  } catch (error) {
    throw new CliError(`campaign create: cannot read ${file}: ${(error as Error).message}`);
  }
  const chunks: Buffer[] = [];
  let read = 0;
  let rows = 0;
  await new Promise<void>((resolve, reject) => {
    const stream = createReadStream(file, { highWaterMark: 64 * 1024 });
    stream.on('data', (chunk: Buffer | string) => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      chunks.push(buffer);
      read += buffer.length;
      for (const byte of buffer) if (byte === 0x0a) rows++;
      if (progress) io.stderr(bar(read, total));
    });
    stream.on('end', resolve);
    stream.on('error', (error) =>
      reject(new CliError(`campaign create: cannot read ${file}: ${error.message}`)),
    );
  });
  if (progress) io.stderr(`${bar(total, total)}, ${Math.max(0, rows - 1)} rows\n`);
  return Buffer.concat(chunks).toString('utf8');
}

function describeCreated(json: Record<string, unknown>): string {
  const segments = json.segments as { min: number; max: number } | undefined;
  const invalid = (json.invalid as Array<{ row: number; code: string }> | undefined) ?? [];
  const refused = (json.refused as Array<{ row: number; code: string }> | undefined) ?? [];
  const lines = [
    `campaign ${String(json.id)}: ${String(json.state)}`,
    `  recipients ${String(json.recipients)}, duplicates ${String(json.duplicates)}, invalid ${invalid.length}` +
      (refused.length > 0 ? `, refused ${refused.length}` : ''),
    `  segments ${segments ? `${segments.min}–${segments.max}` : '?'}, credits ${String(json.credits)}`,
    ...invalid.slice(0, 20).map((r) => `  row ${r.row}: ${r.code}`),
    ...refused.slice(0, 20).map((r) => `  row ${r.row}: refused ${r.code}`),
  ];
  return `${lines.join('\n')}\n`;
}

function describeStatus(json: Record<string, unknown>): string {
  const f = (json.figures as Record<string, unknown> | undefined) ?? {};
  const errors = Object.entries((f.errorsByCode as Record<string, number> | undefined) ?? {})
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  return (
    [
      `campaign ${String(json.id)} "${String(json.name)}": ${String(json.state)}`,
      `  total ${String(f.total)}: produced ${String(f.produced)}, production errors ${String(f.productionErrors)}, ` +
        `remaining ${String(f.remaining)}, cancelled ${String(f.cancelled)}`,
      `  delivered ${String(f.delivered)}, delivery errors ${String(f.deliveryErrors)}; confirmed ` +
        `${String(f.confirmed)}, delivered unconfirmed ${String(f.deliveredUnconfirmed)}`,
      ...(errors ? [`  errors: ${errors}`] : []),
    ].join('\n') + '\n'
  );
}

export async function runCampaign(
  argv: string[],
  io: CliIo,
  options: CampaignCliOptions = {},
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        name: { type: 'string' },
        from: { type: 'string' },
        class: { type: 'string' },
        template: { type: 'string' },
        csv: { type: 'string' },
        at: { type: 'string' },
        zone: { type: 'string' },
        validity: { type: 'string' },
        test: { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
        ...TARGET_OPTIONS,
      },
    });
  } catch (error) {
    io.stderr(`campaign: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const [sub, id, ...extra] = positionals;
  const usage = (message: string): number => {
    io.stderr(`campaign: ${message}\n${USAGE}`);
    return 2;
  };
  if (sub === 'create') {
    if (id !== undefined) return usage(`unexpected argument ${id}`);
    for (const required of ['name', 'from', 'class', 'template', 'csv'] as const) {
      if (values[required] === undefined) return usage(`--${required} is required`);
    }
  } else if (sub === 'status' || sub === 'cancel') {
    if (id === undefined || extra.length > 0) return usage(`${sub} takes one campaign id`);
  } else {
    return usage(`unknown subcommand ${sub ?? '(none)'}`);
  }
  try {
    const target = await resolveTarget(targetFlags(values));
    if (sub === 'create') {
      const progress = !values.json && (options.tty ?? process.stderr.isTTY === true);
      const csv = await loadCsv(values.csv!, io, progress);
      const body: Record<string, unknown> = {
        name: values.name,
        from: values.from,
        class: values.class,
        template: values.template,
        csv,
      };
      if (values.at !== undefined) body.sendAt = values.at;
      if (values.zone !== undefined) body.zone = values.zone;
      if (values.validity !== undefined) body.validityMinutes = Number(values.validity);
      if (values.test !== undefined) body.testNumbers = values.test;
      const created = await callApi(target, 'POST', '/v1/campaigns', body);
      if (created.status !== 201) {
        throw new CliError(`campaign create: ${apiErrorLine(created.json, created.status)}`);
      }
      io.stdout(values.json ? `${JSON.stringify(created.json)}\n` : describeCreated(created.json));
      return 0;
    }
    const path = `/v1/campaigns/${encodeURIComponent(id!)}`;
    const answer = await callApi(target, sub === 'status' ? 'GET' : 'DELETE', path);
    if (answer.status !== 200)
      throw new CliError(`campaign ${sub}: ${apiErrorLine(answer.json, answer.status)}`);
    if (values.json) io.stdout(`${JSON.stringify(answer.json)}\n`);
    else if (sub === 'status') io.stdout(describeStatus(answer.json));
    else
      io.stdout(`campaign ${id!}: cancelled ${String(answer.json.cancelled)} messages not yet submitted\n`);
    return 0;
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr(`${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
