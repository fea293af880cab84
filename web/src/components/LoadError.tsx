/**
 * A panel's error state: what could not be loaded, and a Retry button. Kept apart from empty
 * states ("No trades yet"), which are facts; this one says the app does not know.
 */
export function LoadError(props: { message: string; onRetry: () => void; testId: string }) {
  return (
    <div className="load-error" role="alert" data-testid={props.testId}>
      <span className="error small">{props.message}</span>
      <button type="button" className="btn btn-small btn-ghost" onClick={props.onRetry}>
        Retry
      </button>
    </div>
  )
}
