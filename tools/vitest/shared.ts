// Shared vitest configuration: every package's vitest.config.ts spreads this, so tests read
// sources through the "@ddpo/source" export condition and no test waits for a build.
import { defineConfig } from 'vitest/config';

export const sharedConfig = defineConfig({
  ssr: {
    resolve: {
      // Plain resolve.conditions has no effect in the node environment; list vite's defaults too.
      conditions: ['@ddpo/source', 'module', 'node', 'development|production'],
    },
  },
  resolve: {
    conditions: ['@ddpo/source', 'module', 'node', 'development|production'],
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default', new URL('./summary-reporter.ts', import.meta.url).pathname],
    pool: 'forks',
  },
});
