import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { balancesResponseSchema } from '../../shared/api/index.ts'
import { startSystem, type RunningSystem } from './system.ts'

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

async function faucet(running: RunningSystem, address: string) {
  const answer = await fetch(`${running.webUrl}/faucet`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ address }),
  })
  expect(answer.status).toBe(202)
}

/** `address`'s available USDT on the replica at `url`, once it is above zero (or '0'). */
async function usdtOf(url: string, address: string): Promise<string> {
  let usdt = '0'
  for (let tries = 0; usdt === '0' && tries < 300; tries++) {
    const answer = balancesResponseSchema.parse(
      await (await fetch(`${url}/balances?address=${address}`)).json(),
    )
    usdt = answer.balances.find((b) => b.attestation.token === 'USDT')?.attestation.available ?? '0'
    if (usdt === '0') await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return usdt
}

it('starts replica 3 from a wiped database by state sync, which then follows Zellular', async () => {
  const before = `0x${'34'.repeat(20)}`
  system = await startSystem({ dataDir, ...ports })
  await faucet(system, before)
  for (const url of system.replicas.urls()) expect(await usdtOf(url, before)).toBe('10000000000')
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
  expect(await usdtOf(third, before)).toBe('10000000000')
  expect(lines.some((line) => /state sync: installed replica-[12]'s snapshot/.test(line))).toBe(
    true,
  )
  expect(lines.some((line) => line.includes('state sync: its state hash is the root'))).toBe(true)
  // And it follows Zellular from there.
  const after = `0x${'56'.repeat(20)}`
  await faucet(system, after)
  expect(await usdtOf(third, after)).toBe('10000000000')
}, 240_000)
