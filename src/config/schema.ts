// The configuration schema: one zod schema per section, defaults included, so that `z.output` is the shape the
// rest of the daemon reads. YAML keys equal these property names and are a user-facing contract (SPEC §6):
// rename nothing here without a migration. Cross-references (unique ids, routes naming operators, ...) are
// checked in cross-check.ts, where they can be reported together with the schema errors.
import { isIP } from 'node:net';
import { z } from 'zod';
import { API_KEY_HASH, API_KEY_HASH_PREFIX } from '../security/index.js';

// ---------------------------------------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------------------------------------

const NUMERIC = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

/**
 * A number field. Numeric strings are accepted too, because `${PORT}` substitution happens after YAML parsing
 * and always yields a string; coercing any numeric string (not only substituted ones) keeps the rule simple to
 * state in the docs. Non-numeric strings still fail with `expected a number, got "abc"`.
 */
function num<T extends z.ZodType<number, number>>(inner: T) {
  return z.preprocess(
    (v: number | string) => (typeof v === 'string' && NUMERIC.test(v.trim()) ? Number(v) : v),
    inner,
  );
}
const int = (min: number, max = Number.MAX_SAFE_INTEGER) => num(z.number().int().min(min).max(max));
const positive = () => num(z.number().positive());

/** A boolean field; "true"/"false" strings are accepted for the same reason as numeric strings. */
function bool() {
  return z.preprocess(
    (v: boolean | string) => (v === 'true' ? true : v === 'false' ? false : v),
    z.boolean(),
  );
}

/** Ids end up in Redis keys and metric labels: keep them to a safe alphabet. */
const slug = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, {
  error:
    'expected an id of lowercase letters, digits, "-" or "_" (at most 64, starting with a letter or digit)',
});

const nonEmpty = z.string().min(1);

/**
 * An API key in clear, or its hash `sha256:<64 hex digits>`. A key that starts like a hash but is not one is
 * refused: taken as a clear key, it would silently never match what its owner presents.
 */
const apiKey = nonEmpty.refine((k) => !k.startsWith(API_KEY_HASH_PREFIX) || API_KEY_HASH.test(k), {
  error: 'expected sha256:<64 hex digits>',
});

/** Failed authentications per source address before it is refused for a while (per instance). */
const authFailures = () =>
  z
    .strictObject({
      max: int(1).default(10),
      windowSeconds: int(1).default(60),
    })
    .prefault({});

/** `host:port` or `[v6-address]:port`, port 0..65535 (0 asks the OS for a free port, useful in tests). */
export function parseListen(s: string): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(s);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (host === undefined || !Number.isInteger(port) || port > 65535) {
    throw new Error(`expected host:port (port 0..65535, IPv6 as [::1]:8080), got ${JSON.stringify(s)}`);
  }
  return { host, port };
}

function listenString() {
  return z.string().refine(
    (s) => {
      try {
        parseListen(s);
        return true;
      } catch {
        return false;
      }
    },
    { error: 'expected host:port with a port in 0..65535 (IPv6 as [::1]:8080)' },
  );
}

function listenField(defaultValue: string) {
  return listenString().default(defaultValue);
}

const hhmm = /^(?:[01]\d|2[0-3]):[0-5]\d$/;
const hhmmTo = /^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/;
const minutesOf = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));

// SMPP 3.4 §4.1.1 (bind): system_id is a C-Octet String of at most 16 octets, password 9, system_type 13,
// each including the terminating NUL. Longer values cannot be encoded, so refuse them here rather than at bind.
const systemId = z.string().min(1).max(15);
const smppPassword = z.string().max(8);
const systemType = z.string().max(12);

// ---------------------------------------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------------------------------------

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const logSchema = z.strictObject({
  level: z.enum(LOG_LEVELS).default('info'),
  // Left undefined unless set: undefined means "pretty when stdout is a TTY", decided by createLogger.
  pretty: bool().optional(),
  showMessageText: bool().default(false),
  maskNumbers: bool().default(false),
});

