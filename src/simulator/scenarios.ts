// Named fault scenarios of the SMSC simulator (Jasmin's idea: each test picks its failure by name) and the
// one place that decides, per bind and per submit_sm, what the active scenarios make the simulator do.
import { z } from 'zod';
import { CommandStatus, parseCommandStatus } from '../smpp/pdu/index.js';

export type Scenario =
  /** Above N submit_sm per sliding second (across every session of the simulator) → ESME_RTHROTTLED. */
  | { name: 'throttle'; maxPerSecond: number }
  /** Stop answering submit_sm after `afterSubmits` (default 0): all of them, or `count` of them. */
  | { name: 'noResponse'; afterSubmits?: number; count?: number }
  /** Answer every Nth submit_sm with generic_nack (command_status `status`, default ESME_RSYSERR). */
  | { name: 'genericNack'; every: number; status?: number }
  /** Record the Nth submit_sm without answering it, then drop the connection; `repeat`: every N submits. */
  | { name: 'closeAfter'; submits: number; repeat?: boolean }
  /** Once `afterSubmits` submit_sm were answered, answer the next one with an impossible command_length. */
  | { name: 'badCommandLength'; afterSubmits: number; commandLength?: number }
  /** Refuse the first N binds with `status` (default ESME_RBINDFAIL). */
  | { name: 'refuseBinds'; times: number; status?: number }
  /** Answer submit_sm with an error status: every one, or every Nth. */
  | { name: 'submitError'; status: number; every?: number }
  /** Delay every submit_sm_resp (and data_sm_resp) by delayMs. */
  | { name: 'slowResponse'; delayMs: number }
  /** Never answer enquire_link. */
  | { name: 'noEnquireLinkResponse' };

export type ScenarioName = Scenario['name'];

const count0 = z.number().int().min(0);
const count1 = z.number().int().min(1);
const status = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const parsed = parseCommandStatus(value);
  if (parsed === undefined || parsed > 0xffffffff) {
    ctx.addIssue({ code: 'custom', message: `not a command_status: ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return parsed;
});

/** Validates scenarios arriving as JSON (control server, config); statuses may be numbers, hex or names. */
export const scenarioSchema = z.discriminatedUnion('name', [
  z.strictObject({ name: z.literal('throttle'), maxPerSecond: count1 }),
  z.strictObject({
    name: z.literal('noResponse'),
    afterSubmits: count0.optional(),
    count: count1.optional(),
  }),
  z.strictObject({ name: z.literal('genericNack'), every: count1, status: status.optional() }),
  z.strictObject({ name: z.literal('closeAfter'), submits: count1, repeat: z.boolean().optional() }),
  z.strictObject({
    name: z.literal('badCommandLength'),
    afterSubmits: count0,
    commandLength: z.number().int().min(0).max(0xffffffff).optional(),
  }),
  z.strictObject({ name: z.literal('refuseBinds'), times: count0, status: status.optional() }),
  z.strictObject({ name: z.literal('submitError'), status, every: count1.optional() }),
  z.strictObject({ name: z.literal('slowResponse'), delayMs: count0 }),
  z.strictObject({ name: z.literal('noEnquireLinkResponse') }),
]);
export const scenarioListSchema = z.array(scenarioSchema);

// Compile-time proof that the schema and the public type agree in both directions.
type SchemaOutput = z.output<typeof scenarioSchema>;
const _schemaMatchesType: [SchemaOutput] extends [Scenario]
  ? [Scenario] extends [SchemaOutput]
    ? true
    : false
  : false = true;

export class ScenarioParseError extends Error {
  readonly code = 'SIMULATOR_BAD_SCENARIO';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ScenarioParseError';
  }
}

/** Positional argument names of the CLI form `NAME:ARG,ARG`, per scenario. */
const positional: Record<ScenarioName, string[]> = {
  throttle: ['maxPerSecond'],
  noResponse: ['afterSubmits', 'count'],
  genericNack: ['every', 'status'],
  closeAfter: ['submits', 'repeat'],
  badCommandLength: ['afterSubmits', 'commandLength'],
  refuseBinds: ['times', 'status'],
  submitError: ['status', 'every'],
  slowResponse: ['delayMs'],
  noEnquireLinkResponse: [],
};
const stringFields = new Set(['status']);

/**
 * Parses the CLI form: `throttle:50`, `noResponse:100,10`, `closeAfter:1000,repeat`,
 * `submitError:ESME_RSYSERR,3`, or with names: `noResponse:count=10,afterSubmits=100`.
 */
export function parseScenario(spec: string): Scenario {
  const colon = spec.indexOf(':');
  const name = (colon === -1 ? spec : spec.slice(0, colon)).trim();
  if (!(name in positional)) {
    throw new ScenarioParseError(
      `unknown scenario "${name}"; expected one of ${Object.keys(positional).join(', ')}`,
    );
  }
  const names = positional[name as ScenarioName];
  const args =
    colon === -1
      ? []
      : spec
          .slice(colon + 1)
          .split(',')
          .map((a) => a.trim())
          .filter((a) => a !== '');
  const raw: Record<string, unknown> = { name };
  args.forEach((arg, i) => {
    const eq = arg.indexOf('=');
    let key: string | undefined;
    let value: string;
    if (eq !== -1) {
      key = arg.slice(0, eq).trim();
      value = arg.slice(eq + 1).trim();
    } else if (arg === 'repeat') {
      key = 'repeat';
      value = 'true';
    } else {
      key = names[i];
      value = arg;
    }
    if (key === undefined) throw new ScenarioParseError(`${name}: too many arguments in "${spec}"`);
    if (key === 'repeat') raw[key] = value !== 'false';
    else if (stringFields.has(key)) raw[key] = value;
    else raw[key] = /^\d+$/.test(value) ? Number(value) : value;
  });
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || name}: ${i.message}`).join('; ');
    throw new ScenarioParseError(`scenario "${spec}": ${detail}`);
  }
  return parsed.data;
}

