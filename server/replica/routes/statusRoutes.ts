import { Hono } from 'hono'
import type { StatusResponse } from '../../../shared/api/index.ts'
import type { ReplicaDeps } from '../replicaDeps.ts'

/**
 * `GET /status`: where this replica stands (applied index and chaining hash, Zellular's
 * finalized index and the lag, the latest canonical state hash and its index) and its BLS key; `GET /network`: the
 * Zellular nodes as this replica sees them, for browsers that cannot call the nodes.
 */
export function statusRoutes(deps: ReplicaDeps) {
  return new Hono()
    .get('/status', async (c) => {
      // The state hash is of memory: computed only when memory equals the committed position.
      await deps.state.settled()
      const { index, chainingHash, time } = deps.state.position
      const finalized = await deps.zellular.finalizedIndex()
      const stateHash = deps.stateHash()
      const { diverged, lastHealed } = deps.divergence
      const answer: StatusResponse = {
        replicaId: deps.replicaId,
        app: deps.registry.app,
        network: deps.registry.network,
        appliedIndex: index,
        appliedChainingHash: chainingHash,
        appliedTime: time,
        zellularFinalizedIndex: finalized,
        lag: finalized === null ? null : Math.max(0, finalized - index),
        stateHash: stateHash.hash,
        stateHashIndex: stateHash.index,
        blsPublicKey: deps.blsPublicKey,
        historyPrunedBelow: deps.state.storage.historyPrunedBelow,
        stateSession: deps.stateSession,
        ...(diverged === undefined
          ? {}
          : { diverged: { ...diverged, signers: [...diverged.signers] } }),
        ...(lastHealed === undefined
          ? {}
          : { healed: { ...lastHealed, signers: [...lastHealed.signers] } }),
      }
      return c.json(answer)
    })
    .get('/network', async (c) => c.json(await deps.zellular.network()))
}
