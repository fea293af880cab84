/*
 * The balance-proof checks, off the page's main thread: each `verifyBalanceQuorum` of a token
 * runs BLS pairings for tens of milliseconds (more on a busy machine), long enough to hold the
 * book and chart back for frames under steady fills. The verifier and its cache of successful
 * checks live here, loaded on the first request. Started by `verifyOffThread.ts`.
 */
import { loadBls } from './bls.ts'
import { verifyBalanceQuorum } from './verifyBalanceQuorum.ts'
import type { BlsWorkerRequest, BlsWorkerResponse } from './verifyOffThread.ts'

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<BlsWorkerRequest>) => void) | null
  postMessage(message: BlsWorkerResponse): void
}

scope.onmessage = (event) => {
  const { id, parameters } = event.data
  loadBls()
    .then((bls) => scope.postMessage({ id, result: verifyBalanceQuorum({ ...parameters, bls }) }))
    .catch((error: unknown) => scope.postMessage({ id, error: String(error) }))
}
