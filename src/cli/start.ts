// `smpp-gateway start [--config FILE]`: run the daemon until SIGTERM/SIGINT, then drain and exit 0.
// A broken config or a missing redis-server ends it at once, non-zero, with one clear message.
import { parseArgs } from 'node:util';
import { Gateway, STOP_MARGIN_MS } from '../app.js';
import { ConfigError, DEFAULT_CONFIG_FILE, formatIssue, loadConfig } from '../config/index.js';
import { RedisSetupError } from '../store/index.js';
import type { CliIo } from './io.js';

/** Past the stop's own bound, before the process is ended by force. */
const WATCHDOG_SLACK_MS = 500;

export async function runStart(argv: string[], io: CliIo): Promise<number> {
  let values: { config?: string | undefined };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { config: { type: 'string', short: 'c' } },
      strict: true,
    }));
  } catch (error) {
    io.stderr(`start: ${(error as Error).message}\nusage: smpp-gateway start [--config FILE]\n`);
    return 2;
  }
  const file = values.config ?? DEFAULT_CONFIG_FILE;
  let gateway: Gateway;
  try {
    gateway = new Gateway(await loadConfig(file));
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`${error.message.split('\n')[0]}\n`);
      for (const issue of error.issues) io.stderr(`  ${formatIssue(issue)}\n`);
      return 1;
    }
    throw error;
  }
  const stopped = new Promise<void>((resolve) => {
    let firstSignalAt = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      // Ctrl-C under `npm start` reaches node twice (from the terminal and forwarded by npm): a repeat
      // within 2 s is the same request; a later one means "stop now".
      if (firstSignalAt !== 0) {
        if (Date.now() - firstSignalAt < 2000) return;
        io.stderr(`second ${signal}: exiting without draining\n`);
        process.exit(130);
      }
      firstSignalAt = Date.now();
      gateway.logger.info({ signal }, 'shutting down');
      // The stop bounds itself (drainTimeoutMs + STOP_MARGIN_MS); this is the backstop should anything
      // still hold the process. The managed redis-server gets its SIGTERM from its exit hook.
      const boundMs = gateway.config.shutdown.drainTimeoutMs + STOP_MARGIN_MS + WATCHDOG_SLACK_MS;
      setTimeout(() => {
        gateway.logger.error({ boundMs }, 'the stop exceeded its bound: exiting now');
        process.exit(1);
      }, boundMs).unref();
      void gateway.stop().then(resolve, resolve);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  try {
    await gateway.start();
  } catch (error) {
    if (error instanceof RedisSetupError) {
      io.stderr(`smpp-gateway: ${error.message}\n`);
      return 1;
    }
    gateway.logger.fatal({ err: error }, 'start failed');
    return 1;
  }
  await stopped;
  // The ordered stop is over (bounded): a connection still closing, or a socket of a server that stopped
  // answering, must not keep the process alive past it.
  setTimeout(() => process.exit(process.exitCode ?? 0), 250).unref();
  return 0;
}
