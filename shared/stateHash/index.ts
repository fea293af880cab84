/** The incremental state hash: a fixed-fan-out Merkle tree of (key, value) leaves. */
export { initSha256, sha256Backend, sha256Bytes } from './sha256.ts'
export {
  buildStateProof,
  computeStateProofRoot,
  decodeStateProof,
  encodeStateProof,
  stateProofLeavesMax,
  stateProofVersion,
  verifyStateProof,
} from './stateProof.ts'
export type { StateProof, StateProofRejectReason } from './stateProof.ts'
export {
  bucketOf,
  hashLeaf,
  leafDigest,
  stateLeafFormat,
  StateTree,
  stateTreeBuckets,
  stateTreeDepth,
} from './stateTree.ts'
export type { HashedLeaf, StateTreePath } from './stateTree.ts'