// One node of a Redis Cluster or Sentinel set: redis://[user:password@]host:port (rediss:// for TLS).
const redisNodeUrl = z.string().regex(/^rediss?:\/\/(?:[^@/\s]*@)?[^:/\s]+:\d{1,5}\/?$/, {
  error: 'expected redis://host:port (or rediss://, with user:password@ optional)',
});

export const redisSchema = z
  .strictObject({
    url: z
      .string()
      .refine((s) => /^rediss?:\/\/./.test(s) || s.startsWith('/') || s.startsWith('unix://'), {
        error: 'expected a redis:// or rediss:// URL, or the path of a unix socket',
      })
      .optional(),
    // The key module adds hash tags ({...}) itself: braces or spaces here would break Redis Cluster slotting.
    keyPrefix: z
      .string()
      .regex(/^[A-Za-z0-9_:.-]+$/, { error: 'expected letters, digits, "_", ":", "." or "-"' })
      .default('smppgw'),
    dataDir: nonEmpty.default('./data/redis'),
    serverBin: nonEmpty.default('redis-server'),
    port: int(0, 65535).optional(),
    // Redis Cluster: seed nodes (any few of the cluster's nodes; the rest are discovered).
    cluster: z.array(redisNodeUrl).min(1).optional(),
    // Redis Sentinel: the sentinels' addresses and the monitored primary's name. The sentinels' own password,
    // if any, goes in their URLs; the primary's in `password` (and `username` for an ACL user).
    sentinel: z
      .strictObject({
        nodes: z.array(redisNodeUrl).min(1),
        name: nonEmpty,
        username: nonEmpty.optional(),
        password: nonEmpty.optional(),
        tls: bool().default(false),
      })
      .optional(),
    // With Cluster or Sentinel the primary's password (and ACL user) when not in a URL.
    username: nonEmpty.optional(),
    password: nonEmpty.optional(),
    // Before a message is acknowledged to its sender (202, submit_sm_resp, ingress entry consumed), wait for this
    // many replicas to have it (Redis WAIT); 0: do not wait. docs/scaling.md says what each choice can lose.
    waitReplicas: int(0, 16).default(0),
    waitTimeoutMs: int(1, 60_000).default(500),
    // Each operator's queue, its messages' records and their indexes are spread over this many hash tags
    // (docs/scaling.md). The count only grows: a Redis keeps the most it was given, since ids name their shard.
    // Default 1 on one server, 16 on a Cluster (spread evenly over the primaries' slots).
    shards: int(1, 32).optional(),
  })
  .superRefine((r, ctx) => {
    const shapes = [r.url && 'url', r.cluster && 'cluster', r.sentinel && 'sentinel'].filter(Boolean);
    if (shapes.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: [String(shapes[1])],
        message: `give one of url, cluster and sentinel, not ${shapes.join(' and ')}`,
      });
    }
    if (r.cluster && r.waitReplicas > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['waitReplicas'],
        message:
          'not supported with cluster: WAIT counts the writes of one connection, and a Cluster client spreads them over its primaries',
      });
    }
  })
  .transform(({ shards, ...r }) => ({ ...r, shards: shards ?? (r.cluster ? 16 : 1) }));

export const httpSchema = z.strictObject({
  listen: listenField('127.0.0.1:8080'),
  // Past max unknown API keys from one address within windowSeconds: 429 TOO_MANY_AUTH_FAILURES for it.
  authFailures: authFailures(),
  // Non-empty: GET /metrics wants one of these bearer keys. Its labels name accounts (their credit, their
  // traffic), which tenants able to reach the listener should not read of each other. Empty: open (SPEC §4).
  metricsApiKeys: z.array(apiKey).default([]),
});

