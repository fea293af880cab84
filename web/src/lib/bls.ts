// eslint-disable-next-line project/module-boundaries -- BLS-free part of attest, for the web
import { createBlsVerifier, type BlsVerifier } from '../../../shared/attest/blsVerifier.ts'
import { startHerumiWasm } from './startHerumiWasm.ts'

let loading: Promise<BlsVerifier> | undefined

/**
 * The BLS12-381 backend for proofs, loaded on first use so none of it is in the first paint:
 * herumi (`bls-eth-wasm`), its WebAssembly compiled while it downloads
 * (`web/vite/herumiWasm.ts`), wrapped once in `createBlsVerifier` of `shared/attest` (its caches
 * then serve every later read). Where WebAssembly cannot run (turned off by policy, as Safari's
 * Lockdown Mode does), the same checks in plain JavaScript (`@noble/curves`, same answers, about
 * four times slower warm). Later calls share the promise.
 */
export function loadBls(): Promise<BlsVerifier> {
  loading ??= loadHerumiVerifier().catch(async () => {
    // eslint-disable-next-line project/module-boundaries -- its own lazy chunk: attest's index would bring herumi in
    const noble = await import('../../../shared/attest/nobleBlsVerifier.ts')
    return noble.createNobleBlsVerifier()
  })
  return loading
}

/** A fresh `createBlsVerifier` (empty caches) on herumi, loaded once per page. */
export async function loadHerumiVerifier(): Promise<BlsVerifier> {
  // Its WebAssembly compiles while the chunk below downloads and runs, not after it.
  startHerumiWasm()
  const { herumi } = await import('./herumi.ts')
  return createBlsVerifier(herumi)
}
