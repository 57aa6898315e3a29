// The simulator's control interface: a few JSON endpoints on loopback (node:http, no framework) so a
// person or a test in another process can read counters, inject MO and switch scenarios at run time.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { z } from 'zod';
import { parseCommandStatus } from '../smpp/pdu/index.js';
import { RECEIPT_STATS, receiptPreview } from './receipts.js';
import { scenarioListSchema } from './scenarios.js';
import { SimulatorError } from './errors.js';
import type { SimulatorCounters } from './counters.js';
import type { Scenario } from './scenarios.js';
import type { ReceiptStat } from './receipts.js';
import type { DestinationRule, MoInjection, MoResult, RecordedSubmit } from './types.js';

/** What the control server needs of the simulator (an interface, so the two modules do not import each other). */
export interface SimulatorControl {
  counters(): SimulatorCounters;
  sessions(): unknown[];
  readonly submits: readonly RecordedSubmit[];
  scenarios(): Scenario[];
  setScenarios(scenarios: Scenario[]): void;
  getRules(): DestinationRule[];
  setRules(rules: DestinationRule[]): void;
  injectMo(mo: MoInjection): Promise<MoResult>;
  sendReceipt(ref: number | string, stat: ReceiptStat): Promise<void>;
}

const MAX_BODY_OCTETS = 1 << 20;

