import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { startSystem, type RunningSystem } from './system.ts'
import { askFaucet, usdtOnceMinted } from './systemTesting.ts'

/*
 * `npm start -- --sync-replica`: replica 3's database is wiped and it starts from a peer's
 * snapshot, checked against a root a quorum of replicas signed, then follows Zellular.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'devnet-sync-replica-'))
let system: RunningSystem | undefined
afterAll(async () => {
  await system?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

const ports = { zellularBasePort: 23_101, replicaBasePort: 23_151, webPort: 23_191 }

it('starts replica 3 from a wiped database by state sync, which then follows Zellular', async () => {
  const before = `0x${'34'.repeat(20)}`
  system = await startSystem({ dataDir, ...ports })
  expect(await askFaucet(system.webUrl, before)).toBe(202)
  for (const url of system.replicas.urls())
    expect(await usdtOnceMinted(url, before)).toBe('10000000000')
  await system.stop()
  system = undefined

  const lines: string[] = []
  system = await startSystem({
    dataDir,
    ...ports,
    syncReplica: true,
    onLine: (name, line) => {
      if (name === 'replica-3') lines.push(line)
    },
  })
  const third = system.replicas.urls()[2]!
  // What it holds came from the snapshot: its database was wiped, and the mint is history.
  expect(await usdtOnceMinted(third, before)).toBe('10000000000')
  expect(lines.some((line) => /state sync: installed replica-[12]'s snapshot/.test(line))).toBe(
    true,
  )
  expect(lines.some((line) => line.includes('state sync: its state hash is the root'))).toBe(true)
  // And it follows Zellular from there.
  const after = `0x${'56'.repeat(20)}`
  expect(await askFaucet(system.webUrl, after)).toBe(202)
  expect(await usdtOnceMinted(third, after)).toBe('10000000000')
}, 240_000)
