import { expect, it } from 'vitest'
import { runBenchSmoke } from './smokeRun.ts'

it(
  'bench:state-sync installs a snapshot and reopens it at the same root',
  { timeout: 120_000 },
  async () => {
    const results = await runBenchSmoke('stateSync.ts', ['--accounts', '500', '--orders', '120'])
    expect(results).toMatchObject({ sameRoot: 'true', openOrders: 120, balances: 1_200 })
    for (const step of ['take', 'parse', 'rebuildHashAndInstall', 'rebuildAndHash']) {
      expect(Number(results[`${step}CpuMs`])).toBeGreaterThanOrEqual(0)
    }
  },
)