export const smppServerSchema = z.strictObject({
  listen: listenField('127.0.0.1:2776'),
  // With `listen`: a TLS listener beside the plain one. Without: `smppServer.listen` itself serves TLS (the
  // meaning `tls` had before it could name its own address).
  tls: z
    .strictObject({
      listen: listenString().optional(),
      cert: nonEmpty,
      key: nonEmpty,
      ca: nonEmpty.optional(),
    })
    .optional(),
  // The system_id the gateway gives in bind_resp (SMPP 3.4 §4.1.2).
  systemId: systemId.default('smppgw'),
  // A connection that has not bound this long after it opened is closed.
  bindTimeoutMs: int(1).default(30_000),
  // Past max refused credentials from one address within windowSeconds: its binds get ESME_RBINDFAIL.
  authFailures: authFailures(),
  // enquire_link to an idle platform (§4.11); the session closes after enquireLinkMaxMisses unanswered.
  enquireLinkSeconds: int(1).default(30),
  enquireLinkMaxMisses: int(1).default(3),
  // How long our own requests (deliver_sm, enquire_link, unbind) wait for their response.
  responseTimeoutMs: int(1).default(10_000),
  // Requests of one connection being handled at once; past it the connection is not read until one ends.
  maxOutstanding: int(1).default(100),
  // A pre-split message still missing parts this long after its first part is refused (error PARTS_MISSING).
  partTimeoutSeconds: int(1).default(300),
  // Receipts and MO to bound platforms (deliver_sm).
  outbox: z
    .strictObject({
      window: int(1).default(10),
      maxAttempts: int(1).default(5),
      retryInitialMs: int(1).default(1000),
      retryMaxMs: int(1).default(60_000),
      pollIntervalMs: int(10).default(1000),
      // What waits for a platform that is not bound, per account (in Redis): past maxItems the oldest items
      // are dropped; an item not delivered maxAgeHours after it was produced is dropped. Both counted.
      maxItems: int(1).default(100_000),
      maxAgeHours: positive().default(72),
    })
    .refine((o) => o.retryInitialMs <= o.retryMaxMs, {
      error: 'retryInitialMs must not exceed retryMaxMs',
      path: ['retryInitialMs'],
    })
    .prefault({}),
});

/** Exported as a shape so the simulator can add fields; the object itself stays strict on unknown keys. */
export const simulatorShape = {
  enabled: bool().default(false),
  listen: listenField('127.0.0.1:2775'),
  systemId: z.string().optional(),
  // Omitted: the simulator accepts any password.
  password: z.string().optional(),
  messageIdFormat: z.enum(['hex', 'decimal']).default('hex'),
  receiptDelayMs: int(0).default(500),
  control: z.strictObject({ listen: listenField('127.0.0.1:2780') }).optional(),
};
export const simulatorSchema = z.strictObject(simulatorShape);

const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

/** A sender: alphanumeric (≤ 11 GSM-7 basic characters) or numeric (short code or long number, ≤ 15 digits). */
export function isValidSender(s: string): boolean {
  if (/^\+?\d{1,15}$/.test(s)) return true;
  const chars = [...s];
  return (
    chars.length >= 1 &&
    chars.length <= 11 &&
    s.trim() === s &&
    chars.every((c) => c !== '\n' && c !== '\r' && GSM7_BASIC.includes(c))
  );
}

/** `address/prefix`, IPv4 (prefix 0..32) or IPv6 (0..128). Matching lives in the SMPP server. */
export function isCidr(s: string): boolean {
  const slash = s.lastIndexOf('/');
  if (slash < 0) return false;
  const address = s.slice(0, slash);
  const prefix = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefix)) return false;
  const family = isIP(address);
  return family !== 0 && Number(prefix) <= (family === 4 ? 32 : 128);
}

const sender = z.string().refine(isValidSender, {
  error:
    'expected an alphanumeric sender ID of at most 11 GSM characters, or a short code / number of at most 15 digits',
});

