import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

const run = promisify(execFile)
const TSX = join(import.meta.dirname, '../node_modules/tsx/dist/cli.mjs')

it('bench:large-appends times stamps, an append and PUTs at the caps, and prints the SUMMARY block', async () => {
  const script = join(import.meta.dirname, 'largeAppends.ts')
  const { stdout } = await run(process.execPath, [TSX, script, '--smoke'], {
    env: { ...process.env, BENCH_SMOKE: '1' },
  })
  const lines = stdout.trim().split('\n')
  expect(lines).toContain('SUMMARY')
  const { results } = JSON.parse(lines.at(-1) ?? '') as { results: Record<string, number> }
  for (const name of ['stamp60000Ms', 'stampCallsOf100Ms', 'append60000Ms', 'putTurnMs']) {
    expect(results[name], name).toBeGreaterThan(0)
  }
  expect(results.putTurnCpuMs).toBeGreaterThanOrEqual(0)
})
