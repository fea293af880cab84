/**
 * Zellular protocol core: hashing, Python-compatible JSON, BN254 BLS, canonical messages, the
 * nodes file and proof verification. Pure; usable in Node and the browser.
 */
export * as bls from './bls.ts'
export { readCappedText } from './cappedStream.ts'
export { bodyDigestsInSlices } from './bodyDigests.ts'
export { chainHash, chainHashes, chainLink, initHash, xxh128, xxh128Length } from './hash.ts'
export { BATCH_COST_MIN_BYTES, pageBatchLimit } from './pageBatches.ts'
export { pythonJsonDumps, type PythonJsonValue } from './pythonJson.ts'
export {
  authMessage,
  disputeMessage,
  finalizationVoteMessage,
  legacySyncPointMessage,
  syncPointMessage,
  type FinalizationVote,
  type SignedState,
  type SyncPoint,
} from './messages.ts'
export { Network, type AggregateSignature, type Operator, type Role } from './network.ts'
export {
  formatNodesFile,
  parseJsonLosslessly,
  parseNodesFile,
  type NodeInfo,
  type NodesFile,
} from './nodesFile.ts'
export {
  parseSignatureRecord,
  parseTimeLock,
  signatureRecordCheck,
  timeLockCheck,
  verifyLegacyRecord,
  verifySignatureRecord,
  verifyTimeLock,
  type LegacySignatureRecord,
  type ProofCheck,
  type SignatureRecord,
  type TimeLock,
} from './proof.ts'
export {
  LaggingNodeError,
  NodeHttpError,
  NoAvailableNodeError,
  ProofError,
  UnprovenPagesError,
  ZellularError,
  type ProofFailure,
  type UnprovenLimit,
} from './errors.ts'
export {
  DEFAULT_WORK_PER_SLICE,
  FIRST_GROUP as FIRST_PROOF_GROUP,
  PageVerifier,
  WORK as PROOF_WORK,
  type ConsumeOptions,
  type PageVerifierCheckpoint,
  type PageVerifierParameters,
  type VerifiedBatch,
} from './pageVerifier.ts'
export { nextMacrotask, WorkSlices } from './workSlices.ts'
export { verifyLastFinalized, type LastFinalized } from './lastFinalized.ts'
export {
  fetchTransport,
  loadNetwork,
  ZellularClient,
  type AppProgress,
  type NodeTransport,
  type NodeTransportAnswer,
  type NodeTransportRequest,
  type BatchesParameters,
  type NodeState,
  type RequestOptions,
  type ZellularClientParameters,
} from './client.ts'

import { initBls } from './bls.ts'
import { initHash } from './hash.ts'

/** Loads the two wasm modules (XXH3 and mcl BN254). Await once before using anything else. */
export async function initZellular(): Promise<void> {
  await Promise.all([initHash(), initBls()])
}
