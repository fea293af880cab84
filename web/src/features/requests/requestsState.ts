import type { IntentAction } from '../../../../shared/intents/index.ts'
import { nonceMaxAgeMs } from '../../../../shared/ledger/index.ts'
import { reasonText, replicaErrorReason, type RequestReason } from './requestReason.ts'

/**
 * Where one signing request stands. The happy path is
 * wallet → submitting → submitted → finalized → applied; it can end early in
 * `declined` (the user said no in the wallet), `cancelled` (the wallet's account changed while
 * it asked to sign: nothing is sent for the old account), `rejected` (a quorum of replicas
 * refused it before sequencing, or a quorum's receipts say the ledger rejected it, with a
 * reason) or `failed` (the wallet failed). `unknown` stands in for `submitted` when no quorum
 * of replicas could confirm that the intent reached Zellular or refused it, although it may
 * have reached it: it is watched like a submitted one (receipts, `GET /tx/:id` on every
 * replica) until it applies or is rejected, and is never shown as a failure, which would invite
 * signing it again. One replica's refusal is never final: a lying replica can post the signed
 * intent to Zellular itself (anyone can) and then refuse it.
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
  /**
   * How many replicas refused it before sequencing, when that made it `rejected`. Their
   * pre-checks are not the ledger's verdict, and the signed intent may be in Zellular anyway
   * (posted by a lying replica): such a request is still watched, and a quorum's `applied`
   * still overrides it. Undefined once a quorum's receipts decided.
   */
  readonly refusedBy?: number | undefined
  /**
   * Until when (this browser's clock) the intent can still apply: after its nonce's time window
   * (`lastApplyTimeMs`) no batch can apply it, so watching it can bring no news.
   */
  readonly applyByMs?: number
  readonly startedAt: number
  /** When (this browser's clock) it reached each stage after the first (`update`'s `at`). */
  readonly stagedAt?: Partial<Readonly<Record<RequestStage, number>>>
  /** The order a `cancel` request cancels (its row shows it being cancelled). */
  readonly orderId?: string
  /** The market of an order, cancel or cancel-all request. */
  readonly market?: string
  /**
   * No longer polled although it may still move: newer requests took its place among those
   * watched at once (`RequestWatcher`'s `maxWatched`). Receipts on the live stream still move it.
   */
  readonly unwatched?: boolean
}

/**
 * Allowance for a browser clock behind Zellular's batch times (the nonce is this clock's time
 * at signing, the window is judged against the batch's time).
 */
const clockSkewAllowanceMs = 10 * 60_000

/**
 * The last time at which an intent with `nonce` can apply: a batch applies it only while its
 * time is within `nonceMaxAgeMs` of the nonce (`shared/ledger/nonceWindow.ts`).
 */
export function lastApplyTimeMs(nonce: bigint): number {
  return Number(nonce) + nonceMaxAgeMs + clockSkewAllowanceMs
}

export type RequestsAction =
  | { type: 'add'; request: TrackedRequest }
  /** `at`: when it happened (this browser's clock), kept per stage reached (`stagedAt`). */
  | { type: 'update'; key: string; patch: Partial<TrackedRequest>; at?: number }
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
 * Whether a request at `stage` may still move to `next`: forwards only (a late poll answer
 * cannot undo a receipt), and never out of a final stage, except that a rejection by a
 * quorum's pre-checks (`refusedBy`) yields to a quorum's `applied`: the signed intent may
 * have reached Zellular anyway.
 */
function canMove(request: TrackedRequest, next: RequestStage): boolean {
  if (request.stage === 'rejected' && request.refusedBy !== undefined) return next === 'applied'
  return !isFinal(request.stage) && order[next] >= order[request.stage]
}

/**
 * The request list, newest first, at most 30. Updates move a request only as `canMove` lets
 * them; `applied` can still learn how many replicas applied it.
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
          if (!canMove(request, next)) {
            const { stage: _ignored, ...rest } = action.patch
            return request.stage === 'applied' ? { ...request, ...rest } : request
          }
        }
        const moved = next !== undefined && next !== request.stage && action.at !== undefined
        return {
          ...request,
          ...action.patch,
          ...(moved ? { stagedAt: { ...request.stagedAt, [next]: action.at } } : {}),
        }
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
 * for a send that may have delivered the batch. A `replay` after an earlier attempt is that
 * same intent, held elsewhere: the earlier replica took it or, refusing, posted it itself.
 */
function mayHaveArrived(failure: SubmitFailure, earlier: boolean): boolean {
  if (failure.kind === 'other') return false
  if (failure.kind !== 'http') return true
  return failure.code === 'sequencer_unavailable' || (earlier && failure.code === 'replay')
}

/**
 * Where a request stands when no replica took it, from every attempt in order (`quorum` of the
 * registry): `unknown` (keep watching) if any attempt may have reached Zellular, or if fewer
 * than a quorum refused it (one replica's refusal decides nothing: a liar can post the intent
 * and refuse it); `rejected` when a quorum refused it before sending, with the code most of
 * them give (the last one's among equals) and how many refused; `failed` when the request
 * could not be sent at all.
 */
export function stageAfterFailedSubmit(
  failures: readonly SubmitFailure[],
  quorum: number,
): {
  stage: 'unknown' | 'rejected' | 'failed'
  reason: RequestReason
  refusedBy?: number
} {
  let uncertain = false
  const refusals: SubmitFailure[] = []
  for (const [position, failure] of failures.entries()) {
    if (mayHaveArrived(failure, position > 0)) uncertain = true
    else if (failure.kind === 'http') refusals.push(failure)
  }
  const last = failures.at(-1)
  if (uncertain) return { stage: 'unknown', reason: reasonText(last?.message ?? 'no answer') }
  const refusal = mostCommonRefusal(refusals)
  if (refusal === undefined) {
    return { stage: 'failed', reason: reasonText(last?.message ?? 'No replica answered') }
  }
  const reason = replicaErrorReason(refusal.code, refusal.message)
  if (refusals.length < quorum) return { stage: 'unknown', reason }
  return { stage: 'rejected', reason, refusedBy: refusals.length }
}

/** The refusal whose code (or message, without one) most refusals give; the last among equals. */
function mostCommonRefusal(refusals: readonly SubmitFailure[]): SubmitFailure | undefined {
  const counts = new Map<string, number>()
  let best: SubmitFailure | undefined
  let bestCount = 0
  for (const refusal of refusals) {
    const said = refusal.code ?? `message:${refusal.message}`
    const count = (counts.get(said) ?? 0) + 1
    counts.set(said, count)
    if (count >= bestCount) {
      best = refusal
      bestCount = count
    }
  }
  return best
}
