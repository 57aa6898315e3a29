// `smpp-gateway config hash-key KEY`: the `sha256:<hex>` form of an API key, to write in accounts[].apiKeys
// or admin.apiKeys instead of the key itself. Exit 0, or 2 on bad usage.
import { hashApiKey } from '../security/index.js';
import type { CliIo } from './io.js';

const USAGE = `usage: smpp-gateway config hash-key KEY
  prints sha256:<64 hex digits>, the form of KEY to put in accounts[].apiKeys or admin.apiKeys
`;

export function runConfigHashKey(argv: string[], io: CliIo): number {
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) {
    io.stdout(USAGE);
    return 0;
  }
  const key = argv[0];
  if (argv.length !== 1 || key === undefined || key === '') {
    io.stderr(`config hash-key: expected one non-empty KEY\n${USAGE}`);
    return 2;
  }
  io.stdout(`${hashApiKey(key)}\n`);
  return 0;
}
