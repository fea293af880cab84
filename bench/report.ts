import { execSync } from 'node:child_process'
import { appendFileSync, mkdirSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'

/** Percentile of an ascending-sorted list (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.ceil((p / 100) * sorted.length) - 1
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!
}

/** Machine and code identity printed in every CONFIG block. */
export function environmentConfig(): Record<string, string | number> {
  let commit = 'unknown'
  try {
    commit = execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim()
  } catch {
    // not a git checkout
  }
  return { node: process.version, cores: cpus().length, cpu: cpus()[0]?.model ?? '?', commit }
}

/**
 * Prints the fixed SUMMARY block (CONFIG, RESULTS, one JSON line) and appends it to
 * `bench/results/<name>.txt`, unless `BENCH_SMOKE=1` (the smoke runs inside `npm test`).
 */
export function printSummary(
  name: string,
  config: Record<string, unknown>,
  results: Record<string, unknown>,
): string {
  const lines = ['SUMMARY', '+ CONFIG']
  for (const [key, value] of Object.entries(config)) lines.push(`  ${key}: ${value}`)
  lines.push('+ RESULTS')
  for (const [key, value] of Object.entries(results)) lines.push(`  ${key}: ${value}`)
  lines.push(JSON.stringify({ bench: name, at: new Date().toISOString(), config, results }))
  const text = lines.join('\n') + '\n'
  process.stdout.write(text)
  if (process.env.BENCH_SMOKE === '1') return text
  const dir = join(import.meta.dirname, 'results')
  mkdirSync(dir, { recursive: true })
  appendFileSync(join(dir, `${name}.txt`), text + '\n')
  return text
}
