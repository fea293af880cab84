/*
 * The portfolio checks, off the page's main thread: the aggregate BLS verification of a root
 * (tens of milliseconds, more on a busy machine) and the proofs of each balance and open order
 * against it, long enough to hold the book and chart back for frames under steady fills. The
 * verifier and its cache of successful checks live here, loaded as the worker starts: the app
 * starts it half a second after its screen shows, or as it first asks for answers to check
 * (`prepareVerifier`), so the WebAssembly downloads and compiles, and the registry's proofs of
 * possession are checked (`blsWorkerHandler.ts`), before a first check needs them.
 */
import { loadBls } from './bls.ts'
import { createBlsWorkerHandler } from './blsWorkerHandler.ts'
import type { BlsWorkerMessage, BlsWorkerResponse } from './verifyOffThread.ts'

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<BlsWorkerMessage>) => void) | null
  postMessage(message: BlsWorkerResponse): void
}

const loaded = loadBls()
// Its failure reaches each request (`createBlsWorkerHandler`).
loaded.catch(() => undefined)
const handle = createBlsWorkerHandler(loaded, (response) => scope.postMessage(response))

scope.onmessage = (event) => handle(event.data)
