// eslint-disable-next-line project/module-boundaries -- BLS-free part of attest, for the web
import { createBlsVerifier, type BlsVerifier } from '../../../shared/attest/blsVerifier.ts'

let loading: Promise<BlsVerifier> | undefined

/**
 * The BLS12-381 backend for proofs, loaded on first use so neither chunk is in the first paint.
 * herumi (`bls-eth-wasm`, WebAssembly, 680 kB) is the fast one, wrapped once in
 * `createBlsVerifier` of `shared/attest` (its caches then serve every later read), but fetching
 * and compiling it takes longer than a check. So the first checks are answered in plain
 * JavaScript (`@noble/curves`, same answers) as soon as that small chunk is in, and every check
 * from the moment herumi is ready uses herumi (`tieredBlsVerifier`). Later calls share the
 * promise.
 */
export function loadBls(): Promise<BlsVerifier> {
  loading ??= (async () => {
    // eslint-disable-next-line project/module-boundaries -- its own lazy chunk: attest's index would bring herumi in
    const noble = await import('../../../shared/attest/nobleBlsVerifier.ts')
    // herumi's chunk carries its WebAssembly as text: decoding it holds the thread for hundreds
    // of milliseconds, so it is asked for only after the caller's first check has run.
    const herumi = new Promise<BlsVerifier>((loaded, failed) =>
      setTimeout(() => {
        loadHerumiVerifier().then(loaded, failed)
      }),
    )
    return noble.tieredBlsVerifier(noble.createNobleBlsVerifier(), herumi)
  })()
  return loading
}

/** A fresh `createBlsVerifier` (empty caches) on herumi, loaded once per page. */
export async function loadHerumiVerifier(): Promise<BlsVerifier> {
  const { herumi } = await import('./herumi.ts')
  return createBlsVerifier(herumi)
}
