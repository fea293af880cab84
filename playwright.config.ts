import { defineConfig } from '@playwright/test'
import { chromiumArgs, chromiumPath } from './e2e/chromiumLaunch.ts'

/**
 * End-to-end tests: the real system (4 Zellular nodes, 3 replicas, the web server with the built
 * app, the registry and the faucet) started once by `e2e/support/globalSetup.ts` on its own
 * loopback ports, Debian's Chromium (never a downloaded browser), and the test wallet of
 * `e2e/wallet/`. Files run in name order in one worker; the destructive fault tests come last.
 */
export const e2ePorts = {
  web: Number(process.env.E2E_WEB_PORT ?? 4174),
  replicas: Number(process.env.E2E_REPLICA_PORT ?? 5101),
  zellular: Number(process.env.E2E_ZELLULAR_PORT ?? 6101),
  control: Number(process.env.E2E_CONTROL_PORT ?? 4199),
}

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  // One worker: the 2-core machine runs 8 server processes as well, and the tests share them.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 20_000 },
  outputDir: 'test-results/e2e',
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  globalSetup: './e2e/support/globalSetup.ts',
  use: {
    baseURL: `http://127.0.0.1:${e2ePorts.web}`,
    viewport: { width: 1440, height: 900 },
    launchOptions: { executablePath: chromiumPath, args: [...chromiumArgs] },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
})