export const accountSchema = z
  .strictObject({
    id: slug,
    apiKeys: z.array(apiKey).default([]),
    smpp: z
      .strictObject({
        systemId,
        password: smppPassword,
        maxBinds: int(1).default(2),
        // Source networks the platform may bind from (CIDR, IPv4 or IPv6). Omitted: any.
        allowedNetworks: z
          .array(
            z.string().refine(isCidr, { error: 'expected a CIDR block like 192.0.2.0/24 or 2001:db8::/32' }),
          )
          .min(1)
          .optional(),
        // The class of the messages this platform submits (SMPP has no field for it). Omitted: transactional
        // (applied by the SMPP server, so configs loaded before this key existed read back unchanged).
        class: z.enum(['transactional', 'marketing']).optional(),
      })
      .optional(),
    senders: z.array(sender).default([]),
    tps: positive().optional(),
    // In segments; omitted: unlimited.
    credits: int(0).optional(),
    lowBalanceThreshold: int(0).optional(),
    webhook: z
      .strictObject({
        url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
        secret: z.string().optional(),
      })
      .optional(),
    smartEncoding: bool().default(false),
    stopMention: z
      .strictObject({
        mode: z.enum(['refuse', 'append', 'off']).default('off'),
        text: nonEmpty.optional(),
      })
      .refine((v) => v.mode === 'off' || v.text !== undefined, {
        error: 'text is required unless mode is off',
        path: ['text'],
      })
      .optional(),
  })
  .refine((a) => a.apiKeys.length > 0 || a.smpp !== undefined, {
    error: 'an account needs at least one API key, or smpp credentials',
    path: ['apiKeys'],
  });

const tlsClientSchema = z.strictObject({
  ca: nonEmpty.optional(),
  cert: nonEmpty.optional(),
  key: nonEmpty.optional(),
  servername: nonEmpty.optional(),
  rejectUnauthorized: bool().default(true),
});
export type TlsClientConfig = z.output<typeof tlsClientSchema>;

export const SUBMIT_ACTIONS = ['ok', 'retry', 'throttle', 'reject'] as const;
export type SubmitAction = (typeof SUBMIT_ACTIONS)[number];

/**
 * `commandStatus` keys: a decimal number, a 0x hex number, or an ESME_R* name. Numbers are normalised to their
 * decimal string ("0x58" → "88"), names to upper case; the SMPP layer resolves names with its status table
 * (config does not import it: dependencies point inward).
 */
export function normaliseCommandStatusKey(k: string): string | undefined {
  const s = k.trim();
  if (/^\d+$/.test(s)) return String(Number(s));
  if (/^0x[0-9a-f]{1,8}$/i.test(s)) return String(Number.parseInt(s.slice(2), 16));
  if (/^ESME_R[A-Z0-9_]+$/i.test(s)) return s.toUpperCase();
  return undefined;
}

const ton = int(0, 255).optional();

export const operatorSchema = z.strictObject({
  id: slug,
  host: nonEmpty,
  port: int(1, 65535),
  systemId,
  password: smppPassword,
  systemType: systemType.default(''),
  bindMode: z.enum(['transmitter', 'receiver', 'transceiver', 'pair']).default('transceiver'),
  binds: int(1).default(1),
  window: int(1).default(10),
  // Segments per second across all instances (the limit is shared through Redis).
  tps: positive().default(100),
  enquireLinkSeconds: int(1).default(30),
  messageIdFormat: z.enum(['auto', 'hex', 'decimal', 'string']).default('auto'),
  concatenation: z.enum(['udh8', 'udh16', 'sar', 'payload']).default('udh8'),
  maxParts: int(1, 255).default(10),
  gsm7DataCoding: num(z.union([z.literal(0), z.literal(1)], { error: 'expected 0 or 1' })).default(0),
  packed: bool().default(false),
  latin1: bool().default(false),
  nationalLanguage: z.enum(['turkish', 'spanish', 'portuguese']).optional(),
  receipts: bool().default(true),
  receiptTimeoutHours: positive().default(48),
  validityMinutes: int(1).optional(),
  responseTimeoutMs: int(1).default(10_000),
  bindTimeoutMs: int(1).default(10_000),
  enquireLinkMaxMisses: int(1).default(3),
  reconnect: z
    .strictObject({
      initialMs: int(1).default(1000),
      maxMs: int(1).default(60_000),
      bindRefusedMinMs: int(0).default(30_000),
    })
    .refine((r) => r.initialMs <= r.maxMs, { error: 'initialMs must not exceed maxMs', path: ['initialMs'] })
    .prefault({}),
  // true is shorthand for TLS with the system CAs; normalised so readers see `false | { ... }` only.
  tls: z
    .union([bool(), tlsClientSchema], { error: 'expected true, false or a mapping (ca, cert, key, ...)' })
    .default(false)
    .transform((v): false | TlsClientConfig => (v === true ? { rejectUnauthorized: true } : v)),
  sourceAddrTon: ton,
  sourceAddrNpi: ton,
  destAddrTon: ton,
  destAddrNpi: ton,
  commandStatus: z
    .record(
      z.string().refine((k) => normaliseCommandStatusKey(k) !== undefined, {
        error: 'expected a command_status as a number, 0x hex, or a name like ESME_RTHROTTLED',
      }),
      z.enum(SUBMIT_ACTIONS),
    )
    .default({})
    .transform((r) => {
      const out: Record<string, SubmitAction> = {};
      for (const [k, v] of Object.entries(r)) out[normaliseCommandStatusKey(k) ?? k] = v;
      return out;
    }),
  // Readiness (/readyz) waits for at least one bound session to a required operator.
  required: bool().default(true),
});

