import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

const run = promisify(execFile)
const TSX = join(import.meta.dirname, '../node_modules/tsx/dist/cli.mjs')

// Smoke run: the benchmark keeps working; its figures come from full runs (BENCHMARKS.md).
it(
  'bench:state applies intents and reports a nonce state bounded by the windows',
  { timeout: 120_000 },
  async () => {
    const script = join(import.meta.dirname, 'state.ts')
    const options = ['--accounts', '20', '--intents', '3000', '--checkpoints', '1000,3000']
    const { stdout } = await run(process.execPath, [TSX, script, '--smoke', ...options], {
      env: { ...process.env, BENCH_SMOKE: '1' },
    })
    const lines = stdout.trim().split('\n')
    expect(lines).toContain('SUMMARY')
    const { results } = JSON.parse(lines.at(-1) ?? '') as { results: Record<string, unknown> }
    // 20 accounts: 50 nonces each at 1,000 intents, then their windows of 100 are full.
    expect(results).toMatchObject({
      at1000_nonceRows: 1_000,
      at3000_nonceRows: 2_000,
      receiptsApplied: 3_000,
    })
    expect(Number(results.restartToServingMs)).toBeGreaterThan(0)
  },
)
