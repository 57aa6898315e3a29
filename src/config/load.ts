// Loading: read → YAML → ${ENV} substitution → schema + cross-checks → deep freeze. Every stage collects all
// of its problems before failing, and each problem is mapped back to a line of the file when there is one.
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import type { Document } from 'yaml';
import { crossCheck } from './cross-check.js';
import type { Env, PathIssue } from './env.js';
import { substituteEnv } from './env.js';
import type { ConfigErrorCode, ConfigIssue } from './errors.js';
import { ConfigError, formatPath } from './errors.js';
import { fromZodIssue } from './issues.js';
import { configSchema } from './schema.js';
import type { Config, ConfigInput } from './schema.js';

export const DEFAULT_CONFIG_FILE = 'config/gateway.yaml';

export interface LoadOptions {
  /** Variables for `${NAME}` substitution; default `process.env`. */
  env?: Env;
  /** Called for problems that do not stop the daemon (e.g. no fallback route). */
  onWarning?: (warning: ConfigIssue) => void;
}

/** Reads, substitutes, validates and freezes a config file. Throws ConfigError. */
export async function loadConfig(file: string, options: LoadOptions = {}): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const errno = (err as NodeJS.ErrnoException).code;
    const message =
      errno === 'ENOENT' ? `file not found: ${file}` : `cannot read ${file}: ${errno ?? String(err)}`;
    throw new ConfigError('CONFIG_NOT_FOUND', file, [{ path: '', message }], { cause: err });
  }
  return parseConfig(text, file, options);
}

/** Parses YAML text; `sourceName` names it in errors (a file path, or e.g. "<inline>"). Throws ConfigError. */
export function parseConfig(text: string, sourceName: string, options: LoadOptions = {}): Config {
  const lineCounter = new LineCounter();
  // merge: true lets two operators share settings through `<<: *anchor`, a common YAML idiom.
  const doc = parseDocument(text, { lineCounter, merge: true, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e): ConfigIssue => {
      const pos = e.linePos?.[0];
      const firstLine = e.message.split('\n')[0] ?? e.message;
      // yaml appends " at line L, column C" to its messages: we report the position in our own format.
      const message = firstLine.replace(/ at line \d+, column \d+:?$/, '');
      return pos
        ? {
            path: '',
            message: `line ${pos.line}, column ${pos.col}: ${message}`,
            line: pos.line,
            column: pos.col,
          }
        : { path: '', message };
    });
    throw new ConfigError('CONFIG_YAML', sourceName, issues);
  }
  const tree: unknown = doc.toJS({ maxAliasCount: 1000 });
  return validate(tree ?? {}, sourceName, options, locator(doc, lineCounter), true);
}

/** Validates a plain object as read from YAML (with `${ENV}` substitution). Throws ConfigError. */
export function parseConfigObject(obj: unknown, source: string, options: LoadOptions = {}): Config {
  return validate(obj, source, options, () => undefined, true);
}

/**
 * Builds a Config in code (tests, tools): defaults applied, validated, frozen; no `${ENV}` substitution, the
 * values are taken literally. Throws ConfigError naming the offending paths.
 */
export function buildConfig(input: ConfigInput, options: Pick<LoadOptions, 'onWarning'> = {}): Config {
  return validate(input, '<buildConfig>', options, () => undefined, false);
}

type Locate = (path: readonly PropertyKey[]) => { line: number; column: number } | undefined;

function validate(
  raw: unknown,
  source: string,
  options: LoadOptions,
  locate: Locate,
  substitute: boolean,
): Config {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError('CONFIG_INVALID', source, [
      { path: '', message: 'expected a mapping of sections (log, redis, operators, ...) at the top level' },
    ]);
  }
  const env = substitute ? substituteEnv(raw, options.env ?? process.env) : { value: raw, issues: [] };
  // A value whose variable is unset would only add noise below ("must not be empty"): report the cause alone.
  const unresolved = env.issues.map((i) => i.path);
  const notUnderUnresolved = (i: PathIssue) =>
    !unresolved.some((p) => p.every((seg, k) => i.path[k] === seg));

  const empties: string[] = [];
  const value = dropEmpty(env.value, [], empties);
  const parsed = configSchema.safeParse(value, { reportInput: true });
  const schemaIssues = parsed.success
    ? []
    : parsed.error.issues
        .flatMap((i) => fromZodIssue(i, configSchema))
        .map((i) =>
          i.message === 'missing required key' && empties.includes(formatPath(i.path))
            ? { ...i, message: 'missing value' }
            : i,
        );
  const cross = crossCheck(value);

  const toConfigIssue = (i: PathIssue): ConfigIssue => {
    const pos = locate(i.path);
    return pos
      ? { path: formatPath(i.path), message: i.message, ...pos }
      : { path: formatPath(i.path), message: i.message };
  };
  const errors = [...env.issues, ...[...schemaIssues, ...cross.errors].filter(notUnderUnresolved)].map(
    toConfigIssue,
  );

  if (errors.length > 0 || !parsed.success) {
    // Stable sort by position in the file, so messages read top to bottom like the file.
    errors.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0));
    const code: ConfigErrorCode = env.issues.length > 0 ? 'CONFIG_ENV' : 'CONFIG_INVALID';
    throw new ConfigError(code, source, errors);
  }
  for (const w of cross.warnings) options.onWarning?.(toConfigIssue(w));
  return deepFreeze(parsed.data);
}

/**
 * A key with no value (`redis:` followed only by comments, as when a section is uncommented line by line) reads
 * as null in YAML; it is treated as omitted so that its defaults apply. Paths are recorded so that a required
 * key left empty is reported as "missing value" rather than as absent.
 */
function dropEmpty(node: unknown, path: PropertyKey[], empties: string[]): unknown {
  if (Array.isArray(node)) return node.map((v, i) => dropEmpty(v, [...path, i], empties));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (v === null) {
      empties.push(formatPath([...path, k]));
      continue;
    }
    Object.defineProperty(out, k, {
      value: dropEmpty(v, [...path, k], empties),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** Maps a config path to the line and column of its node, or of its nearest existing ancestor. */
function locator(doc: Document, lineCounter: LineCounter): Locate {
  return (path) => {
    for (let n = path.length; n > 0; n--) {
      const node: unknown = doc.getIn(path.slice(0, n) as unknown[], true);
      const range = node !== null && typeof node === 'object' && 'range' in node ? node.range : undefined;
      const offset = Array.isArray(range) && typeof range[0] === 'number' ? range[0] : undefined;
      if (offset !== undefined) {
        const { line, col } = lineCounter.linePos(offset);
        return { line, column: col };
      }
    }
    return undefined;
  };
}

/** Recursively freezes plain objects and arrays; the config is shared by every module and must not drift. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
