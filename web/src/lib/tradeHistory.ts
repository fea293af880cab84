import { queryOptions } from '@tanstack/react-query'
import { tradesPageMax } from '../../../shared/api/index.ts'
import { replicaApi, type ReplicaRef } from './replicaClient.ts'
import { reportFetchedTrades } from './tradeFeed.ts'

/**
 * A market's last `tradesPageMax` trades, for the chart and the header's 24 h figures. Its key
 * starts like the trade feed's (`tradesQueryKey`), so a new stream (a reconnection, a replica
 * switch) refetches it too; trades after it come from the live feed (`tradeFeed.ts`). Each page
 * is checked against the other replicas' (`reportFetchedTrades`).
 */
export function tradeHistoryQueryOptions(replica: ReplicaRef | undefined, market: string) {
  return queryOptions({
    queryKey: ['trades', market, 'history'] as const,
    queryFn: async ({ signal, client }) => {
      const answer = await replicaApi.trades(replica!, { market, limit: tradesPageMax }, signal)
      reportFetchedTrades(client, replica!, market, answer.trades)
      return answer
    },
    enabled: replica !== undefined,
    retry: 1,
  })
}
