// The fault suite (`npm run test:faults`, run by .ci/run after the tests): hostile PDUs, generated HTTP
// bodies, Redis refusing writes. Slower than the unit and integration tests, so not part of `npm test`.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    setupFiles: ['./test/helpers/setup.ts'],
    maxWorkers: 2,
    testTimeout: 180_000,
    hookTimeout: 60_000,
    dangerouslyIgnoreUnhandledErrors: false,
  },
});
