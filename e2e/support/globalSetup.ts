import type { FullConfig } from '@playwright/test'
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
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
  const ports = [
    e2ePorts.web,
    e2ePorts.control,
    ...[0, 1, 2].map((i) => e2ePorts.replicas + i),
    ...[0, 1, 2, 3].map((i) => e2ePorts.zellular + i),
  ]
  const busy = (
    await Promise.all(ports.map(async (port) => ((await isFree(port)) ? [] : [port])))
  ).flat()
  if (busy.length > 0) {
    throw new Error(
      `e2e ports in use: ${busy.join(', ')} (a previous run still alive?); set E2E_*_PORT`,
    )
  }
  await build({ configFile: join(repository, 'vite.config.ts'), logLevel: 'warn' })
  mkdirSync(join(repository, 'test-results'), { recursive: true })
  const logFile = join(repository, 'test-results', 'e2e-system.log')
  writeFileSync(logFile, '')
  const system = await startE2eSystem({
    webPort: e2ePorts.web,
    replicaBasePort: e2ePorts.replicas,
    zellularBasePort: e2ePorts.zellular,
    onLine: (source, line) => appendFileSync(logFile, `${source} ${line}\n`),
  })
  const control = await startControlServer(system, e2ePorts.control).catch(
    async (error: unknown) => {
      await system.stop()
      throw error
    },
  )
  return async () => {
    control.close()
    await system.stop()
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}
