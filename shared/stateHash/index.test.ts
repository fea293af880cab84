import { expect, it } from 'vitest'
import * as module from './index.ts'

it('exports exactly this public surface', () => {
  // A change here is a change to the module's API: review it as one.
  expect(Object.keys(module).sort()).toMatchInlineSnapshot(`
    [
      "StateTree",
      "bucketOf",
      "buildStateProof",
      "computeStateProofRoot",
      "decodeStateProof",
      "encodeStateProof",
      "hashLeaf",
      "initSha256",
      "leafDigest",
      "sha256Backend",
      "sha256Bytes",
      "stateLeafFormat",
      "stateProofLeavesMax",
      "stateProofVersion",
      "stateTreeBuckets",
      "stateTreeDepth",
      "verifyStateProof",
    ]
  `)
})
