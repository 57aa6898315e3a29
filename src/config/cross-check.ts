// Checks that span several sections (unique ids, references between sections, listener clashes). They run on
// the raw input, beside the schema rather than after it, so that a file with both a bad port and a route to an
// unknown operator reports both at once. The input may be malformed anywhere: every access is defensive.
import type { PathIssue } from './env.js';
import { formatPath } from './errors.js';
import { parseListen } from './schema.js';
import { configuredKeyDigest } from '../security/index.js';

export interface CrossCheckResult {
  errors: PathIssue[];
  warnings: PathIssue[];
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const listAt = (o: Obj, key: string): unknown[] => {
  const v = o[key];
  return Array.isArray(v) ? v : [];
};
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function crossCheck(raw: unknown): CrossCheckResult {
  const errors: PathIssue[] = [];
  const warnings: PathIssue[] = [];
  if (!isObj(raw)) return { errors, warnings };

  /** Reports the second and later occurrences of a value, pointing back at the first one. */
  const unique = (
    items: Array<{ value: string | undefined; path: PropertyKey[] }>,
    describe: (value: string, firstPath: string) => string,
  ) => {
    const seen = new Map<string, PropertyKey[]>();
    for (const { value, path } of items) {
      if (value === undefined) continue;
      const first = seen.get(value);
      if (first) errors.push({ path, message: describe(value, formatPath(first)) });
      else seen.set(value, path);
    }
  };

  const accounts = listAt(raw, 'accounts');
  const operators = listAt(raw, 'operators');

  unique(
    accounts.map((a, i) => ({ value: isObj(a) ? str(a.id) : undefined, path: ['accounts', i, 'id'] })),
    (v, first) => `duplicate account id "${v}" (also at ${first})`,
  );
  unique(
    operators.map((o, i) => ({ value: isObj(o) ? str(o.id) : undefined, path: ['operators', i, 'id'] })),
    (v, first) => `duplicate operator id "${v}" (also at ${first})`,
  );
  // An API key identifies its account: a key shared by two accounts would make authentication ambiguous.
  // Compared by digest, so a key given in clear in one place and as sha256:<hex> in another is caught too.
  // The message never repeats the key itself.
  const keyDigest = (k: unknown): string | undefined => {
    const key = str(k);
    return key === undefined || key === '' ? undefined : configuredKeyDigest(key).toString('hex');
  };
  unique(
    accounts.flatMap((a, i) =>
      isObj(a)
        ? listAt(a, 'apiKeys').map((k, j) => ({ value: keyDigest(k), path: ['accounts', i, 'apiKeys', j] }))
        : [],
    ),
    (_v, first) => `API key already used at ${first}`,
  );
  // Not an error (the key authenticates without ambiguity), but a key both an account's and an admin's or a
  // scraper's gives that account more than its own: almost always a copy-paste.
  const accountKeys = new Map<string, PropertyKey[]>();
  accounts.forEach((a, i) => {
    if (!isObj(a)) return;
    listAt(a, 'apiKeys').forEach((k, j) => {
      const d = keyDigest(k);
      if (d !== undefined && !accountKeys.has(d)) accountKeys.set(d, ['accounts', i, 'apiKeys', j]);
    });
  });
  const privileged: Array<{ section: Obj | undefined; name: string; key: string; grants: string }> = [
    {
      section: isObj(raw.admin) ? raw.admin : undefined,
      name: 'admin',
      key: 'apiKeys',
      grants: 'the admin routes',
    },
    {
      section: isObj(raw.http) ? raw.http : undefined,
      name: 'http',
      key: 'metricsApiKeys',
      grants: '/metrics',
    },
  ];
  for (const { section, name, key, grants } of privileged) {
    if (!section) continue;
    listAt(section, key).forEach((k, j) => {
      const d = keyDigest(k);
      const first = d === undefined ? undefined : accountKeys.get(d);
      if (first) {
        warnings.push({
          path: [name, key, j],
          message: `the same key as ${formatPath(first)}: that account can also use ${grants}`,
        });
      }
    });
  }
  unique(
    accounts.map((a, i) => ({
      value: isObj(a) && isObj(a.smpp) ? str(a.smpp.systemId) : undefined,
      path: ['accounts', i, 'smpp', 'systemId'],
    })),
    (v, first) => `duplicate SMPP systemId "${v}" (also at ${first})`,
  );

  const accountIds = new Set(accounts.flatMap((a) => (isObj(a) && str(a.id) !== undefined ? [a.id] : [])));
  const operatorIds = new Set(operators.flatMap((o) => (isObj(o) && str(o.id) !== undefined ? [o.id] : [])));
  const checkOperatorRef = (v: unknown, path: PropertyKey[]) => {
    const id = str(v);
    if (id !== undefined && !operatorIds.has(id)) errors.push({ path, message: `unknown operator "${id}"` });
  };

  const routes = raw.routes;
  if (Array.isArray(routes)) {
    routes.forEach((r, i) => {
      if (isObj(r)) checkOperatorRef(r.operator, ['routes', i, 'operator']);
    });
    unique(
      routes.map((r, i) => ({ value: isObj(r) ? str(r.prefix) : undefined, path: ['routes', i, 'prefix'] })),
      (v, first) => `duplicate route prefix "${v}" (also at ${first})`,
    );
    // Not an error: a gateway may deliberately serve only some destinations. But say so, since anything
    // outside the listed prefixes will be refused.
    if (routes.length > 0 && !routes.some((r) => isObj(r) && r.prefix === '')) {
      warnings.push({
        path: ['routes'],
        message: 'no fallback route (prefix ""): messages to other destinations will be refused',
      });
    }
  }

  const shortCodes = listAt(raw, 'shortCodes');
  shortCodes.forEach((s, i) => {
    if (!isObj(s)) return;
    checkOperatorRef(s.operator, ['shortCodes', i, 'operator']);
    const account = str(s.account);
    if (account !== undefined && !accountIds.has(account)) {
      errors.push({ path: ['shortCodes', i, 'account'], message: `unknown account "${account}"` });
    }
  });
  unique(
    shortCodes.map((s, i) => ({
      value: isObj(s) ? str(s.code) : undefined,
      path: ['shortCodes', i, 'code'],
    })),
    (v, first) => `duplicate short code "${v}" (also at ${first})`,
  );

  checkListeners(raw, errors);
  return { errors, warnings };
}

/** Two of our own listeners on one host:port would fail at start with EADDRINUSE; say which ones now. */
function checkListeners(raw: Obj, errors: PathIssue[]): void {
  const listeners: Array<{ path: PropertyKey[]; value: unknown }> = [];
  // http.listen has a default: compare against it when the section or key is omitted.
  listeners.push({
    path: ['http', 'listen'],
    value: isObj(raw.http) ? (raw.http.listen ?? '127.0.0.1:8080') : '127.0.0.1:8080',
  });
  if (isObj(raw.smppServer)) {
    listeners.push({ path: ['smppServer', 'listen'], value: raw.smppServer.listen ?? '127.0.0.1:2776' });
    // The TLS listener beside the plain one (without its own address, `listen` itself serves TLS).
    if (isObj(raw.smppServer.tls) && raw.smppServer.tls.listen !== undefined)
      listeners.push({ path: ['smppServer', 'tls', 'listen'], value: raw.smppServer.tls.listen });
  }
  const sim = raw.simulator;
  if (isObj(sim) && (sim.enabled === true || sim.enabled === 'true')) {
    listeners.push({ path: ['simulator', 'listen'], value: sim.listen ?? '127.0.0.1:2775' });
    if (isObj(sim.control)) {
      listeners.push({
        path: ['simulator', 'control', 'listen'],
        value: sim.control.listen ?? '127.0.0.1:2780',
      });
    }
  }
  const seen = new Map<string, PropertyKey[]>();
  for (const { path, value } of listeners) {
    if (typeof value !== 'string') continue;
    let key: string;
    try {
      const { host, port } = parseListen(value);
      if (port === 0) continue; // port 0 picks a free port each time: no clash possible
      key = `${host}:${port}`;
    } catch {
      continue; // the schema reports the malformed address
    }
    const first = seen.get(key);
    if (first) errors.push({ path, message: `address ${key} is already used by ${formatPath(first)}` });
    else seen.set(key, path);
  }
}
