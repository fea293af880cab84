import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

const run = promisify(execFile)
const TSX = join(import.meta.dirname, '../node_modules/tsx/dist/cli.mjs')

// Smoke runs: the benchmarks must keep working; their figures come from full runs.
it('bench:zellular runs and loses nothing', { timeout: 180_000 }, async () => {
  const script = join(import.meta.dirname, 'zellular.ts')
  const args = [TSX, script, '--rates', '1000', '--seconds', '2', '--warmup-seconds', '1']
  const { stdout } = await run(process.execPath, args, {
    env: { ...process.env, BENCH_SMOKE: '1' },
  })
  expect(stdout).toContain('SUMMARY')
  expect(stdout).toMatch(/lost 0 batches/)
})

it('bench:failover runs', { timeout: 180_000 }, async () => {
  const script = join(import.meta.dirname, 'failover.ts')
  const { stdout } = await run(process.execPath, [TSX, script, '--kills', '1'], {
    env: { ...process.env, BENCH_SMOKE: '1' },
  })
  expect(stdout).toContain('SUMMARY')
  expect(stdout).toMatch(/kill → next finalization p99 ms: \d+/)
})

it(
  'bench:failover --pause runs: the sequencer is stopped, not killed, and resumed',
  { timeout: 180_000 },
  async () => {
    const script = join(import.meta.dirname, 'failover.ts')
    const { stdout } = await run(process.execPath, [TSX, script, '--kills', '1', '--pause'], {
      env: { ...process.env, BENCH_SMOKE: '1' },
    })
    expect(stdout).toContain('SUMMARY')
    expect(stdout).toMatch(/pause → next finalization p99 ms: \d+/)
  },
)

it('bench:byzantine runs its side-by-side table', { timeout: 240_000 }, async () => {
  const script = join(import.meta.dirname, 'byzantine.ts')
  const args = [TSX, script, '--rate', '1000', '--seconds', '2', '--warmup-seconds', '1']
  const scenarios = ['honest', 'follower lie-hash', 'sequencer stop-finalizing']
  const { stdout } = await run(process.execPath, [...args, '--scenarios', scenarios.join(',')], {
    env: { ...process.env, BENCH_SMOKE: '1' },
  })
  expect(stdout).toContain('SUMMARY')
  expect(stdout).toMatch(
    /follower lie-hash: finalized \d+ tx\/s .* lost 0, .* honest exits 0, conflicting no/,
  )
  expect(stdout).toMatch(/switch → next finalization p99 ms: \d+/)
})
