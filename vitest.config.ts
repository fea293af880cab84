import { defineConfig } from 'vitest/config'

/**
 * Two projects: pure unit tests run in parallel; tests that start real processes on loopback
 * ports (Zellular networks, replicas, benchmark smoke runs) run one file at a time, since the
 * machine has 2 cores and the suites would starve each other's timers. In both, a test may not
 * listen on a fixed port of the ephemeral range (`.ci/ephemeralPortGuard.ts`).
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['shared/**/*.test.ts', 'web/src/**/*.test.ts', '.ci/**/*.test.ts'],
          setupFiles: ['.ci/ephemeralPortGuard.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['server/**/*.test.ts', 'bench/**/*.test.ts'],
          setupFiles: ['.ci/ephemeralPortGuard.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
})
