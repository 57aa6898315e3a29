// `smpp-gateway simulator [options]`: the SMSC simulator as a standalone process, for trying the gateway (or
// any ESME) against receipts, MO and faults. Runs until SIGINT/SIGTERM; prints its counters every 10 s and
// on exit. Exit 0 after a clean stop, 1 when it cannot start, 2 on bad usage.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { pino, type Logger } from 'pino';
import { parseCommandStatus } from '../smpp/pdu/index.js';
import {
  formatCounters,
  isReceiptStat,
  parseScenario,
  ScenarioParseError,
  SmscSimulator,
  type DestinationRule,
  type Scenario,
  type SimulatorOptions,
} from '../simulator/index.js';

export interface SimulatorCliIo {
  stdout(s: string): void;
  stderr(s: string): void;
}

/** For tests and embedding: stop without a signal, print counters faster, see the simulator. */
export interface SimulatorCliControl {
  signal?: AbortSignal;
  counterIntervalMs?: number;
  onStarted?(simulator: SmscSimulator): void;
}

const USAGE = `usage: smpp-gateway simulator [options]
  --host H                 listen address (default 127.0.0.1)
  --port N                 listen port (default 2775; 0 = any free port)
  --system-id S            accept only this system_id (default: any)
  --password P             accept only this password (default: any)
  --id-format hex|decimal  message ids in lower-case hex (default) or decimal
  --receipt-delay-ms N     delay before a delivery receipt (default 500)
  --no-receipts            never send delivery receipts
  --rule PREFIX:STAT       receipts for destinations starting with PREFIX end in STAT (UNDELIV, EXPIRED, …);
                           also PREFIX:submitStatus=ESME_RINVDSTADR, PREFIX:noReceipt, PREFIX:receiptDelayMs=N
  --scenario NAME[:ARG,…]  a fault scenario, repeatable: throttle:50, noResponse:100,10, genericNack:5,
                           closeAfter:1000,repeat, badCommandLength:10, refuseBinds:3, submitError:ESME_RSYSERR,
                           slowResponse:200, noEnquireLinkResponse
  --control-port N         HTTP control server on loopback (GET /counters, POST /mo, PUT /scenarios, …)
  --control-host H         control server address (default 127.0.0.1)
  --tls-cert F --tls-key F listen with TLS (PEM files); --tls-ca F to add a CA
  --log-level L            pino level (default info; LOG_LEVEL also works); logs go to stderr as JSON
`;

class UsageError extends Error {}

function integer(name: string, value: string | undefined, min = 0): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min)
    throw new UsageError(`--${name}: expected an integer ≥ ${min}, got "${value}"`);
  return Number(value);
}

/** `PREFIX:STAT` or `PREFIX:key=value,…` (keys of DestinationRule). */
export function parseRule(spec: string): DestinationRule {
  const colon = spec.indexOf(':');
  if (colon === -1) throw new UsageError(`--rule ${spec}: expected PREFIX:STAT or PREFIX:key=value`);
  const rule: DestinationRule = { prefix: spec.slice(0, colon) };
  for (const part of spec.slice(colon + 1).split(',')) {
    const [key, value] = part.split('=', 2).map((s) => s.trim()) as [string, string | undefined];
    if (value === undefined && isReceiptStat(key)) rule.stat = key;
    else if (key === 'noReceipt' && value === undefined) rule.noReceipt = true;
    else if (key === 'stat' && isReceiptStat(value)) rule.stat = value;
    else if (key === 'submitStatus' && value !== undefined && parseCommandStatus(value) !== undefined) {
      rule.submitStatus = parseCommandStatus(value);
    } else if (key === 'receiptDelayMs' && value !== undefined && /^\d+$/.test(value))
      rule.receiptDelayMs = Number(value);
    else if (key === 'errorCode' && value !== undefined && /^\d+$/.test(value))
      rule.errorCode = Number(value);
    else throw new UsageError(`--rule ${spec}: cannot read "${part}"`);
  }
  return rule;
}

