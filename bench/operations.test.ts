import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

const run = promisify(execFile)
const TSX = join(import.meta.dirname, '../node_modules/tsx/dist/cli.mjs')

it(
  'bench:operations times every operation and prints the SUMMARY block',
  { timeout: 120_000 },
  async () => {
    const script = join(import.meta.dirname, 'operations.ts')
    const { stdout } = await run(
      process.execPath,
      [TSX, script, '--smoke', '--rounds=1', '--busy=1'],
      {
        env: { ...process.env, BENCH_SMOKE: '1' },
      },
    )
    const lines = stdout.trim().split('\n')
    expect(lines).toContain('SUMMARY')
    const { config, results } = JSON.parse(lines.at(-1) ?? '') as {
      config: Record<string, unknown>
      results: Record<string, number>
    }
    expect(config.busy).toBe(1)
    const names = [
      'intakeParse',
      'readCompactItem',
      'readJsonItem',
      'signerRecovery',
      'prepareCompact',
      'prepareJson',
      'bn254Sign',
      'bn254VerifyPreparedKey',
      'bn254VerifyFreshKey',
      'bls12381SignRoot',
      'httpNodeHttp',
      'httpFetch',
    ]
    for (const name of names) expect(results[`${name}CpuMicros`]).toBeGreaterThan(0)
    // A pairing check costs far more than recovering a signer: the figures are of the operations.
    expect(results.bn254VerifyPreparedKeyCpuMicros).toBeGreaterThan(
      results.signerRecoveryCpuMicros!,
    )
    // The compact batch holds about twice the transfers of the wire JSON one.
    expect(results.prepareIntentsPerBatchCompact).toBeGreaterThanOrEqual(
      2 * results.prepareIntentsPerBatchJson!,
    )
  },
)