/** What the simulator does with one submit_sm (or data_sm). */
export type SubmitDecision =
  | { action: 'close' }
  | { action: 'badCommandLength'; commandLength: number }
  | { action: 'noResponse' }
  | { action: 'genericNack'; status: number; delayMs: number }
  /** `status` undefined: the destination rules decide (default ESME_ROK). */
  | { action: 'answer'; status: number | undefined; delayMs: number };

/**
 * The state of the active scenarios. Counts restart whenever the scenarios are replaced, so a test that
 * installs `refuseBinds: 3` mid-run gets exactly three refusals from that point on.
 */
export class ScenarioEngine {
  private scenarios: Scenario[] = [];
  private submitIndex = 0;
  private bindIndex = 0;
  private badLengthDone = false;
  private closeDone = false;
  /** Timestamps (ms) of submits let through by `throttle`, oldest first; `head` skips expired ones. */
  private window: number[] = [];
  private head = 0;

  constructor(
    scenarios: readonly Scenario[] = [],
    private readonly clock: () => number = Date.now,
  ) {
    this.set(scenarios);
  }

  set(scenarios: readonly Scenario[]): void {
    this.scenarios = scenarios.map((s) => ({ ...s }));
    this.submitIndex = 0;
    this.bindIndex = 0;
    this.badLengthDone = false;
    this.closeDone = false;
    this.window = [];
    this.head = 0;
  }

  list(): Scenario[] {
    return this.scenarios.map((s) => ({ ...s }));
  }

  private find<N extends ScenarioName>(name: N): Extract<Scenario, { name: N }> | undefined {
    return this.scenarios.find((s): s is Extract<Scenario, { name: N }> => s.name === name);
  }

  /** The status to refuse this bind with, or undefined to let it through to the credential check. */
  onBind(): number | undefined {
    this.bindIndex += 1;
    const refuse = this.find('refuseBinds');
    if (refuse && this.bindIndex <= refuse.times) return refuse.status ?? CommandStatus.ESME_RBINDFAIL;
    return undefined;
  }

  ignoresEnquireLink(): boolean {
    return this.find('noEnquireLinkResponse') !== undefined;
  }

  /** Connection-level faults first, then silence, then rate, then the error answers. */
  onSubmit(): SubmitDecision {
    const n = ++this.submitIndex;
    const close = this.find('closeAfter');
    if (close && n % close.submits === 0 && (close.repeat === true || !this.closeDone)) {
      this.closeDone = true;
      return { action: 'close' };
    }
    const bad = this.find('badCommandLength');
    if (bad && !this.badLengthDone && n === bad.afterSubmits + 1) {
      this.badLengthDone = true;
      // 8 is shorter than the 16-octet header itself (§3.2): no reader can frame it.
      return { action: 'badCommandLength', commandLength: bad.commandLength ?? 8 };
    }
    const silent = this.find('noResponse');
    if (silent) {
      const after = silent.afterSubmits ?? 0;
      if (n > after && (silent.count === undefined || n <= after + silent.count))
        return { action: 'noResponse' };
    }
    const delayMs = this.find('slowResponse')?.delayMs ?? 0;
    const throttle = this.find('throttle');
    if (throttle && !this.admit(throttle.maxPerSecond)) {
      return { action: 'answer', status: CommandStatus.ESME_RTHROTTLED, delayMs };
    }
    const nack = this.find('genericNack');
    if (nack && n % nack.every === 0) {
      return { action: 'genericNack', status: nack.status ?? CommandStatus.ESME_RSYSERR, delayMs };
    }
    const error = this.find('submitError');
    if (error && n % (error.every ?? 1) === 0) return { action: 'answer', status: error.status, delayMs };
    return { action: 'answer', status: undefined, delayMs };
  }

  /** Sliding one-second window over the submits let through, shared by every session of the simulator. */
  private admit(maxPerSecond: number): boolean {
    const now = this.clock();
    while (this.head < this.window.length && (this.window[this.head] ?? 0) <= now - 1000) this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.window.length) {
      this.window = this.window.slice(this.head);
      this.head = 0;
    }
    if (this.window.length - this.head >= maxPerSecond) return false;
    this.window.push(now);
    return true;
  }
}
