// The unit tests that cover the modules Stryker mutates (stryker.config.json, `npm run test:mutation`): the
// codec, the pure policy decisions and the receipt text parser. No Redis, no sockets, so a mutant's run
// takes well under a second; the summary reporter is left out (Stryker runs these thousands of times).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/codec/**/*.test.ts', 'test/unit/policy/**/*.test.ts', 'test/unit/dlr/**/*.test.ts'],
    setupFiles: ['./test/helpers/setup.ts'],
    // The property tests' fixed seed (test/helpers/setup.ts): a mutant killed in one run is killed in the next.
    env: { CI: 'true' },
    testTimeout: 30_000,
  },
});
