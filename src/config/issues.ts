// Turns zod issues into the messages users read: `expected a number, got "abc"`, `missing required key`,
// `unknown key (did you mean "window"?)`. zod's own messages are written for developers; ours name YAML
// notions (list, mapping) and never echo the value of a secret.
import type { z } from 'zod';
import type { PathIssue } from './env.js';

/** Keys whose values are never printed in an error message, at any depth. */
const SECRET_KEYS = new Set(['password', 'secret', 'apiKeys', 'apiKey', 'key']);
/** Fields bounded by SMPP 3.4 §4.1.1 C-Octet String sizes: say why a length is refused. */
const SMPP_LIMITED = new Set(['systemId', 'password', 'systemType']);

type ZodIssue = z.core.$ZodIssue;

export function isSecretPath(path: readonly PropertyKey[]): boolean {
  return path.some((seg) => typeof seg === 'string' && SECRET_KEYS.has(seg));
}

/** A short description of a received value for "got ...". */
export function describeValue(v: unknown, secret: boolean): string {
  if (v === null) return 'an empty value';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (secret) return typeof v === 'string' ? 'a string' : `a ${typeof v}`;
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  return String(v);
}

const EXPECTED: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

/** Expands one zod issue into one or more path issues (unrecognized_keys lists several keys at once). */
export function fromZodIssue(issue: ZodIssue, schema: z.core.$ZodType): PathIssue[] {
  const path = issue.path;
  const secret = isSecretPath(path);
  const got = () => describeValue(issue.input, secret);
  const last = path[path.length - 1];
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return [{ path, message: 'missing required key' }];
      const expected = EXPECTED[issue.expected] ?? `a ${issue.expected}`;
      // YAML reads 36180 or +33 unquoted as numbers: the fix is quoting, so say it.
      const hint =
        issue.expected === 'string' && typeof issue.input === 'number' ? ' (put it in quotes)' : '';
      return [{ path, message: `expected ${expected}, got ${got()}${hint}` }];
    }
    case 'invalid_value': {
      const values = issue.values.map((v) => String(v));
      const expected = values.length === 1 ? String(values[0]) : `one of ${values.join(' | ')}`;
      return [{ path, message: `expected ${expected}, got ${got()}` }];
    }
    case 'unrecognized_keys': {
      const known = knownKeysAt(schema, path);
      return issue.keys.map((k) => {
        const suggestion = known ? closest(k, known) : undefined;
        return {
          path: [...path, k],
          message: suggestion ? `unknown key (did you mean "${suggestion}"?)` : 'unknown key',
        };
      });
    }
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'string') {
        return [{ path, message: min <= 1 ? 'must not be empty' : `must be at least ${min} characters` }];
      }
      if (issue.origin === 'array') {
        return [{ path, message: `must list at least ${min} item${min === 1 ? '' : 's'}` }];
      }
      const bound = issue.inclusive === false ? `greater than ${min}` : `at least ${min}`;
      return [{ path, message: `must be ${bound}, got ${got()}` }];
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'string') {
        const why = typeof last === 'string' && SMPP_LIMITED.has(last) ? ' (SMPP 3.4 limit)' : '';
        return [{ path, message: `must be at most ${max} characters${why}` }];
      }
      if (issue.origin === 'array') return [{ path, message: `must list at most ${max} items` }];
      const bound = issue.inclusive === false ? `less than ${max}` : `at most ${max}`;
      return [{ path, message: `must be ${bound}, got ${got()}` }];
    }
    case 'invalid_key': {
      const inner = issue.issues[0];
      return [{ path, message: inner && !isZodDefault(inner.message) ? inner.message : 'invalid key' }];
    }
    case 'invalid_union': {
      // `tls: { ca: x, foo: 1 }` fails both `boolean` and the mapping branch; the useful report is the
      // mapping branch's ("tls.foo: unknown key"). Pick the one branch whose failure is not a plain type
      // mismatch at the value itself, when there is exactly one.
      const relevant = issue.errors.filter(
        (errs) =>
          !errs.every(
            (e) => e.path.length === 0 && (e.code === 'invalid_type' || e.code === 'invalid_value'),
          ),
      );
      const branch = relevant.length === 1 ? relevant[0] : undefined;
      if (branch) {
        return branch.flatMap((e) => fromZodIssue({ ...e, path: [...path, ...e.path] } as ZodIssue, schema));
      }
      return [{ path, message: isZodDefault(issue.message) ? `invalid value, got ${got()}` : issue.message }];
    }
    default:
      // invalid_format and custom: the schema gives these their own messages.
      return [{ path, message: isZodDefault(issue.message) ? `invalid value, got ${got()}` : issue.message }];
  }
}

/** zod's built-in messages start with "Invalid" or "Too"; ours are lower-case sentences. */
function isZodDefault(message: string): boolean {
  return /^(Invalid|Too )/.test(message);
}

// ---------------------------------------------------------------------------------------------------------
// "did you mean": the keys an object schema accepts at a path, found by walking the schema's definitions.
// ---------------------------------------------------------------------------------------------------------

type Def = { type: string } & Record<string, unknown>;

const isSchema = (v: unknown): v is z.core.$ZodType => v !== null && typeof v === 'object' && '_zod' in v;
const defOf = (s: z.core.$ZodType): Def => s._zod.def as unknown as Def;

/** Follows wrappers (optional, default, pipe ...) to the schemas that actually parse the value. */
function unwrap(s: z.core.$ZodType, depth = 0): z.core.$ZodType[] {
  if (depth > 20) return [];
  const d = defOf(s);
  const next = (k: string): z.core.$ZodType[] => {
    const v = d[k];
    return isSchema(v) ? unwrap(v, depth + 1) : [];
  };
  switch (d.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return next('innerType');
    case 'pipe':
      return [...next('in'), ...next('out')];
    case 'union':
      return Array.isArray(d.options) ? d.options.filter(isSchema).flatMap((o) => unwrap(o, depth + 1)) : [];
    default:
      return [s];
  }
}

export function knownKeysAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] | undefined {
  let current = unwrap(schema);
  for (const seg of path) {
    current = current.flatMap((s) => {
      const d = defOf(s);
      if (d.type === 'object' && typeof seg === 'string' && d.shape !== null && typeof d.shape === 'object') {
        const child = (d.shape as Record<string, unknown>)[seg];
        return isSchema(child) ? unwrap(child) : [];
      }
      if (d.type === 'array' && typeof seg === 'number' && isSchema(d.element)) return unwrap(d.element);
      if (d.type === 'record' && isSchema(d.valueType)) return unwrap(d.valueType);
      return [];
    });
  }
  const keys = current.flatMap((s) => {
    const d = defOf(s);
    return d.type === 'object' && d.shape !== null && typeof d.shape === 'object' ? Object.keys(d.shape) : [];
  });
  return keys.length > 0 ? keys : undefined;
}

/** The known key nearest to a mistyped one, if it is close enough to be a typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}

/** Edit distance counting a swap of two adjacent letters as one edit ("levle" → "level"). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]?.[j] ?? Infinity;
  for (let i = 1; i <= a.length; i++) {
    const row = d[i] ?? [];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, at(i - 2, j - 2) + 1);
      row[j] = v;
    }
  }
  return at(a.length, b.length);
}