export const routeSchema = z.strictObject({
  prefix: z.string().regex(/^(?:|\+\d{1,15})$/, { error: 'expected "" (the fallback) or "+" and digits' }),
  operator: slug,
});

export const shortCodeSchema = z.strictObject({
  code: z.string().regex(/^\+?\d{2,15}$/, { error: 'expected a short code or number of at most 15 digits' }),
  account: slug,
  operator: slug,
  autoResponder: z
    .strictObject({
      enabled: bool().default(false),
      text: nonEmpty,
      intervalMinutes: int(0).default(1440),
    })
    .optional(),
  keywords: z
    .array(
      z
        .strictObject({
          keyword: nonEmpty,
          match: z.enum(['firstWord', 'wholeText']).default('firstWord'),
          reply: nonEmpty.optional(),
          webhook: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).optional(),
        })
        .refine((k) => k.reply !== undefined || k.webhook !== undefined, {
          error: 'a keyword needs a reply, a webhook, or both',
          path: ['reply'],
        }),
    )
    .default([]),
});

const keywordList = z.array(nonEmpty).min(1);

export const keywordsSchema = z.strictObject({
  stop: keywordList.default([
    'STOP',
    'STOP SMS',
    'ARRET',
    'ARRÊT',
    'UNSUBSCRIBE',
    'CANCEL',
    'END',
    'QUIT',
    'STOPALL',
  ]),
  start: keywordList.default(['START', 'UNSTOP']),
  help: keywordList.default(['HELP', 'AIDE', 'INFO']),
  stopReply: nonEmpty.default('Vous ne recevrez plus de SMS de notre part.'),
  startReply: nonEmpty.default('Vous êtes de nouveau inscrit.'),
  helpReply: nonEmpty.default(
    'Aide : répondez STOP pour ne plus recevoir de SMS, START pour vous réinscrire.',
  ),
});

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const sendingWindowSchema = z
  .strictObject({
    days: z.array(z.enum(WEEKDAYS)).min(1).default(['mon', 'tue', 'wed', 'thu', 'fri', 'sat']),
    from: z.string().regex(hhmm, { error: 'expected HH:MM (24-hour)' }).default('08:00'),
    to: z.string().regex(hhmmTo, { error: 'expected HH:MM (24-hour, 24:00 allowed)' }).default('20:00'),
    // true: no marketing on the country's public holidays.
    holidays: bool().default(true),
  })
  // Malformed times are reported by their own checks (which do not stop this refinement): only order valid ones.
  .refine((w) => !hhmm.test(w.from) || !hhmmTo.test(w.to) || minutesOf(w.from) < minutesOf(w.to), {
    error: 'from must be earlier than to (the window cannot wrap past midnight)',
    path: ['to'],
  });

const countryCode = z
  .string()
  .regex(/^[A-Z]{2}$/, { error: 'expected an ISO 3166-1 alpha-2 country code like FR' });

/** The window of countries that have none of their own (`policy.quietHours.default`), as shipped. */
export function defaultQuietHoursWindow(): { days: Weekday[]; from: string; to: string; holidays: boolean } {
  return { days: [...WEEKDAYS], from: '08:00', to: '20:00', holidays: false };
}

