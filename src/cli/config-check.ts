// `smpp-gateway config check [FILE] [--json]`: the daemon's own validation, without starting anything, so a
// config can be checked in CI or before a restart. Exit 0 when valid (warnings allowed), 1 when not, 2 on
// bad usage.
import { ConfigError, DEFAULT_CONFIG_FILE, formatIssue, loadConfig } from '../config/index.js';
import type { ConfigIssue } from '../config/index.js';

export interface CliIo {
  stdout(s: string): void;
  stderr(s: string): void;
}

const USAGE = `usage: smpp-gateway config check [FILE] [--json]
  FILE    the configuration to validate (default ${DEFAULT_CONFIG_FILE}); --config FILE works too
  --json  print one JSON object {"ok", "file", "errors": [{"path", "message"}], "warnings"} on stdout
`;

export async function runConfigCheck(argv: string[], io: CliIo): Promise<number> {
  let file: string | undefined;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--json') json = true;
    else if (arg === '--help' || arg === '-h') {
      io.stdout(USAGE);
      return 0;
    } else if (arg === '--config' || arg.startsWith('--config=')) {
      const value = arg === '--config' ? argv[++i] : arg.slice('--config='.length);
      if (value === undefined || value === '' || file !== undefined) return usage(io, 'expected one FILE');
      file = value;
    } else if (arg.startsWith('-')) return usage(io, `unknown option ${arg}`);
    else if (file !== undefined) return usage(io, 'expected one FILE');
    else file = arg;
  }
  file ??= DEFAULT_CONFIG_FILE;

  const warnings: ConfigIssue[] = [];
  try {
    const config = await loadConfig(file, { onWarning: (w) => warnings.push(w) });
    if (json) {
      io.stdout(JSON.stringify({ ok: true, file, errors: [], warnings }) + '\n');
    } else {
      for (const w of warnings) io.stderr(`${file}: warning: ${formatIssue(w)}\n`);
      const ops = config.operators.length;
      const accounts = config.accounts.length;
      io.stdout(`${file}: OK (${plural(ops, 'operator')}, ${plural(accounts, 'account')})\n`);
    }
    return 0;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    if (json) {
      io.stdout(JSON.stringify({ ok: false, file, code: err.code, errors: err.issues, warnings }) + '\n');
    } else {
      // A heading naming the file, then one line per problem, `operators[1].port: ...`, easy to grep.
      io.stderr(`${err.message.split('\n')[0] ?? file}\n`);
      for (const issue of err.issues) io.stderr(`${formatIssue(issue)}\n`);
    }
    return 1;
  }
}

function usage(io: CliIo, problem: string): number {
  io.stderr(`config check: ${problem}\n${USAGE}`);
  return 2;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
