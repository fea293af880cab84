import { useStreamStatus } from '../../lib/live.tsx'

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'stale'

/**
 * Live when the stream is connected and keeping up; reconnecting while it retries or moves to
 * another replica; stale when it is connected but has not delivered what the replicas report
 * for a few seconds (a stuck replica, a half-open connection): it then moves on by itself.
 */
function useLiveState(): { state: LiveState; replicaId: string | undefined } {
  const stream = useStreamStatus()
  const state: LiveState =
    stream.connection === 'live' ? (stream.stale ? 'stale' : 'live') : stream.connection
  return { state, replicaId: stream.replicaId }
}

const labels: Record<LiveState, string> = {
  connecting: 'Connecting',
  live: 'Live',
  reconnecting: 'Reconnecting',
  stale: 'Stale',
}

export function LiveIndicator() {
  const { state, replicaId } = useLiveState()
  return (
    <span
      className={`live live-${state}`}
      role="status"
      aria-live="polite"
      data-testid="live-indicator"
      data-state={state}
      title={replicaId ? `Streaming from ${replicaId}` : undefined}
    >
      <span className="live-dot" aria-hidden />
      {labels[state]}
      {replicaId && <span className="muted small"> · {replicaId}</span>}
    </span>
  )
}
