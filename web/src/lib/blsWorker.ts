/*
 * The portfolio checks, off the page's main thread: the aggregate BLS verification of a root
 * (tens of milliseconds, more on a busy machine) and the proofs of each balance and open order
 * against it, long enough to hold the book and chart back for frames under steady fills. The
 * verifier and its cache of successful checks live here, loaded on the first request. Started
 * by `verifyOffThread.ts`.
 */
import { loadBls } from './bls.ts'
import { verifyPortfolioAtRoot } from './verifyPortfolioAtRoot.ts'
import type { BlsWorkerRequest, BlsWorkerResponse } from './verifyOffThread.ts'

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<BlsWorkerRequest>) => void) | null
  postMessage(message: BlsWorkerResponse): void
}

scope.onmessage = (event) => {
  const { id, parameters } = event.data
  loadBls()
    .then((bls) => scope.postMessage({ id, result: verifyPortfolioAtRoot({ ...parameters, bls }) }))
    .catch((error: unknown) => scope.postMessage({ id, error: String(error) }))
}
