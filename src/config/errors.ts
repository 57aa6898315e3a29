// ConfigError carries every problem found in one pass, each naming its path in the file, so that a user fixes
// a config in one round trip rather than one error per restart.

export type ConfigErrorCode = 'CONFIG_INVALID' | 'CONFIG_NOT_FOUND' | 'CONFIG_YAML' | 'CONFIG_ENV';

export interface ConfigIssue {
  /** `operators[0].port`; '' for problems with the file as a whole (YAML syntax, missing file). */
  path: string;
  message: string;
  /** 1-based position in the YAML file when known. */
  line?: number;
  column?: number;
}

/** `operators[0].port: expected a number` (or just the message when the issue has no path). */
export function formatIssue(issue: ConfigIssue): string {
  return issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`;
}

export class ConfigError extends Error {
  readonly code: ConfigErrorCode;
  readonly issues: ConfigIssue[];
  /** The file (or the name given to parseConfig) the issues are about. */
  readonly source: string;

  constructor(code: ConfigErrorCode, source: string, issues: ConfigIssue[], options?: { cause?: unknown }) {
    // The message lists every issue so an uncaught ConfigError still tells the whole story.
    const what =
      code === 'CONFIG_NOT_FOUND'
        ? 'cannot read the configuration'
        : code === 'CONFIG_YAML'
          ? 'YAML syntax error'
          : 'invalid configuration';
    const head = issues.length === 1 ? `${source}: ${what}` : `${source}: ${what} (${issues.length} errors)`;
    super([head, ...issues.map((i) => `  ${formatIssue(i)}`)].join('\n'), options);
    this.name = 'ConfigError';
    this.code = code;
    this.source = source;
    this.issues = issues;
  }
}

/** `['operators', 0, 'port']` → `operators[0].port`; odd record keys are quoted: `quietHours["a b"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const s = String(seg);
      if (/^[A-Za-z0-9_$-]+$/.test(s)) out += out === '' ? s : `.${s}`;
      else out += `[${JSON.stringify(s)}]`;
    }
  }
  return out;
}
