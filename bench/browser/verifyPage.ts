/*
 * The tiny page `npm run bench:browser` drives: the project's quorum rule as the web app loads it
 * (`web/src/lib/verifyBalanceQuorum.ts`) and its lazy BLS loader, timed over prepared replica
 * answers. Runs in Chromium.
 */
// The page loads herumi late, like the app (`blsLoadMs`); attest's index.ts would load it first.
// eslint-disable-next-line project/module-boundaries -- BLS-free part of attest, for the page
import { createBlsVerifier } from '../../shared/attest/blsVerifier.ts'
import { loadBls } from '../../web/src/lib/bls.ts'
import {
  verifyBalanceQuorum,
  type ReplicaBalanceAnswer,
  type VerifyBalanceQuorumParameters,
} from '../../web/src/lib/verifyBalanceQuorum.ts'

export interface BenchRead {
  readonly address: string
  readonly token: string
  readonly index: number
  readonly answers: ReplicaBalanceAnswer[]
}

export interface BenchInput {
  readonly registry: VerifyBalanceQuorumParameters['registry']
  /** Timed reads. */
  readonly reads: readonly BenchRead[]
  /** Untimed reads first (other balances, so they warm the engine, not the cache). */
  readonly warmupReads: readonly BenchRead[]
  readonly mode: 'aggregate-first' | 'each'
}

export interface BenchOutput {
  readonly blsLoadMs: number
  readonly timesMs: number[]
  /** `k` of every read, so the runner can check and hash what was computed. */
  readonly outcomes: string[]
}

declare global {
  interface Window {
    runVerifyBench(input: BenchInput): Promise<BenchOutput>
  }
}

window.runVerifyBench = async (input) => {
  const loadStart = performance.now()
  await loadBls()
  const blsLoadMs = performance.now() - loadStart
  // A fresh verifier per run, so no run profits from another's cache.
  const bls = createBlsVerifier((await import('@chainsafe/bls/herumi')).default)
  const run = (read: BenchRead) =>
    verifyBalanceQuorum({
      registry: input.registry,
      address: read.address,
      token: read.token,
      index: read.index,
      answers: read.answers,
      bls,
      mode: input.mode,
    })
  for (const read of input.warmupReads) run(read)
  const timesMs: number[] = []
  const outcomes: string[] = []
  for (const read of input.reads) {
    const started = performance.now()
    const result = run(read)
    timesMs.push(performance.now() - started)
    outcomes.push(`${result.verified ? 'v' : 'u'}${result.k}/${result.n}:${result.available}`)
  }
  return { blsLoadMs, timesMs, outcomes }
}
document.getElementById('status')!.textContent = 'ready'
