import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The fault suite has its own config and command (npm run test:faults).
    exclude: ['test/faults/**', 'node_modules/**'],
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    setupFiles: ['./test/helpers/setup.ts'],
    // Integration tests each start a redis-server and SMPP sockets: keep the 2-core CI machine from thrashing.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // An unhandled rejection anywhere fails the run (vitest's default, kept explicit).
    dangerouslyIgnoreUnhandledErrors: false,
  },
});
