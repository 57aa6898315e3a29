// Runs in every test worker. In CI the property tests use one fixed seed, so a run is reproducible and a
// red CI always means a change, not a draw; locally each run explores new seeds (and prints the seed of
// any failure, to be replayed with `seed` and `path`).
import fc from 'fast-check';
import { startEventLoopWatchdog } from './watchdog.js';

if (process.env.CI) fc.configureGlobal({ seed: 20_261_122 });

// A test process whose event loop stops (a loop that never yields) would never reach vitest's timeouts:
// after two minutes without a turn the watchdog prints where it is stuck and kills it.
startEventLoopWatchdog(Number(process.env.SMPPGW_TEST_WATCHDOG_MS ?? 120_000));
