import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/temporal-global.ts'],
    setupFiles: ['test/setup/quiet-runtime.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Workflow suites share one dev server; two files at a time suits a 2-core machine.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
