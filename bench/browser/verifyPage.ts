/*
 * The tiny page `npm run bench:browser` drives: the web app's portfolio check (one replica's
 * proven balances and page of open orders taken apart per value, `splitBalanceProofs` and
 * `splitOrderProofs`, then `web/src/lib/verifyPortfolioAtRoot.ts`: one root aggregate, then one
 * proof per balance and per open order) and its lazy BLS loader, timed over prepared replica
 * answers. Runs in Chromium.
 */
// The page loads BLS late, like the app (`blsLoadMs`); attest's index.ts would load herumi first.
// eslint-disable-next-line project/module-boundaries -- BLS-free part of attest, for the page
import type { BlsVerifier } from '../../shared/attest/blsVerifier.ts'
// eslint-disable-next-line project/module-boundaries -- BLS-free part of attest, for the page
import { unprovenMember } from '../../shared/attest/proofOfPossession.ts'
import {
  splitBalanceProofs,
  splitOrderProofs,
  type ProofAnswer,
} from '../../shared/exchange/index.ts'
import { loadBls, loadHerumiVerifier } from '../../web/src/lib/bls.ts'
import { herumiMarks } from '../../web/src/lib/herumiMarks.ts'
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
  readonly timesMs: number[]
  /** Of each timed read, the time spent in BLS checks (the rest is parsing and proofs). */
  readonly blsTimesMs: number[]
  /** Every balance and order of every read (`v3/3:value`), so the runner can check and hash them. */
  readonly outcomes: string[]
}

/** A page's first check, and whether herumi's WebAssembly came from the browser's cache. */
export interface FirstCheck {
  /** `loadBls` until it resolves: herumi's chunk and its WebAssembly, compiled and set up. */
  readonly loadMs: number
  /** Of `loadMs`, until herumi's chunk has arrived and runs. */
  readonly chunkMs: number
  /** Of `loadMs`, from then until herumi is instantiated and set up. */
  readonly setupMs: number
  /** The registry keys' proofs of possession, checked as the app's worker does ahead. */
  readonly prepareMs: number
  /** The check of one read, its code run for the first time. */
  readonly checkMs: number
  /** Of `checkMs`, the time in BLS checks. */
  readonly blsMs: number
  readonly verified: boolean
  readonly wasmFromCache: boolean
}

declare global {
  interface Window {
    runVerifyBench(input: BenchInput): Promise<BenchOutput>
    /** The app's first check in a page that loaded nothing else: `loadBls`, then one read. */
    measureFirstCheck(registry: BenchInput['registry'], read: BenchRead): Promise<FirstCheck>
  }
}

/** What the app does with one read's answers on its main thread, then in its worker. */
function checkPortfolio(registry: BenchInput['registry'], read: BenchRead, bls: BlsVerifier) {
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
    registry,
    bls,
  })
}

/**
 * What the app's BLS worker does as the page starts asking for answers (`blsWorkerHandler.ts`):
 * the registry keys' proofs of possession, remembered for the checks. Returns the time taken.
 */
function prepare(registry: BenchInput['registry'], bls: BlsVerifier): number {
  const started = performance.now()
  if (unprovenMember(registry.replicas, bls) !== undefined) {
    throw new Error('a registry key has no valid proof of possession')
  }
  return performance.now() - started
}

window.measureFirstCheck = async (registry, read) => {
  const started = performance.now()
  const { bls, spentMs } = timedVerifier(await loadBls())
  const loadMs = performance.now() - started
  const markedAt = (name: string) =>
    performance.getEntriesByName(name, 'mark')[0]?.startTime ?? Number.NaN
  const chunkMs = markedAt(herumiMarks.chunk) - started
  const setupMs = markedAt(herumiMarks.ready) - markedAt(herumiMarks.chunk)
  const prepareMs = prepare(registry, bls)
  const blsBefore = spentMs()
  const checked = performance.now()
  const verified = checkPortfolio(registry, read, bls).root.verified
  const checkMs = performance.now() - checked
  const wasm = performance
    .getEntriesByType('resource')
    .find((entry) => entry.name.endsWith('.wasm')) as PerformanceResourceTiming | undefined
  const wasmFromCache = wasm !== undefined && wasm.transferSize === 0 && wasm.decodedBodySize > 0
  const blsMs = spentMs() - blsBefore
  return { loadMs, chunkMs, setupMs, prepareMs, checkMs, blsMs, verified, wasmFromCache }
}

window.runVerifyBench = async (input) => {
  const run = (read: BenchRead, bls: BlsVerifier) => checkPortfolio(input.registry, read, bls)
  const outcomesOf = (result: ReturnType<typeof run>) => [
    ...Object.values(result.byToken).map(
      (balance) => `${balance.verified ? 'v' : 'u'}${balance.k}/${balance.n}:${balance.available}`,
    ),
    ...Object.values(result.byOrder).map(
      (order) => `${order.verified ? 'v' : 'u'}${order.k}/${order.n}:${order.value}`,
    ),
  ]
  const outcomes: string[] = []
  // herumi in a fresh verifier per run, so that no run profits from another's cache; warm-up
  // reads at other roots first, so the timed ones warm the engine, not the cache.
  const herumi = await loadHerumiVerifier()
  for (const read of input.warmupReads) outcomes.push(...outcomesOf(run(read, herumi)))
  const { bls, spentMs } = timedVerifier(herumi)
  const timesMs: number[] = []
  const blsTimesMs: number[] = []
  for (const read of input.reads) {
    const started = performance.now()
    const blsBefore = spentMs()
    const result = run(read, bls)
    timesMs.push(performance.now() - started)
    blsTimesMs.push(spentMs() - blsBefore)
    outcomes.push(...outcomesOf(result))
  }
  return { timesMs, blsTimesMs, outcomes }
}

/** `bls`, adding up the time its checks take. */
function timedVerifier(bls: BlsVerifier): { bls: BlsVerifier; spentMs: () => number } {
  let spent = 0
  const timed =
    <args extends unknown[]>(check: (...checkArgs: args) => boolean) =>
    (...checkArgs: args) => {
      const started = performance.now()
      try {
        return check(...checkArgs)
      } finally {
        spent += performance.now() - started
      }
    }
  return {
    bls: {
      verify: timed(bls.verify),
      verifyAggregate: timed(bls.verifyAggregate),
      verifyMultiple: timed(bls.verifyMultiple),
      fastAggregateVerify: timed(bls.fastAggregateVerify),
    },
    spentMs: () => spent,
  }
}

document.getElementById('status')!.textContent = 'ready'
