import type { IntentAction } from '../../../../shared/intents/index.ts'
import { reasonText, replicaErrorReason, type RequestReason } from './requestReason.ts'

/**
 * Where one signing request stands. The happy path is
 * wallet → submitting → submitted → finalized → applied; it can end early in
 * `declined` (the user said no in the wallet), `cancelled` (the wallet's account changed while
 * it asked to sign: nothing is sent for the old account), `rejected` (a replica or the ledger
 * refused it, with a reason) or `failed` (the wallet failed). `unknown` stands in for `submitted` when no
 * replica could confirm that the intent reached Zellular although it may have: it is watched
 * like a submitted one (receipts, `GET /tx/:id` on every replica) until it applies or is
 * rejected, and is never shown as a failure, which would invite signing it again.
 */
export type RequestStage =
  | 'wallet'
  | 'submitting'
  | 'submitted'
  | 'unknown'
  | 'finalized'
  | 'applied'
  | 'declined'
  | 'cancelled'
  | 'rejected'
  | 'failed'

export interface TrackedRequest {
  /** Local key (the intent id once known, which is known before signing). */
  readonly key: string
  readonly action: IntentAction
  readonly title: string
  readonly text: string
  readonly intentId: string
  /** The account that signs it (lower-case). */
  readonly signer: string
  readonly stage: RequestStage
  readonly replicaId?: string
  readonly batchIndex?: number
  /** The time of that batch (ms since the Unix epoch, the same on every replica). */
  readonly batchTime?: number
  /** How many replicas report the intent applied, when known. */
  readonly appliedBy?: number
  /**
   * Why it was `rejected` (a stable code), `declined` or `failed` (text), or why it is `unknown`
   * (the last attempt's error). A `cancelled` request has none: the stage says why.
   */
  readonly reason?: RequestReason
  readonly startedAt: number
}

export type RequestsAction =
  | { type: 'add'; request: TrackedRequest }
  | { type: 'update'; key: string; patch: Partial<TrackedRequest> }
  | { type: 'dismiss'; key: string }
  | { type: 'clearFinished' }
  /** The wallet's account is now `address` (undefined: disconnected). */
  | { type: 'accountChanged'; address: string | undefined }

const order: Record<RequestStage, number> = {
  wallet: 0,
  submitting: 1,
  submitted: 2,
  unknown: 2,
  finalized: 3,
  applied: 4,
  declined: 5,
  cancelled: 5,
  rejected: 5,
  failed: 5,
}

/** True for stages after which nothing more happens. */
export function isFinal(stage: RequestStage): boolean {
  return (
    stage === 'applied' ||
    stage === 'declined' ||
    stage === 'cancelled' ||
    stage === 'rejected' ||
    stage === 'failed'
  )
}

/**
 * The request list, newest first, at most 30. Updates never move a request backwards (a late
 * poll answer cannot undo a receipt) and never change a final stage, except that `applied`
 * can still learn how many replicas applied it.
 */
export function requestsReducer(
  state: readonly TrackedRequest[],
  action: RequestsAction,
): TrackedRequest[] {
  switch (action.type) {
    case 'add':
      return [
        action.request,
        ...state.filter((request) => request.key !== action.request.key),
      ].slice(0, 30)
    case 'update':
      return state.map((request) => {
        if (request.key !== action.key) return request
        const next = action.patch.stage
        if (next !== undefined && next !== request.stage) {
          if (isFinal(request.stage) || order[next] < order[request.stage]) {
            const { stage: _ignored, ...rest } = action.patch
            return request.stage === 'applied' ? { ...request, ...rest } : request
          }
        }
        return { ...request, ...action.patch }
      })
    case 'dismiss':
      return state.filter((request) => request.key !== action.key)
    case 'clearFinished':
      return state.filter((request) => !isFinal(request.stage))
    case 'accountChanged': {
      // A prompt still open for another account: whatever the wallet answers, it is not sent.
      const address = action.address?.toLowerCase()
      return state.map((request) =>
        request.stage === 'wallet' && request.signer !== address
          ? { ...request, stage: 'cancelled' }
          : request,
      )
    }
  }
}

/**
 * The requests to show while `address` is connected: its own, and those cancelled because the
 * account changed during their prompt (the user must see that nothing was sent). Requests of
 * other accounts stay tracked, and show again when their account is back.
 */
export function visibleRequests(
  requests: readonly TrackedRequest[],
  address: string | undefined,
): TrackedRequest[] {
  const current = address?.toLowerCase()
  return requests.filter((request) => request.signer === current || request.stage === 'cancelled')
}

/** A failed submission attempt to one replica (see `ReplicaRequestError`). */
export interface SubmitFailure {
  /**
   * `http`: the replica answered with an error; `network`, `timeout`: sent, and no answer came
   * back; `invalid_response`: a 2xx answer that does not parse; `other`: failed before sending.
   */
  readonly kind: 'http' | 'network' | 'timeout' | 'invalid_response' | 'other'
  readonly code?: string | undefined
  readonly message: string
}

/**
 * Whether an attempt may have handed the intent on to Zellular: it was sent and no answer came
 * back (a timeout or a dropped connection: the replica may have taken it), a 2xx that did not
 * parse (the replica took it), or an older replica's 503 `sequencer_unavailable`, which it gave
 * for a send that may have delivered the batch. A `replay` after such an attempt is that same
 * intent, held elsewhere.
 */
function mayHaveArrived(failure: SubmitFailure, earlier: boolean): boolean {
  if (failure.kind === 'other') return false
  if (failure.kind !== 'http') return true
  return failure.code === 'sequencer_unavailable' || (earlier && failure.code === 'replay')
}

/**
 * Where a request stands when no replica took it, from every attempt in order: `unknown` (keep
 * watching) if any may have reached Zellular, else `rejected` with the last refusal's code, or
 * `failed` when the request could not be sent at all.
 */
export function stageAfterFailedSubmit(failures: readonly SubmitFailure[]): {
  stage: 'unknown' | 'rejected' | 'failed'
  reason: RequestReason
} {
  let uncertain = false
  for (const failure of failures) uncertain = mayHaveArrived(failure, uncertain) || uncertain
  const last = failures.at(-1)
  if (uncertain) return { stage: 'unknown', reason: reasonText(last?.message ?? 'no answer') }
  if (last?.kind === 'http') {
    return { stage: 'rejected', reason: replicaErrorReason(last.code, last.message) }
  }
  return { stage: 'failed', reason: reasonText(last?.message ?? 'No replica answered') }
}
