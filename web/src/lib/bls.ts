/**
 * The BLS12-381 backend for balance proofs: `@chainsafe/bls/herumi` (WASM), loaded on first use
 * so the 680 kB chunk stays out of the first paint. Only the four calls the quorum verifier needs
 * are exposed, which also lets unit tests pass the same module in Node.
 */
export interface BlsVerifier {
  /** True only for a valid signature of `message` by `publicKey`; false on any bad input. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean
  /** True only when `signature` aggregates one valid signature per (key, message) pair. */
  verifyMultiple(publicKeys: Uint8Array[], messages: Uint8Array[], signature: Uint8Array): boolean
  aggregateSignatures(signatures: Uint8Array[]): Uint8Array
}

let loading: Promise<BlsVerifier> | undefined

/** Loads herumi once; later calls share the same promise. */
export function loadBls(): Promise<BlsVerifier> {
  loading ??= import('@chainsafe/bls/herumi').then((module) => module.default)
  return loading
}
