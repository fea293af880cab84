import type { IntentAction } from '../../../../shared/intents/index.ts'

/**
 * Where one signing request stands. The happy path is
 * wallet → submitting → submitted → finalized → applied; it can end early in
 * `declined` (the user said no in the wallet), `rejected` (a replica or the ledger refused it,
 * with a reason) or `failed` (no replica could be reached, or the wallet failed).
 */
export type RequestStage =
  | 'wallet'
  | 'submitting'
  | 'submitted'
  | 'finalized'
  | 'applied'
  | 'declined'
  | 'rejected'
  | 'failed'

export interface TrackedRequest {
  /** Local key (the intent id once known, which is known before signing). */
  readonly key: string
  readonly action: IntentAction
  readonly title: string
  readonly text: string
  readonly intentId: string
  readonly stage: RequestStage
  readonly replicaId?: string
  readonly batchIndex?: number
  /** How many replicas report the intent applied, when known. */
  readonly appliedBy?: number
  readonly reason?: string
  readonly startedAt: number
}

export type RequestsAction =
  | { type: 'add'; request: TrackedRequest }
  | { type: 'update'; key: string; patch: Partial<TrackedRequest> }
  | { type: 'dismiss'; key: string }
  | { type: 'clearFinished' }

const order: Record<RequestStage, number> = {
  wallet: 0,
  submitting: 1,
  submitted: 2,
  finalized: 3,
  applied: 4,
  declined: 5,
  rejected: 5,
  failed: 5,
}

/** True for stages after which nothing more happens. */
export function isFinal(stage: RequestStage): boolean {
  return stage === 'applied' || stage === 'declined' || stage === 'rejected' || stage === 'failed'
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
  }
}
