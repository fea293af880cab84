import herumiModule from 'bls-eth-wasm'
// eslint-disable-next-line project/module-boundaries -- BLS-free part of attest, for the web
import type { Herumi } from '../../../shared/attest/blsVerifier.ts'
import { herumiMarks } from './herumiMarks.ts'

// Compiled and initialised once per page (or worker), when this module (its own lazy chunk,
// `herumi-*.js`, 18 kB, whose WebAssembly the build serves as `herumi-*.wasm`,
// `web/vite/herumiWasm.ts`) is first imported. The marks time the two parts of loading it for
// `npm run bench:browser`: this chunk arrived and ran, then herumi instantiated and set up.
performance.mark(herumiMarks.chunk)
await herumiModule.init(herumiModule.BLS12_381)
performance.mark(herumiMarks.ready)

/** herumi's BLS12-381, initialised: what `createBlsVerifier` of `shared/attest` takes. */
export const herumi: Herumi = herumiModule
