import { humanizeCode, shortHash } from '../../lib/format.ts'
import type { RequestStage, TrackedRequest } from './requestsState.ts'

const steps: { stage: RequestStage; label: string }[] = [
  { stage: 'wallet', label: 'Waiting for wallet' },
  { stage: 'submitted', label: 'Submitted' },
  { stage: 'finalized', label: 'Finalized by Zellular' },
  { stage: 'applied', label: 'Applied' },
]

const rank: Record<RequestStage, number> = {
  wallet: 0, submitting: 0.5, submitted: 1, finalized: 2, applied: 3, declined: -1, rejected: -1, failed: -1,
}

/** One request's progress: the four steps, or how it ended. */
export function RequestTimeline(props: { request: TrackedRequest; onDismiss?: () => void }) {
  const { request } = props
  const ended = request.stage === 'declined' || request.stage === 'rejected' || request.stage === 'failed'
  return (
    <div
      className={`request stage-${request.stage}`}
      data-testid="request"
      data-stage={request.stage}
      data-intent-id={request.intentId}
      data-action={request.action}
    >
      <div className="request-head">
        <span className="request-title">{request.title}</span>
        <span className="mono muted small" title={request.intentId}>{shortHash(request.intentId)}</span>
        {props.onDismiss && ended && (
          <button className="icon-btn small" aria-label="Dismiss" onClick={props.onDismiss}>✕</button>
        )}
      </div>
      {ended ? (
        <p className={request.stage === 'declined' ? 'warn small' : 'error small'} role="status" data-testid="request-reason">
          {request.stage === 'declined' && 'Declined in wallet — nothing was signed.'}
          {request.stage === 'rejected' && `Rejected: ${humanizeCode(request.reason ?? 'rejected')}`}
          {request.stage === 'failed' && `Failed: ${request.reason ?? 'unknown error'}`}
        </p>
      ) : (
        <ol className="steps" aria-label="Request progress">
          {steps.map((step) => {
            const done = rank[request.stage] >= rank[step.stage] && !(step.stage === 'wallet' && request.stage === 'wallet')
            const current = !done && rank[request.stage] >= rank[step.stage] - 1
            return (
              <li key={step.stage} className={done ? 'done' : current ? 'current' : ''} aria-current={current ? 'step' : undefined}>
                <span className="step-dot" aria-hidden>{done ? '✓' : current ? <span className="spinner" /> : ''}</span>
                <span className="small">
                  {step.label}
                  {step.stage === 'finalized' && done && request.batchIndex !== undefined && ` · batch #${request.batchIndex}`}
                  {step.stage === 'applied' && done && request.appliedBy !== undefined && ` · ${request.appliedBy} replicas`}
                </span>
              </li>
            )
          })}
        </ol>
      )}
    </div>
  )
}
