import type { StatusResponse, ZellularNode } from '../../../../shared/api/index.ts'

/** One replica's row of the network panel. */
interface ReplicaProgress {
  readonly id: string
  /** Last applied batch, when the replica answered `/status`. */
  readonly appliedIndex: number | undefined
  /** Batches behind `finalized` of the same snapshot; undefined when either is unknown. */
  readonly lag: number | undefined
}

export interface NetworkSnapshot {
  /** The highest finalized index anyone reports (nodes, replicas); undefined before any. */
  readonly finalized: number | undefined
  readonly replicas: readonly ReplicaProgress[]
}

/**
 * The numbers of the network panel, all from one snapshot: the finalized index is the highest
 * any node or replica reports (a replica cannot apply past it, so applied indexes count too),
 * and every replica's lag is measured against that one number. Each replica's own `lag` field
 * is measured against what that replica saw when it answered, at a different moment for each,
 * which shows "applied #8 · lag 0" under "finalized #9".
 */
export function calculateNetworkSnapshot(
  nodes: readonly Pick<ZellularNode, 'finalizedIndex'>[],
  replicas: readonly {
    readonly id: string
    readonly status:
      Pick<StatusResponse, 'appliedIndex' | 'zellularFinalizedIndex' | 'lag'> | undefined
  }[],
): NetworkSnapshot {
  const known = [
    ...nodes.map((node) => node.finalizedIndex),
    ...replicas.map((replica) => replica.status?.zellularFinalizedIndex),
    ...replicas.map((replica) => replica.status?.appliedIndex),
  ].filter((index): index is number => typeof index === 'number' && index > 0)
  const finalized = known.length === 0 ? undefined : Math.max(...known)
  return {
    finalized,
    replicas: replicas.map((replica) => {
      const appliedIndex = replica.status?.appliedIndex
      return {
        id: replica.id,
        appliedIndex,
        lag:
          appliedIndex === undefined || finalized === undefined
            ? undefined
            : Math.max(0, finalized - appliedIndex),
      }
    }),
  }
}
