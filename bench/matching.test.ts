import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, test } from 'vitest'

const out = mkdtempSync(join(tmpdir(), 'bench-matching-'))
afterAll(() => rmSync(out, { recursive: true, force: true }))

test('bench:matching completes a small run and prints the SUMMARY block', () => {
  const ops = 6_000
  const run = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'bench/matching.ts',
      '--ops',
      `${ops}`,
      '--rounds',
      '1',
      '--warmup',
      '2000',
      '--levels',
      '2000',
      '--out',
      out,
    ],
    { cwd: join(import.meta.dirname, '..'), encoding: 'utf8', timeout: 120_000 },
  )
  expect(run.stderr).not.toMatch(/Error/)
  expect(run.status).toBe(0)
  const lines = run.stdout.trim().split('\n')
  expect(lines[0]).toBe('SUMMARY')
  expect(lines).toContain('+ CONFIG')
  expect(lines).toContain('+ RESULTS')
  expect(run.stdout).toMatch(/trade-log hash: [0-9a-f]{16}/)
  expect(run.stdout).toMatch(/cross-check vs reference: ok/)
  expect(run.stdout).toMatch(/deep book, worst order: \d+ ms for 2,000 bids on 2,000 levels/)
  const json = JSON.parse(lines.at(-1) ?? '')
  expect(json).toMatchObject({ bench: `matching-${ops}`, results: { crossCheck: true } })
  expect(json.results.ours.opsPerSecond).toBeGreaterThan(0)
  expect(json.results.reference.opsPerSecond).toBeGreaterThan(0)
  expect(json.results.deepBook).toMatchObject({ levels: 2_000 })
  expect(json.results.deepBook.worstOrderMs).toBeGreaterThan(0)
  expect(readFileSync(join(out, `matching-${ops}.txt`), 'utf8')).toContain(lines.at(-1))
})
