import { expect, it } from 'vitest'
import { runBenchSmoke } from './smokeRun.ts'

it(
  'bench:replica applies signed transfers inline and with a verifier thread, on SQLite and on PostgreSQL, identically',
  { timeout: 120_000 },
  async () => {
    const results = await runBenchSmoke('replica.ts', [
      '--phases=A',
      '--transfers=600',
      '--accounts=60',
      '--db=sqlite,postgres',
    ])
    expect(results).toMatchObject({ applyRejected: 0, applySameStateHash: true })
    expect(results.applyTransfersPerSecond_verifierThreads0).toBeGreaterThan(0)
    expect(results.applyTransfersPerSecond_verifierThreads1).toBeGreaterThan(0)
    expect(results.applyBatchesPreparedInThreads_verifierThreads1).toBe(results.applyBatches)
    expect(results.applyTransfersPerSecond_postgres_verifierThreads0).toBeGreaterThan(0)
    expect(results.applyTransfersPerSecond_postgres_verifierThreads1).toBeGreaterThan(0)
  },
)
