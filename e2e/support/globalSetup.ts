import type { FullConfig } from '@playwright/test'
import { appendFileSync, mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { build } from 'vite'
import { e2ePorts } from '../../playwright.config.ts'
import { startControlServer } from './control.ts'
import { startE2eSystem } from './system.ts'

const repository = resolve(import.meta.dirname, '../..')

/**
 * Builds the web app, starts a fresh system on the e2e ports and the control endpoint the fault
 * tests use. Server output goes to `test-results/e2e-system.log`. Returns the teardown.
 */
export default async function globalSetup(_config: FullConfig): Promise<() => Promise<void>> {
  await build({ configFile: join(repository, 'vite.config.ts'), logLevel: 'warn' })
  mkdirSync(join(repository, 'test-results'), { recursive: true })
  const logFile = join(repository, 'test-results', 'e2e-system.log')
  const system = await startE2eSystem({
    webPort: e2ePorts.web,
    replicaBasePort: e2ePorts.replicas,
    zellularBasePort: e2ePorts.zellular,
    onLine: (source, line) => appendFileSync(logFile, `${source} ${line}\n`),
  })
  const control = await startControlServer(system, e2ePorts.control).catch(async (error: unknown) => {
    await system.stop()
    throw error
  })
  return async () => {
    control.close()
    await system.stop()
  }
}
