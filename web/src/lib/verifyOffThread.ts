import { loadBls } from './bls.ts'
import type {
  VerifyPortfolioAtRootParameters,
  VerifyPortfolioAtRootReturnType,
} from './verifyPortfolioAtRoot.ts'

/** What the page asks the worker: one index's roots and proofs, as plain data (no verifier). */
export type BlsWorkerParameters = Omit<VerifyPortfolioAtRootParameters, 'bls'>

interface BlsWorkerRequest {
  readonly id: number
  readonly parameters: BlsWorkerParameters
}

/** A check, or the registry whose keys' proofs of possession the worker checks ahead. */
export type BlsWorkerMessage =
  BlsWorkerRequest | { readonly prepare: BlsWorkerParameters['registry'] }

export type BlsWorkerResponse =
  | { readonly id: number; readonly result: VerifyPortfolioAtRootReturnType }
  | { readonly id: number; readonly error: string }

/** Most checks waiting for the worker at once; more are refused (the next refresh retries). */
const pendingMax = 64

let worker: Worker | undefined
/** Set once the worker failed: from then on checks run on the main thread, as before. */
let workerBroken = typeof Worker === 'undefined'
let nextId = 1
const pending = new Map<
  number,
  { resolve: (result: VerifyPortfolioAtRootReturnType) => void; reject: (error: Error) => void }
>()

function startWorker(): Worker {
  const started = new Worker(new URL('./blsWorker.ts', import.meta.url), { type: 'module' })
  started.onmessage = (event: MessageEvent<BlsWorkerResponse>) => {
    const response = event.data
    const waiting = pending.get(response.id)
    if (waiting === undefined) return
    pending.delete(response.id)
    if ('result' in response) waiting.resolve(response.result)
    else waiting.reject(new Error(response.error))
  }
  // A worker that cannot load (or dies) fails what it holds; later checks use the main thread.
  started.onerror = () => {
    workerBroken = true
    worker = undefined
    started.terminate()
    for (const waiting of pending.values()) waiting.reject(new Error('BLS worker failed'))
    pending.clear()
  }
  return started
}

/**
 * Starts the BLS worker, which loads its verifier at once, and has it check `registry`'s proofs
 * of possession, so a first check waits for neither (`prepareVerifier` of `queries.ts` says
 * when). The registry must be plain data. Nothing where workers do not run.
 */
export function prepareVerifierOffThread(registry: BlsWorkerParameters['registry']): void {
  if (workerBroken) return
  worker ??= startWorker()
  worker.postMessage({ prepare: registry } satisfies BlsWorkerMessage)
}

/**
 * `verifyPortfolioAtRoot` in a Web Worker (`blsWorker.ts`), so the pairings never hold the
 * page's main thread; the same function on the main thread where workers are missing or the
 * worker failed (loaded then, so the first paint carries none of it). The registry passed must
 * be plain data (it is copied to the worker).
 */
export function verifyPortfolioAtRootOffThread(
  parameters: BlsWorkerParameters,
): Promise<VerifyPortfolioAtRootReturnType> {
  if (workerBroken) {
    return Promise.all([loadBls(), import('./verifyPortfolioAtRoot.ts')]).then(([bls, module]) =>
      module.verifyPortfolioAtRoot({ ...parameters, bls }),
    )
  }
  if (pending.size >= pendingMax) {
    return Promise.reject(new Error(`more than ${pendingMax} portfolio checks waiting`))
  }
  worker ??= startWorker()
  const target = worker
  const id = nextId++
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject })
    target.postMessage({ id, parameters } satisfies BlsWorkerRequest)
  })
}
