/** What one registry replica last reported (its polled `GET /status`). */
export interface ReplicaProgress {
  readonly id: string
  /** Its applied index; undefined when it has not answered. */
  readonly appliedIndex: number | undefined
  /** False once a poll failed; undefined while the first poll is on its way. */
  readonly reachable: boolean | undefined
}

/** The stream as the health check needs it. */
export interface StreamPosition {
  readonly connection: 'connecting' | 'live' | 'reconnecting'
  readonly replicaId: string | undefined
  /** The highest `applied` index received on the stream. */
  readonly appliedIndex: number | undefined
}

/**
 * - `ok`: keeping up (or not connected: reconnection has its own timers);
 * - `behind`: other replicas report batches the stream never delivered: it is stuck, or its
 *   connection went half-open (no error, no bytes);
 * - `unreachable`: the replica streaming to us no longer answers `/status`: it hangs or is cut
 *   off, while the browser still holds the stream's connection open.
 */
export type StreamHealth = 'ok' | 'behind' | 'unreachable'

/**
 * How a live stream stands against what the replicas report. A healthy stream gets each batch's
 * events as the batch commits, before any `/status` poll can report it, so a stream behind the
 * best replica for seconds has stopped delivering.
 */
export function assessStream(
  stream: StreamPosition,
  replicas: readonly ReplicaProgress[],
): StreamHealth {
  if (stream.connection !== 'live') return 'ok'
  const own = replicas.find((replica) => replica.id === stream.replicaId)
  if (own?.reachable === false) return 'unreachable'
  let best = 0
  for (const replica of replicas) {
    if (replica.reachable && replica.appliedIndex !== undefined) {
      best = Math.max(best, replica.appliedIndex)
    }
  }
  return (stream.appliedIndex ?? 0) < best ? 'behind' : 'ok'
}
