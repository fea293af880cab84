import { useEffect, useState } from 'react'
import { BatchTime } from '../../components/BatchTime.tsx'
import { shortHash } from '../../lib/format.ts'
import { requestStatusText } from './requestStatusText.ts'
import type { RequestStage, TrackedRequest } from './requestsState.ts'
import { appliedAfterSigningMs, durationText } from './requestTiming.ts'

/** An applied request's card fades this long after it was applied (it stays readable). */
const settleAfterMs = 4_000

const steps: { stage: RequestStage; label: string; long: string }[] = [
  { stage: 'wallet', label: 'Wallet', long: 'Waiting for wallet' },
  { stage: 'submitted', label: 'Submitted', long: 'Submitted' },
  { stage: 'finalized', label: 'Finalized', long: 'Finalized by Zellular' },
  { stage: 'applied', label: 'Applied', long: 'Applied' },
]

const rank: Record<RequestStage, number> = {
  wallet: 0,
  submitting: 0.5,
  submitted: 1,
  unknown: 0.75,
  finalized: 2,
  applied: 3,
  declined: -1,
  cancelled: -1,
  rejected: -1,
  failed: -1,
}

/**
 * One request's progress: waiting for wallet → submitted → finalized by Zellular → applied, then
 * how long it took after signing; the card fades a few seconds after it applied.
 */
export function RequestTimeline(props: { request: TrackedRequest; onDismiss?: () => void }) {
  const { request } = props
  const [settled, setSettled] = useState(false)
  const applied = request.stage === 'applied'
  useEffect(() => {
    if (!applied) return
    const timer = setTimeout(() => setSettled(true), settleAfterMs)
    return () => clearTimeout(timer)
  }, [applied])
  const tookMs = appliedAfterSigningMs(request)
  const ended =
    request.stage === 'declined' ||
    request.stage === 'cancelled' ||
    request.stage === 'rejected' ||
    request.stage === 'failed'
  // Declined, cancelled and not-yet-confirmed are no errors, but need the reader's attention.
  const warned =
    request.stage === 'declined' || request.stage === 'cancelled' || request.stage === 'unknown'
  return (
    <div
      className={`request stage-${request.stage}${settled ? ' settled' : ''}`}
      data-testid="request"
      data-stage={request.stage}
      data-intent-id={request.intentId}
      data-action={request.action}
    >
      <div className="request-head">
        <span className="request-title">{request.title}</span>
        <span className="mono muted small" title={request.intentId}>
          {shortHash(request.intentId)}
        </span>
        {/* The batch's time once a replica applied or rejected it, until then when it began. */}
        <span className="muted small request-time" data-testid="request-time">
          <BatchTime
            time={request.batchTime ?? request.startedAt}
            relative
            detail={request.batchTime === undefined ? 'signing started' : 'batch time'}
          />
        </span>
        {props.onDismiss && (ended || request.stage === 'unknown') && (
          <button className="icon-btn small" aria-label="Dismiss" onClick={props.onDismiss}>
            ✕
          </button>
        )}
      </div>
      {!ended && (
        <ol className="steps" aria-label="Request progress">
          {steps.map((step) => {
            const done =
              rank[request.stage] >= rank[step.stage] &&
              !(step.stage === 'wallet' && request.stage === 'wallet')
            const current = !done && rank[request.stage] >= rank[step.stage] - 1
            return (
              <li
                key={step.stage}
                className={done ? 'done' : current ? 'current' : ''}
                aria-current={current ? 'step' : undefined}
                title={step.long}
              >
                <span className="step-dot" aria-hidden>
                  {done ? '✓' : current ? <span className="spinner" /> : ''}
                </span>
                <span className="small">{step.label}</span>
              </li>
            )
          })}
        </ol>
      )}
      <p
        className={`small ${warned ? 'warn' : ended ? 'error' : 'muted'}`}
        role="status"
        data-testid="request-status"
      >
        {requestStatusText(request)}
        {tookMs !== undefined && (
          <span data-testid="request-elapsed"> · {durationText(tookMs)} after signing</span>
        )}
      </p>
    </div>
  )
}
