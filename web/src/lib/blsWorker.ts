/*
 * The portfolio checks, off the page's main thread: the aggregate BLS verification of a root
 * (tens of milliseconds, more on a busy machine) and the proofs of each balance and open order
 * against it, long enough to hold the book and chart back for frames under steady fills. The
 * verifier and its cache of successful checks live here, loaded as the worker starts: the app
 * starts it when it begins fetching the answers to check (`verifyOffThread.ts`), so the
 * WebAssembly downloads and compiles while they travel.
 */
import { loadBls } from './bls.ts'
import { verifyPortfolioAtRoot } from './verifyPortfolioAtRoot.ts'
import type { BlsWorkerRequest, BlsWorkerResponse } from './verifyOffThread.ts'

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<BlsWorkerRequest>) => void) | null
  postMessage(message: BlsWorkerResponse): void
}

const loaded = loadBls()
// Its failure reaches each request below.
loaded.catch(() => undefined)

scope.onmessage = (event) => {
  const { id, parameters } = event.data
  loaded
    .then((bls) => scope.postMessage({ id, result: verifyPortfolioAtRoot({ ...parameters, bls }) }))
    .catch((error: unknown) => scope.postMessage({ id, error: String(error) }))
}
