// Logging: pino, JSON lines by default, pretty for a human at a terminal. Discreet by construction: secrets are
// redacted and message text hidden before anything is serialised, at any depth of the logged object.
//
// Conventions for child loggers (STYLE habit 12): `logger.child({ op })` per operator, `{ op, bind }` per SMPP
// session (bind = "<op>#<n>"), `{ msgId }` per message. pino's own message key is `msg`, so a message id bound
// as `msg` would collide with it: child bindings named `msg` are renamed to `msgId`.
import pino from 'pino';
import pinoPretty from 'pino-pretty';

export type Logger = pino.Logger;

export const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type Level = (typeof LEVELS)[number];

export interface LoggerOptions {
  /** Used unless the LOG_LEVEL environment variable is set (LOG_LEVEL wins, so an operator can turn up
   * logging without editing the config). Default 'info'. */
  level?: string;
  /** true: human-readable lines; false: JSON; undefined: pretty when stdout is a TTY. */
  pretty?: boolean;
  /** Show SMS text in logs (text, shortMessage, messagePayload fields). Default false: shown as its length. */
  showMessageText?: boolean;
  /** Mask the last digits of phone numbers in number-like fields (to, from, msisdn, ...). Default false. */
  maskNumbers?: boolean;
  /** Where lines go; default stdout. */
  destination?: NodeJS.WritableStream | pino.DestinationStream;
  /** Source of LOG_LEVEL; default process.env (injectable for tests). */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface RedactOptions {
  showMessageText?: boolean;
  maskNumbers?: boolean;
}

export const REDACTED = '[redacted]';

// Compared lower-cased. Matching by key name at any depth is deliberate: pino's `redact` paths reach a fixed
// depth only, and a logged config section or request would carry its secrets deeper than any list foresees.
const SECRET_KEYS = new Set([
  'password',
  'passwd',
  'secret',
  'apikey',
  'apikeys',
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'cookie',
  'set-cookie',
]);
const TEXT_KEYS = new Set(['text', 'shortmessage', 'short_message', 'messagepayload', 'message_payload']);
const NUMBER_KEYS = new Set([
  'to',
  'from',
  'msisdn',
  'number',
  'recipient',
  'destination',
  'destaddr',
  'sourceaddr',
  'destination_addr',
  'source_addr',
]);
const PHONE = /^\+?\d{8,15}$/;
const MAX_DEPTH = 10;

/**
 * Masks the last 4 digits of a phone number: '+33612345678' → '+3361234****'. Enough stays to recognise the
 * country and operator range in a log, not enough to identify a person. Shorter numbers (short codes) lose
 * their last half; anything that is not a number (an alphanumeric sender) is returned unchanged.
 */
export function maskNumber(n: string): string {
  if (!/^\+?\d+$/.test(n)) return n;
  const digits = n.replace('+', '').length;
  const k = digits >= 8 ? 4 : Math.floor(digits / 2);
  return k === 0 ? n : n.slice(0, n.length - k) + '*'.repeat(k);
}

/**
 * Returns a copy of a value to be logged with secrets replaced by '[redacted]', message text by
 * '[hidden: N chars]' (unless showMessageText) and phone numbers masked (if maskNumbers). Plain objects and
 * arrays are copied; other objects (Error, Buffer, Date) are kept as they are for pino's serialisers.
 */
export function redact(value: unknown, options: RedactOptions = {}): unknown {
  const seen = new WeakSet<object>();
  const walk = (v: unknown, depth: number): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (!Array.isArray(v) && !isPlainObject(v)) return v;
    if (seen.has(v)) return '[Circular]';
    if (depth >= MAX_DEPTH) return '[Object]';
    seen.add(v);
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, x] of Object.entries(v)) {
      const lower = key.toLowerCase();
      let y: unknown;
      if (SECRET_KEYS.has(lower)) y = x === undefined ? x : REDACTED;
      else if (!options.showMessageText && TEXT_KEYS.has(lower)) y = hideText(x);
      else if (options.maskNumbers && NUMBER_KEYS.has(lower) && typeof x === 'string' && PHONE.test(x)) {
        y = maskNumber(x);
      } else y = walk(x, depth + 1);
      Object.defineProperty(out, key, { value: y, enumerable: true, writable: true, configurable: true });
    }
    return out;
  };
  return walk(value, 0);
}

function hideText(x: unknown): unknown {
  if (x === undefined || x === null) return x;
  if (typeof x === 'string') return `[hidden: ${[...x].length} chars]`;
  if (Buffer.isBuffer(x)) return `[hidden: ${x.length} bytes]`;
  return '[hidden]';
}

function isPlainObject(v: object): v is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export function isLevel(s: string): s is Level {
  return (LEVELS as readonly string[]).includes(s);
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const env = options.env ?? process.env;
  const envLevel = env.LOG_LEVEL?.trim().toLowerCase();
  const configured = options.level ?? 'info';
  if (!isLevel(configured))
    throw new Error(`log level must be one of ${LEVELS.join(', ')}, got "${configured}"`);
  const badEnvLevel = envLevel !== undefined && envLevel !== '' && !isLevel(envLevel);
  const level = envLevel !== undefined && isLevel(envLevel) ? envLevel : configured;

  const redactOptions: RedactOptions = {
    showMessageText: options.showMessageText ?? false,
    maskNumbers: options.maskNumbers ?? false,
  };
  const pretty = options.pretty ?? process.stdout.isTTY === true;

  const pinoOptions: pino.LoggerOptions = {
    level,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      log: (obj) => redact(obj, redactOptions) as Record<string, unknown>,
    },
  };

  const destination = pretty
    ? pinoPretty({
        destination: options.destination ?? 1,
        colorize: options.destination === undefined && process.stdout.isTTY === true,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname',
        // Synchronous so the last lines before an exit are not lost.
        sync: true,
      })
    : (options.destination ?? pino.destination({ dest: 1, sync: true }));

  const logger = pino(pinoOptions, destination);
  // pino applies `formatters.bindings` to the root's base bindings only, not to child bindings, so children
  // are created through this wrapper. Children are Object.create(parent) in pino, so they inherit it.
  const pinoChild = logger.child;
  Object.defineProperty(logger, 'child', {
    value: function discreetChild(
      this: Logger,
      bindings: pino.Bindings,
      childOptions?: pino.ChildLoggerOptions,
    ) {
      const { msg, ...rest } = bindings;
      const renamed = msg === undefined ? rest : { ...rest, msgId: msg };
      const child: Logger = Reflect.apply(pinoChild, this, [redact(renamed, redactOptions), childOptions]);
      return child;
    },
    writable: true,
    configurable: true,
  });
  if (badEnvLevel) {
    logger.warn(
      { LOG_LEVEL: env.LOG_LEVEL },
      `LOG_LEVEL is not one of ${LEVELS.join(', ')}: using "${level}"`,
    );
  }
  return logger;
}
