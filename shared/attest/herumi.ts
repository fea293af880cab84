// Imported first for its side effect: it initialises bls-eth-wasm for BLS12-381 (a top-level
// await), the one module instance both it and `herumi` below name, so signing (through
// @chainsafe/bls) and verifying (`createBlsVerifier`) share one WebAssembly instance.
import '@chainsafe/bls/herumi'
import herumiModule from 'bls-eth-wasm'
import type { Herumi } from './blsVerifier.ts'

/**
 * herumi's BLS12-381, initialised, for `createBlsVerifier` in Node (replicas, the verify CLI,
 * tests, benches). The web app loads and initialises it itself, in a lazy chunk.
 */
export const herumi: Herumi = herumiModule
