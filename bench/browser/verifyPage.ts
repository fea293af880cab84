/*
 * The tiny page `npm run bench:browser` drives: the web app's portfolio check (one replica's
 * proven balances and page of open orders taken apart per value, `splitBalanceProofs` and
 * `splitOrderProofs`, then `web/src/lib/verifyPortfolioAtRoot.ts`: one root aggregate, then one
 * proof per balance and per open order) and its lazy BLS loader, timed over prepared replica
 * answers. Runs in Chromium.
 */
// The page loads herumi late, like the app (`blsLoadMs`); attest's index.ts would load it first.
// eslint-disable-next-line project/module-boundaries -- BLS-free part of attest, for the page
import { createBlsVerifier } from '../../shared/attest/blsVerifier.ts'
import {
  splitBalanceProofs,
  splitOrderProofs,
  type ProofAnswer,
} from '../../shared/exchange/index.ts'
import { loadBls } from '../../web/src/lib/bls.ts'
import {
  verifyPortfolioAtRoot,
  type VerifyPortfolioAtRootParameters,
} from '../../web/src/lib/verifyPortfolioAtRoot.ts'

/**
 * One portfolio check: the replicas' root attestations of an index, and one replica's answers to
 * `GET /balances?proof=1` and `GET /orders?proof=1` (its pages).
 */
export type BenchRead = Pick<VerifyPortfolioAtRootParameters, 'index' | 'answers' | 'address'> & {
  readonly tokens: readonly string[]
  readonly balancesAnswer: ProofAnswer
  readonly orderPages: readonly ProofAnswer[]
}

export interface BenchInput {
  readonly registry: VerifyPortfolioAtRootParameters['registry']
  /** Timed reads. */
  readonly reads: readonly BenchRead[]
  /** Untimed reads first (other roots, so they warm the engine, not the cache). */
  readonly warmupReads: readonly BenchRead[]
}

export interface BenchOutput {
  readonly blsLoadMs: number
  /** The first warm-up read on a fresh verifier (BLS module already loaded). */
  readonly firstReadMs: number
  readonly timesMs: number[]
  /** Every balance and order of every read (`v3/3:value`), so the runner can check and hash them. */
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
  const run = (read: BenchRead) => {
    // What the app does with the answers on its main thread, then in its worker.
    const { address, tokens } = read
    const byToken = splitBalanceProofs(address, tokens, read.balancesAnswer)
    const byOrder: Record<string, ProofAnswer> = Object.assign(
      {},
      ...read.orderPages.map((p) => splitOrderProofs(address, p)),
    )
    return verifyPortfolioAtRoot({
      index: read.index,
      answers: read.answers,
      address,
      tokens,
      proofs: Object.fromEntries(tokens.map((token) => [token, [byToken[token]!]])),
      orderIds: Object.keys(byOrder),
      orderProofs: Object.fromEntries(
        Object.entries(byOrder).map(([orderId, answer]) => [orderId, [answer]]),
      ),
      registry: input.registry,
      bls,
    })
  }
  const outcomesOf = (result: ReturnType<typeof run>) => [
    ...Object.values(result.byToken).map(
      (balance) => `${balance.verified ? 'v' : 'u'}${balance.k}/${balance.n}:${balance.available}`,
    ),
    ...Object.values(result.byOrder).map(
      (order) => `${order.verified ? 'v' : 'u'}${order.k}/${order.n}:${order.value}`,
    ),
  ]
  const outcomes: string[] = []
  const firstStarted = performance.now()
  // A warm-up read: the timed ones must not find its root in the verifier's cache.
  const first = run(input.warmupReads[0]!)
  const firstReadMs = performance.now() - firstStarted
  outcomes.push(...outcomesOf(first))
  for (const read of input.warmupReads) run(read)
  const timesMs: number[] = []
  for (const read of input.reads) {
    const started = performance.now()
    const result = run(read)
    timesMs.push(performance.now() - started)
    outcomes.push(...outcomesOf(result))
  }
  return { blsLoadMs, firstReadMs, timesMs, outcomes }
}
document.getElementById('status')!.textContent = 'ready'