/** The command line as SimulatorOptions (file contents not read yet). */
export function parseSimulatorArgs(argv: string[]): {
  options: SimulatorOptions;
  tlsFiles?: { cert: string; key: string; ca?: string };
  logLevel: string;
  help: boolean;
} {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        'system-id': { type: 'string' },
        password: { type: 'string' },
        'id-format': { type: 'string' },
        'receipt-delay-ms': { type: 'string' },
        'no-receipts': { type: 'boolean' },
        rule: { type: 'string', multiple: true },
        scenario: { type: 'string', multiple: true },
        'control-port': { type: 'string' },
        'control-host': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'tls-ca': { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const idFormat = values['id-format'];
  if (idFormat !== undefined && idFormat !== 'hex' && idFormat !== 'decimal') {
    throw new UsageError(`--id-format: expected hex or decimal, got "${idFormat}"`);
  }
  const scenarios: Scenario[] = [];
  for (const spec of values.scenario ?? []) {
    try {
      scenarios.push(parseScenario(spec));
    } catch (error) {
      if (error instanceof ScenarioParseError) throw new UsageError(`--scenario ${error.message}`);
      throw error;
    }
  }
  const cert = values['tls-cert'];
  const key = values['tls-key'];
  if ((cert === undefined) !== (key === undefined))
    throw new UsageError('--tls-cert and --tls-key go together');
  const controlPort = integer('control-port', values['control-port']);
  const options: SimulatorOptions = {
    host: values.host ?? '127.0.0.1',
    port: integer('port', values.port) ?? 2775,
    systemId: values['system-id'],
    password: values.password,
    messageIdFormat: idFormat,
    receipts: values['no-receipts'] !== true,
    receiptDelayMs: integer('receipt-delay-ms', values['receipt-delay-ms']),
    rules: (values.rule ?? []).map(parseRule),
    scenarios,
    control:
      controlPort === undefined
        ? undefined
        : { host: values['control-host'] ?? '127.0.0.1', port: controlPort },
  };
  return {
    options,
    tlsFiles: cert !== undefined && key !== undefined ? { cert, key, ca: values['tls-ca'] } : undefined,
    logLevel: values['log-level'] ?? process.env['LOG_LEVEL'] ?? 'info',
    help: values.help === true,
  };
}

export async function runSimulatorCommand(
  argv: string[],
  io: SimulatorCliIo,
  control: SimulatorCliControl = {},
): Promise<number> {
  let parsed: ReturnType<typeof parseSimulatorArgs>;
  try {
    parsed = parseSimulatorArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`smpp-gateway simulator: ${error.message}\n${USAGE}`);
    return 2;
  }
  if (parsed.help) {
    io.stdout(USAGE);
    return 0;
  }
  let logger: Logger;
  try {
    logger = pino(
      { level: parsed.logLevel, base: { component: 'simulator' } },
      { write: (s: string) => io.stderr(s) },
    );
  } catch (error) {
    io.stderr(
      `smpp-gateway simulator: --log-level: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 2;
  }

  const options: SimulatorOptions = { ...parsed.options, logger };
  try {
    if (parsed.tlsFiles) {
      const { cert, key, ca } = parsed.tlsFiles;
      options.tls = {
        cert: await readFile(cert),
        key: await readFile(key),
        ca: ca === undefined ? undefined : await readFile(ca),
      };
    }
  } catch (error) {
    io.stderr(
      `smpp-gateway simulator: cannot read TLS files: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  }

  const simulator = new SmscSimulator(options);
  try {
    const address = await simulator.start();
    const controlText = simulator.controlAddress
      ? `, control http://${simulator.controlAddress.host}:${simulator.controlAddress.port}`
      : '';
    io.stdout(
      `SMSC simulator listening on ${address.host}:${address.port}${options.tls ? ' (TLS)' : ''}${controlText}\n`,
    );
  } catch (error) {
    await simulator.stop();
    io.stderr(
      `smpp-gateway simulator: cannot start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  }
  control.onStarted?.(simulator);

  await new Promise<void>((resolve) => {
    const interval = setInterval(
      () => io.stdout(`counters ${formatCounters(simulator.counters())}\n`),
      control.counterIntervalMs ?? 10_000,
    );
    const done = () => {
      clearInterval(interval);
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      control.signal?.removeEventListener('abort', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    if (control.signal?.aborted) done();
    else control.signal?.addEventListener('abort', done, { once: true });
  });

  await simulator.stop();
  io.stdout(`stopped; counters ${formatCounters(simulator.counters())}\n`);
  return 0;
}
