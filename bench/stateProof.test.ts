import { expect, it } from 'vitest'
import { runBenchSmoke } from './smokeRun.ts'

it('bench/stateProof.ts builds, sizes and verifies proofs of present and absent keys', async () => {
  const results = await runBenchSmoke('stateProof.ts', ['--keys', '5000', '--proofs', '50'])
  expect(results.presentProofBytes).toMatch(/^mean \d+, p50 \d+, p99 \d+, max \d+$/)
  expect(results.absentProofBytes).toMatch(/^mean \d+/)
  // The tree is built from the keys' numbers alone: the same root every run.
  expect(results.root).toMatchInlineSnapshot(
    `"1df0f6800d2cfa0071fb94d826ebe80e4afdb8595b69b459bfac40ac9b7a0b04"`,
  )
})

it('bench/rootAttestation.ts signs and checks quorums of root attestations', async () => {
  const results = await runBenchSmoke('rootAttestation.ts', [])
  expect(Object.keys(results).sort()).toEqual([
    'aggregateVerify3MessagesCpu',
    'decode3SignaturesCpu',
    'fastAggregateVerify3Cpu',
    'signCpu',
    'signWall',
    'sumAndSubgroupCheckCpu',
    'verifyQuorum2of3Cpu',
    'verifyQuorum2of3Wall',
    'verifyQuorum5of7Cpu',
    'verifyQuorum5of7Wall',
  ])
})
