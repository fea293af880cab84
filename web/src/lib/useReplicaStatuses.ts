import { useQueries } from '@tanstack/react-query'
import type { StatusResponse } from '../../../shared/api/index.ts'
import { replicaStatusQueryOptions } from './queries.ts'
import type { AppRegistry } from './registry.ts'

export interface ReplicaHealth {
  readonly id: string
  readonly url: string
  readonly status: StatusResponse | undefined
  readonly reachable: boolean
  readonly loading: boolean
}

/** Every registry replica's polled `GET /status`. */
export function useReplicaStatuses(registry: AppRegistry): ReplicaHealth[] {
  return useQueries({
    queries: registry.replicas.map((replica) => replicaStatusQueryOptions(replica)),
    combine: (results) =>
      results.map((result, position) => ({
        id: registry.replicas[position]!.id,
        url: registry.replicas[position]!.url,
        status: result.isError ? undefined : result.data,
        reachable: result.isSuccess && !result.isError,
        loading: result.isPending,
      })),
  })
}