const status = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const parsed = parseCommandStatus(value);
  if (parsed === undefined) {
    ctx.addIssue({ code: 'custom', message: `not a command_status: ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return parsed;
});

export const destinationRuleSchema = z.strictObject({
  prefix: z.string(),
  stat: z.enum(RECEIPT_STATS as [string, ...string[]]).optional(),
  submitStatus: status.optional(),
  receiptDelayMs: z.number().int().min(0).optional(),
  noReceipt: z.boolean().optional(),
  errorCode: z.number().int().min(0).max(999).optional(),
});
export const destinationRuleListSchema = z.array(destinationRuleSchema);

const moSchema = z.strictObject({
  from: z.string().min(1).max(20),
  to: z.string().min(1).max(20),
  text: z.string().optional(),
  shortMessageHex: z
    .string()
    .regex(/^([0-9a-fA-F]{2})*$/)
    .optional(),
  dataCoding: z.number().int().min(0).max(255).optional(),
  esmClass: z.number().int().min(0).max(255).optional(),
  concatenation: z.enum(['udh8', 'udh16', 'sar']).optional(),
  partOrder: z.array(z.number().int().min(1)).optional(),
  systemId: z.string().optional(),
});

const receiptSchema = z.strictObject({
  ref: z.union([z.number().int().min(1), z.string().min(1)]),
  stat: z.enum(RECEIPT_STATS as [string, ...string[]]),
});

class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function issuesText(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
}

/** A recorded submit as JSON: octets in hex, plus a best-effort text for people reading it. */
export function submitToJson(s: RecordedSubmit): Record<string, unknown> {
  return {
    ...s,
    shortMessage: s.shortMessage.toString('hex'),
    text: receiptPreview(s.shortMessage, s.dataCoding, s.esmClass),
    tlvs: s.tlvs.map((t) => ({ tag: t.tag, value: t.value.toString('hex') })),
  };
}

export class ControlServer {
  private readonly server: http.Server;
  private bound: { host: string; port: number } | undefined;

  constructor(
    private readonly simulator: SimulatorControl,
    private readonly options: { host?: string; port: number },
    private readonly log: Logger,
  ) {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.log.error({ err: error }, 'control request failed');
        if (!res.headersSent) this.reply(res, 500, { error: { code: 'INTERNAL', message: String(error) } });
        else res.destroy();
      });
    });
  }

  get address(): { host: string; port: number } | undefined {
    return this.bound;
  }

  async start(): Promise<{ host: string; port: number }> {
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    this.bound = { host: address.address, port: address.port };
    this.log.info(this.bound, 'simulator control server listening');
    return this.bound;
  }

  stop(): Promise<void> {
    if (!this.server.listening) return Promise.resolve();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const route = `${req.method ?? 'GET'} ${url.pathname}`;
    try {
      switch (route) {
        case 'GET /counters':
          return this.reply(res, 200, this.simulator.counters());
        case 'GET /sessions':
          return this.reply(res, 200, this.simulator.sessions());
        case 'GET /submits': {
          const limit = Number(url.searchParams.get('limit') ?? '100');
          if (!Number.isInteger(limit) || limit < 0)
            throw new HttpError(400, 'BAD_LIMIT', 'limit: expected an integer ≥ 0');
          const all = this.simulator.submits;
          const last = limit === 0 ? [] : all.slice(-limit);
          return this.reply(res, 200, {
            total: this.simulator.counters().submits,
            submits: last.map(submitToJson),
          });
        }
        case 'GET /scenarios':
          return this.reply(res, 200, this.simulator.scenarios());
        case 'PUT /scenarios': {
          const parsed = scenarioListSchema.safeParse(await readJson(req));
          if (!parsed.success) throw new HttpError(400, 'BAD_SCENARIOS', issuesText(parsed.error));
          this.simulator.setScenarios(parsed.data);
          return this.reply(res, 200, this.simulator.scenarios());
        }
        case 'GET /rules':
          return this.reply(res, 200, this.simulator.getRules());
        case 'PUT /rules': {
          const parsed = destinationRuleListSchema.safeParse(await readJson(req));
          if (!parsed.success) throw new HttpError(400, 'BAD_RULES', issuesText(parsed.error));
          this.simulator.setRules(parsed.data as DestinationRule[]);
          return this.reply(res, 200, this.simulator.getRules());
        }
        case 'POST /mo': {
          const parsed = moSchema.safeParse(await readJson(req));
          if (!parsed.success) throw new HttpError(400, 'BAD_MO', issuesText(parsed.error));
          const { shortMessageHex, ...mo } = parsed.data;
          if (mo.text === undefined && shortMessageHex === undefined) {
            throw new HttpError(400, 'BAD_MO', 'text or shortMessageHex is required');
          }
          const result = await this.simulator.injectMo({
            ...mo,
            shortMessage: shortMessageHex === undefined ? undefined : Buffer.from(shortMessageHex, 'hex'),
          });
          return this.reply(res, 200, result);
        }
        case 'POST /receipts': {
          const parsed = receiptSchema.safeParse(await readJson(req));
          if (!parsed.success) throw new HttpError(400, 'BAD_RECEIPT', issuesText(parsed.error));
          await this.simulator.sendReceipt(parsed.data.ref, parsed.data.stat as ReceiptStat);
          return this.reply(res, 200, { ok: true });
        }
        default:
          throw new HttpError(404, 'NOT_FOUND', `no route ${route}`);
      }
    } catch (error) {
      if (error instanceof HttpError) {
        return this.reply(res, error.statusCode, { error: { code: error.code, message: error.message } });
      }
      if (error instanceof SimulatorError) {
        const code =
          error.code === 'SIMULATOR_UNKNOWN_SUBMIT' ? 404 : error.code === 'SIMULATOR_BAD_INPUT' ? 400 : 409;
        return this.reply(res, code, { error: { code: error.code, message: error.message } });
      }
      if (error instanceof Error && 'code' in error && error.code === 'SIMULATOR_RESPONSE_TIMEOUT') {
        return this.reply(res, 504, { error: { code: error.code, message: error.message } });
      }
      if (error instanceof Error && 'code' in error && error.code === 'SIMULATOR_CONNECTION_CLOSED') {
        return this.reply(res, 502, { error: { code: error.code, message: error.message } });
      }
      throw error;
    }
  }

  private reply(res: http.ServerResponse, statusCode: number, body: unknown): void {
    const json = JSON.stringify(body);
    res.writeHead(statusCode, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(json),
    });
    res.end(json);
  }
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_OCTETS)
      throw new HttpError(413, 'BODY_TOO_LARGE', `body over ${MAX_BODY_OCTETS} octets`);
    chunks.push(buf);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'BAD_JSON', 'body is not valid JSON');
  }
}
