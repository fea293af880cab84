import { useEffect, useState } from 'react'
import { useStreamStatus } from '../../lib/live.tsx'
import type { AppRegistry } from '../../lib/registry.ts'
import { useReplicaStatuses } from '../../lib/useReplicaStatuses.ts'

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'stale'

/** Batches the stream may trail the best replica by before it counts as stale. */
const staleBatches = 2
const staleAfterMs = 4000

/**
 * Live when the stream is connected and keeping up; reconnecting while it retries or moves to
 * another replica; stale when it is connected but has fallen behind what the replicas report
 * for a few seconds (a stuck replica, or events lost on the way).
 */
export function useLiveState(registry: AppRegistry): {
  state: LiveState
  replicaId: string | undefined
} {
  const stream = useStreamStatus()
  const statuses = useReplicaStatuses(registry)
  const best = Math.max(0, ...statuses.map((health) => health.status?.appliedIndex ?? 0))
  const behind = stream.connection === 'live' && (stream.appliedIndex ?? 0) + staleBatches < best
  const [behindSince, setBehindSince] = useState<number>()
  const [now, setNow] = useState(0)
  useEffect(() => {
    if (!behind) return setBehindSince(undefined)
    setBehindSince((since) => since ?? performance.now())
    const timer = setInterval(() => setNow(performance.now()), 1000)
    return () => clearInterval(timer)
  }, [behind])
  const stale = behind && behindSince !== undefined && now - behindSince > staleAfterMs
  const state: LiveState =
    stream.connection === 'live' ? (stale ? 'stale' : 'live') : stream.connection
  return { state, replicaId: stream.replicaId }
}

const labels: Record<LiveState, string> = {
  connecting: 'Connecting',
  live: 'Live',
  reconnecting: 'Reconnecting',
  stale: 'Stale',
}

export function LiveIndicator(props: { registry: AppRegistry }) {
  const { state, replicaId } = useLiveState(props.registry)
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
