import { expect, it } from 'vitest'
import { runBenchSmoke } from './smokeRun.ts'

it(
  'bench:state applies intents and reports a nonce state bounded by the windows',
  { timeout: 120_000 },
  async () => {
    const options = ['--accounts', '20', '--intents', '3000', '--checkpoints', '1000,3000']
    options.push('--hash-every', '1000')
    const results = await runBenchSmoke('state.ts', options)
    // 20 accounts: 50 nonces each at 1,000 intents, then their windows of 100 are full; one
    // row per window.
    expect(results).toMatchObject({
      at1000_keptNonces: 1_000,
      at3000_keptNonces: 2_000,
      at3000_windowRows: 20,
      receiptsApplied: 3_000,
    })
    // One hash per 1,000 intents (`--hash-every`), not one per commit group (about five here).
    expect(Number(results.at3000_stateHashGroups)).toBeGreaterThan(0)
    expect(Number(results.at3000_stateHashGroups)).toBeLessThanOrEqual(2)
    expect(Number(results.at3000_stateHashP50CpuUsPerChangedLeaf)).toBeGreaterThan(0)
    expect(Number(results.restartToServingMs)).toBeGreaterThan(0)
    for (const step of ['load', 'restore', 'hash']) {
      expect(Number(results[`restart_${step}CpuMs`])).toBeGreaterThanOrEqual(0)
    }
  },
)
