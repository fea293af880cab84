import { useFalseMarketData } from '../../lib/live.tsx'
import type { FalseMarketData } from '../../lib/marketDataCheck.ts'

const what: Record<FalseMarketData['kind'], (seq: number) => string> = {
  book: (seq) => `a book at update #${seq}`,
  trade: (seq) => `trade #${seq}`,
}

/**
 * Names the replica whose stream showed a book or trade of `market` that the other replicas
 * contradict (`marketDataCheck.ts`); the stream has moved on from it.
 */
export function FalseDataNotice(props: { market: string; kind: FalseMarketData['kind'] }) {
  const found = useFalseMarketData().find(
    (one) => one.kind === props.kind && one.market === props.market,
  )
  if (found === undefined) return null
  return (
    <p className="warn small" data-testid={`false-${props.kind}`} data-replica={found.replicaId}>
      {found.replicaId} streamed {what[props.kind](found.seq)} that{' '}
      {found.contradictedBy.join(' and ')} contradict: the data now comes from another replica.
    </p>
  )
}
