import { expect, it } from 'vitest'
import { runBenchSmoke } from './smokeRun.ts'

it('bench/stateProof.ts builds, sizes and verifies proofs of present and absent keys', async () => {
  const results = await runBenchSmoke('stateProof.ts', ['--keys', '5000', '--proofs', '50'])
  expect(results.presentProofBytes).toMatch(/^mean \d+, p50 \d+, p99 \d+, max \d+$/)
  expect(results.absentProofBytes).toMatch(/^mean \d+/)
  // The tree is built from the keys' numbers alone: the same root every run.
  expect(results.root).toMatchInlineSnapshot(
    `"a005e522a8714858b7e8517f164e183c86f9e6551cd8fcf801fa06ac2d444f6b"`,
  )
})

it('bench/rootAttestation.ts signs and checks quorums of root attestations', async () => {
  const results = await runBenchSmoke('rootAttestation.ts', [])
  expect(Object.keys(results).sort()).toEqual([
    'signCpu',
    'signWall',
    'verifyQuorum2of3Cpu',
    'verifyQuorum2of3Wall',
    'verifyQuorum5of7Cpu',
    'verifyQuorum5of7Wall',
  ])
})
