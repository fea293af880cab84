// eslint-disable-next-line project/module-boundaries -- BLS-free part of attest, for the web
import { createBlsVerifier, type BlsVerifier } from '../../../shared/attest/blsVerifier.ts'

let loading: Promise<BlsVerifier> | undefined

/**
 * The BLS12-381 backend for balance proofs: `@chainsafe/bls/herumi` (WASM), loaded on first use
 * so the 680 kB chunk stays out of the first paint, and wrapped once in `createBlsVerifier` of
 * `shared/attest` (its caches then serve every later read). Later calls share the promise.
 */
export function loadBls(): Promise<BlsVerifier> {
  loading ??= import('@chainsafe/bls/herumi').then((module) => createBlsVerifier(module.default))
  return loading
}