const DAY_SPEC = /^(?:(\d{4})-)?(\d{2})-(\d{2})$/;
const EASTER_SPEC = /^easter(?:[+-]\d{1,3})?$/;

/**
 * A holiday day as configuration writes it: `YYYY-MM-DD` (that date), `MM-DD` (that date every year), or
 * `easter`, `easter+N`, `easter-N` (N days from Western Easter Sunday, e.g. `easter+50` for Whit Monday), because
 * the days users add or exclude are either one-off dates, fixed dates or moveable feasts.
 */
export function isHolidayDaySpec(s: string): boolean {
  if (EASTER_SPEC.test(s)) return true;
  const m = DAY_SPEC.exec(s);
  if (!m) return false;
  const month = Number(m[2]);
  const day = Number(m[3]);
  // A yearly date may be 02-29 (it then applies in leap years only).
  const year = m[1] === undefined ? 2000 : Number(m[1]);
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= last;
}

const holidayDays = z.array(
  z.string().refine(isHolidayDaySpec, {
    error: 'expected YYYY-MM-DD, MM-DD (every year), or easter, easter+N, easter-N (days from Easter Sunday)',
  }),
);

// Region codes are those of the date-holidays package (e.g. FR 57, 67, 68); YAML reads 57 unquoted as a number.
const regionCode = z.preprocess(
  (v: number | string) => (typeof v === 'number' && Number.isInteger(v) ? String(v) : v),
  z.string().regex(/^[A-Za-z0-9]{1,6}$/, { error: 'expected a region code like 57 or ENG' }),
);

