// eslint-disable-next-line project/module-boundaries -- BLS-free part of attest, for the web
import { selectCommonIndex } from '../../../shared/attest/quorum.ts'

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
 * replicas for seconds has stopped delivering. Of `n` replicas with quorum `quorum`, f = n −
 * quorum may lie: the stream is compared with the highest index f + 1 of those that answered
 * have reached (so at least one honest replica has), never with one replica's report, which
 * could claim any index and move the stream on until it lands on that replica. Its own
 * replica's report counts alone: a stream behind the replica that serves it is half-open, and
 * if that replica lies, leaving it is right.
 */
export function assessStream(
  stream: StreamPosition,
  replicas: readonly ReplicaProgress[],
  quorum: number,
): StreamHealth {
  if (stream.connection !== 'live') return 'ok'
  const own = replicas.find((replica) => replica.id === stream.replicaId)
  if (own?.reachable === false) return 'unreachable'
  const reported = replicas.flatMap((replica) =>
    replica.reachable && replica.appliedIndex !== undefined ? [replica.appliedIndex] : [],
  )
  const honestReach = replicas.length - quorum + 1
  const reachedByHonest =
    reported.length >= honestReach ? selectCommonIndex(reported, honestReach) : undefined
  const ownIndex = own?.reachable ? own.appliedIndex : undefined
  const best = Math.max(reachedByHonest ?? 0, ownIndex ?? 0)
  return (stream.appliedIndex ?? 0) < best ? 'behind' : 'ok'
}
