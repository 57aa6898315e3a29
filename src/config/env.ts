// `${NAME}` and `${NAME:-default}` substitution on the string scalars of a parsed YAML tree. It runs after YAML
// parsing (not on the text) so a value can never inject YAML structure, and so each failure names the config
// path it sits at. `$${` is a literal `${`. Mapping keys are not substituted.
export type Env = Readonly<Record<string, string | undefined>>;

/** A problem at a config path, before the path is formatted (the loader maps it to a line in the file). */
export interface PathIssue {
  path: PropertyKey[];
  message: string;
}

export interface SubstituteResult {
  value: unknown;
  issues: PathIssue[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Substitutes one string. Returns the new string and the problems found (unset variable without a default,
 * malformed reference). `${NAME:-default}` uses the default when NAME is unset or empty, as in the shell.
 */
export function substituteString(s: string, env: Env): { value: string; errors: string[] } {
  if (!s.includes('${')) return { value: s, errors: [] };
  const errors: string[] = [];
  let out = '';
  let i = 0;
  while (i < s.length) {
    if (s.startsWith('$${', i)) {
      out += '${';
      i += 3;
      continue;
    }
    if (!s.startsWith('${', i)) {
      out += s[i];
      i += 1;
      continue;
    }
    const end = s.indexOf('}', i + 2);
    if (end < 0) {
      errors.push('unterminated "${" (write "$${" for a literal "${")');
      out += s.slice(i);
      break;
    }
    const body = s.slice(i + 2, end);
    const sep = body.indexOf(':-');
    const name = sep < 0 ? body : body.slice(0, sep);
    const fallback = sep < 0 ? undefined : body.slice(sep + 2);
    if (!NAME.test(name)) {
      errors.push(`invalid environment variable reference "\${${body}}"`);
    } else {
      const v = env[name];
      if (v !== undefined && (v !== '' || fallback === undefined)) out += v;
      else if (fallback !== undefined) out += fallback;
      else errors.push(`environment variable ${name} is not set`);
    }
    i = end + 1;
  }
  return { value: out, errors };
}

/** Walks a plain YAML-derived tree (objects, arrays, scalars) and returns a substituted copy. */
export function substituteEnv(tree: unknown, env: Env): SubstituteResult {
  const issues: PathIssue[] = [];
  const walk = (node: unknown, path: PropertyKey[]): unknown => {
    if (typeof node === 'string') {
      const r = substituteString(node, env);
      for (const message of r.errors) issues.push({ path, message });
      return r.value;
    }
    if (Array.isArray(node)) return node.map((v, i) => walk(v, [...path, i]));
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      // defineProperty: a "__proto__" key in the YAML must stay a plain (and then unknown) key.
      for (const [k, v] of Object.entries(node)) {
        Object.defineProperty(out, k, {
          value: walk(v, [...path, k]),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    return node;
  };
  return { value: walk(tree, []), issues };
}