export const policySchema = z.strictObject({
  // Marketing is sent only inside these windows, in the recipient's time zone; keys are ISO 3166-1 alpha-2,
  // plus `default` for every other country. Giving quietHours replaces the country table (FR) rather than
  // merging with it; `default` is added back when omitted, because "no restriction" must be asked for.
  quietHours: z
    .record(
      z.string().regex(/^(?:[A-Z]{2}|default)$/, {
        error: 'expected an ISO 3166-1 alpha-2 country code like FR, or default',
      }),
      sendingWindowSchema,
    )
    .default({
      FR: { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'], from: '08:00', to: '20:00', holidays: true },
      default: defaultQuietHoursWindow(),
    })
    .transform((q) => (q.default ? q : { ...q, default: defaultQuietHoursWindow() })),
  // Public holidays come from the date-holidays package; these keys only add to or take from it.
  holidays: z
    .strictObject({
      extra: z.record(countryCode, holidayDays).default({}),
      exclude: z.record(countryCode, holidayDays).default({}),
      regions: z.record(countryCode, z.array(regionCode)).default({}),
    })
    .prefault({}),
  frequencyCap: z
    .strictObject({
      maxPerRecipient: int(1),
      windowDays: int(1).default(30),
    })
    .optional(),
  transactionalHonoursOptOut: bool().default(false),
});

export const queueSchema = z
  .strictObject({
    maxDepth: int(1).default(1_000_000),
    maxAttempts: int(1).default(5),
    retryInitialMs: int(1).default(5000),
    retryMaxMs: int(1).default(600_000),
    leaseMs: int(1).default(30_000),
    // Bind-slot leases: how long a dead instance keeps its operator binds before others may take them.
    bindLeaseMs: int(1000).default(15_000),
    batchSize: int(1).default(50),
  })
  .refine((q) => q.retryInitialMs <= q.retryMaxMs, {
    error: 'retryInitialMs must not exceed retryMaxMs',
    path: ['retryInitialMs'],
  });

export const messagesSchema = z.strictObject({
  retentionDays: positive().default(7),
  // Each account's event stream is capped near this many entries (XADD MAXLEN ~): the oldest go first.
  eventsMaxLen: int(1000).default(1_000_000),
});

export const shutdownSchema = z.strictObject({ drainTimeoutMs: int(0).default(5000) });

export const moSchema = z.strictObject({
  // A concatenated MO still missing parts this long after its first part is delivered incomplete, flagged.
  reassemblyTimeoutSeconds: int(1).default(300),
  // How often expired reassemblies and unprocessed inbound messages are looked for.
  sweepIntervalMs: int(10).default(1000),
  // Country of originators sent in national format (leading 0, TON national), for E.164 normalisation.
  defaultCountry: z
    .string()
    .regex(/^[A-Z]{2}$/, { error: 'expected an ISO 3166-1 alpha-2 country code like FR' })
    .default('FR'),
});

export const webhooksSchema = z
  .strictObject({
    timeoutMs: int(1).default(10_000),
    retryInitialMs: int(1).default(1000),
    retryMaxMs: int(1).default(300_000),
    // A delivery still failing this long after it was first queued is abandoned (logged, counted).
    maxAgeHours: positive().default(24),
    // Omitted: only maxAgeHours bounds the retries.
    maxAttempts: int(1).optional(),
    pollIntervalMs: int(10).default(500),
    concurrency: int(1).default(10),
  })
  .refine((w) => w.retryInitialMs <= w.retryMaxMs, {
    error: 'retryInitialMs must not exceed retryMaxMs',
    path: ['retryInitialMs'],
  });

/** Operators' own API keys: account-wide actions no account may take for itself (credit top-ups). */
export const adminSchema = z.strictObject({
  apiKeys: z.array(apiKey).default([]),
});

// ---------------------------------------------------------------------------------------------------------
// Root
// ---------------------------------------------------------------------------------------------------------

export const configSchema = z
  .strictObject({
    log: logSchema.prefault({}),
    // Omitted, or without url: managed mode (the daemon runs its own redis-server).
    redis: redisSchema.prefault({}),
    http: httpSchema.prefault({}),
    smppServer: smppServerSchema.optional(),
    simulator: simulatorSchema.prefault({}),
    accounts: z.array(accountSchema).default([]),
    operators: z.array(operatorSchema).min(1),
    routes: z.array(routeSchema).optional(),
    shortCodes: z.array(shortCodeSchema).default([]),
    keywords: keywordsSchema.prefault({}),
    policy: policySchema.prefault({}),
    queue: queueSchema.prefault({}),
    messages: messagesSchema.prefault({}),
    shutdown: shutdownSchema.prefault({}),
    mo: moSchema.prefault({}),
    webhooks: webhooksSchema.prefault({}),
    admin: adminSchema.prefault({}),
  })
  .transform(({ routes, ...rest }) => {
    // Omitted routes: everything goes to the first operator (the common single-operator setup).
    const first = rest.operators[0];
    const defaulted: RouteOutput[] = routes ?? (first ? [{ prefix: '', operator: first.id }] : []);
    return { ...rest, routes: defaulted };
  });

type RouteOutput = z.output<typeof routeSchema>;

// ---------------------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------------------

/** Config objects are deeply frozen at load time; the types say so. */
export type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** What a YAML file (after env substitution) or buildConfig() accepts: defaults may be omitted. */
export type ConfigInput = z.input<typeof configSchema>;
/** The validated, defaulted, frozen configuration. */
export type Config = DeepReadonly<z.output<typeof configSchema>>;

export type LogConfig = Config['log'];
export type RedisConfig = Config['redis'];
export type HttpConfig = Config['http'];
export type SmppServerConfig = NonNullable<Config['smppServer']>;
export type SimulatorConfig = Config['simulator'];
export type AccountConfig = Config['accounts'][number];
export type OperatorConfig = Config['operators'][number];
export type OperatorTlsConfig = OperatorConfig['tls'];
export type BindMode = OperatorConfig['bindMode'];
export type MessageIdFormat = OperatorConfig['messageIdFormat'];
export type Concatenation = OperatorConfig['concatenation'];
export type RouteConfig = Config['routes'][number];
export type ShortCodeConfig = Config['shortCodes'][number];
export type KeywordsConfig = Config['keywords'];
export type PolicyConfig = Config['policy'];
export type SendingWindowConfig = PolicyConfig['quietHours'][string];
export type HolidaysConfig = PolicyConfig['holidays'];
export type QueueConfig = Config['queue'];
export type MessagesConfig = Config['messages'];
export type ShutdownConfig = Config['shutdown'];
export type MoConfig = Config['mo'];
export type WebhooksConfig = Config['webhooks'];
