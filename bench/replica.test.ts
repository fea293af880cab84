import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

const run = promisify(execFile)
const TSX = join(import.meta.dirname, '../node_modules/tsx/dist/cli.mjs')

// Smoke run: the benchmark keeps working; its figures come from full runs (BENCHMARKS.md).
it(
  'bench:replica applies signed transfers inline and with a verifier thread, identically',
  { timeout: 120_000 },
  async () => {
    const script = join(import.meta.dirname, 'replica.ts')
    const args = [TSX, script, '--smoke', '--phases=A', '--transfers=600', '--accounts=60']
    const { stdout } = await run(process.execPath, args, {
      env: { ...process.env, BENCH_SMOKE: '1' },
    })
    const lines = stdout.trim().split('\n')
    expect(lines).toContain('SUMMARY')
    const json = JSON.parse(lines.at(-1) ?? '')
    expect(json.results).toMatchObject({ applyRejected: 0, applySameStateHash: true })
    expect(json.results.applyTransfersPerSecond_verifierThreads0).toBeGreaterThan(0)
    expect(json.results.applyTransfersPerSecond_verifierThreads1).toBeGreaterThan(0)
    expect(json.results.applyBatchesPreparedInThreads_verifierThreads1).toBe(
      json.results.applyBatches,
    )
  },
)
