import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { startSystem, type RunningSystem } from './system.ts'
import { askFaucet, usdtOnceMinted } from './systemTesting.ts'

/*
 * `npm start -- --postgres`: the whole local network with the replicas' state in PostgreSQL
 * (a throwaway local server), replica 1 served by two API processes on its registry port in
 * front of its applier on a private one.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'devnet-postgres-'))
let system: RunningSystem | undefined
afterAll(async () => {
  await system?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

it('runs the local network on PostgreSQL with replica 1 behind two API processes', async () => {
  const apiLines: string[] = []
  system = await startSystem({
    dataDir,
    zellularBasePort: 16_101,
    replicaBasePort: 15_101,
    webPort: 18_101,
    postgres: {},
    onLine: (name, line) => {
      if (name === 'api-1') apiLines.push(line)
    },
  })
  expect(system.postgres?.location).toMatch(/^a local PostgreSQL server on 127\.0\.0\.1:/)
  // Two API processes forked by one primary on replica 1's registry port (the second may
  // still be starting when the first answers).
  const listening = () => apiLines.filter((line) => line.includes('API process listening on'))
  for (let tries = 0; listening().length < 2 && tries < 300; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  expect(listening()).toHaveLength(2)
  const replica1 = system.replicas.urls()[0]!
  expect(replica1).toBe('http://127.0.0.1:15101')
  const status = (await (await fetch(`${replica1}/status`)).json()) as { replicaId: string }
  expect(status.replicaId).toBe('replica-1')

  // A faucet mint goes through the API processes to the applier, and its balance comes back
  // signed, from the database, on every replica.
  const address = `0x${'12'.repeat(20)}`
  expect(await askFaucet(system.webUrl, address)).toBe(202)
  for (const url of system.replicas.urls()) {
    expect(await usdtOnceMinted(url, address)).toBe('10000000000')
  }
}, 180_000)
