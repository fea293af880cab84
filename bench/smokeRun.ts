import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const TSX = join(import.meta.dirname, '../node_modules/tsx/dist/cli.mjs')

/**
 * Runs a benchmark script of bench/ in smoke mode (`--smoke` and `args`, BENCH_SMOKE=1) and
 * returns the `results` of its SUMMARY line: the smoke tests check the benchmarks keep working;
 * their figures come from full runs (BENCHMARKS.md).
 */
export async function runBenchSmoke(
  script: string,
  args: readonly string[],
): Promise<Record<string, unknown>> {
  const file = join(import.meta.dirname, script)
  const { stdout } = await run(process.execPath, [TSX, file, '--smoke', ...args], {
    env: { ...process.env, BENCH_SMOKE: '1' },
  })
  const lines = stdout.trim().split('\n')
  if (!lines.includes('SUMMARY')) throw new Error(`${script} printed no SUMMARY`)
  return (JSON.parse(lines.at(-1) ?? '') as { results: Record<string, unknown> }).results
}
