#!/usr/bin/env node
// The `smpp-gateway` command: dispatches to one module per command under src/cli.
import { runBalance } from './cli/balance.js';
import { runCampaign } from './cli/campaign.js';
import { runConfigCheck } from './cli/config-check.js';
import { runConfigHashKey } from './cli/config-hash-key.js';
import { processIo, type CliIo } from './cli/io.js';
import { runPolicyCheck } from './cli/policy-check.js';
import { runPreview } from './cli/preview.js';
import { runSend } from './cli/send.js';
import { runSimulatorCommand } from './cli/simulator.js';
import { runStart } from './cli/start.js';
import { runStatus } from './cli/status.js';

const USAGE = `usage: smpp-gateway <command> [options]

commands:
  start [--config FILE]                 run the daemon (default config/gateway.yaml)
  simulator [--port N] [options]        run a standalone SMSC simulator
  send --to N --from S --text T [...]   submit one message to a running daemon (--wait, --json)
  status ID [--json]                    a message's state, parts and history
  preview --text T [--json]             encoding and segment analysis, without sending
  policy check --to N --class C [...]   may this be sent at that instant, and if not why and when next
  config check [FILE] [--json]          validate a configuration file
  config hash-key KEY                   the sha256:<hex> form of an API key, for the config file
  campaign create --name N --csv F ...  a campaign from a template and a CSV (status ID, cancel ID)
  balance [--account A] [--json]        an account's credit, in segments
  balance add ACCOUNT N                 top an account's credit up (admin key)

Run "smpp-gateway <command> --help" for a command's options.
`;

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return runStart(rest, io);
    case 'simulator':
      return runSimulatorCommand(rest, io);
    case 'send':
      return runSend(rest, io);
    case 'status':
      return runStatus(rest, io);
    case 'preview':
      return runPreview(rest, io);
    case 'policy':
      if (rest[0] === 'check') return runPolicyCheck(rest.slice(1), io);
      io.stderr(
        `policy: unknown subcommand ${rest[0] ?? '(none)'}; expected "policy check --to N --class C"\n`,
      );
      return 2;
    case 'campaign':
      return runCampaign(rest, io);
    case 'balance':
      return runBalance(rest, io);
    case 'config':
      if (rest[0] === 'check') return runConfigCheck(rest.slice(1), io);
      if (rest[0] === 'hash-key') return runConfigHashKey(rest.slice(1), io);
      io.stderr(
        `config: unknown subcommand ${rest[0] ?? '(none)'}; expected "config check [FILE]" or "config hash-key KEY"\n`,
      );
      return 2;
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      io.stdout(USAGE);
      return command === undefined ? 2 : 0;
    default:
      io.stderr(`smpp-gateway: unknown command "${command}"\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `smpp-gateway: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
