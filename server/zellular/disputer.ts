import { bls, disputeMessage } from '../../shared/zellular/index.ts'
import type { ZellularNode } from './node.ts'
import { errorCode } from './peers.ts'
import { switchSequencer } from './sequencerSwitch.ts'

/** A signed vote that `sequencer_id` should be replaced, as disputes and switches carry it. */
export interface SwitchProof {
  readonly node_id: string
  readonly sequencer_id: string
  readonly timestamp: number
  readonly signature: string
}

/** Dispute answers older than this, or from the future, do not count (zsequencer: 10 s). */
export const PROOF_MAX_AGE_SECONDS = 10

/**
 * Why this node would replace its sequencer now, or null (zsequencer `send_dispute_requests`
 * triggers, §8.5): it censors one of our batches, lets sequenced batches wait past the
 * finalization border, or does not answer.
 */
export function disputeReason(node: ZellularNode, now = Date.now()): string | null {
  if (node.isSequencer || node.paused || !node.synced) return null
  if (node.sequencerDown) return 'sequencer unreachable'
  if (node.censoredApps.size > 0) return `censoring ${[...node.censoredApps].join(',')}`
  if (node.hasDelayedBatches(now)) return 'finalization delayed'
  return null
}

/**
 * Gathers dispute signatures from the other attesting nodes until own + approving stake reaches
 * half the threshold, then tells every node to switch and switches locally.
 */
export async function disputeIfNeeded(node: ZellularNode): Promise<void> {
  const reason = disputeReason(node)
  if (!reason) return
  const sequencerId = node.sequencerId
  const timestamp = Math.floor(Date.now() / 1000)
  const own: SwitchProof = {
    node_id: node.id,
    sequencer_id: sequencerId,
    timestamp,
    signature: bls.formatPoint(bls.sign(node.secretKey, disputeMessage(sequencerId, timestamp))),
  }
  const samples: Record<string, string> = {}
  for (const app of node.censoredApps) {
    const first = node.queues.get(app)?.first()
    if (first !== undefined) samples[app] = first
  }
  const { proofs, followOthers } = await gatherDisputeProofs(node, own, samples)
  if (!proofs) {
    // Peers follow another sequencer: this node missed a switch; ask the network which one.
    if (followOthers) node.onNotSequencer?.()
    return
  }
  node.log.warn(`dispute against ${sequencerId} approved (${reason}); switching`)
  const others = [...node.network.operators.values()].filter((operator) => operator.id !== node.id)
  for (const operator of others) {
    void node.peers.send('POST', operator, '/node/switch', { proofs }, 2_000).catch(() => undefined)
  }
  await switchSequencer(node, node.network.nextSequencer(sequencerId), sequencerId)
}

async function gatherDisputeProofs(
  node: ZellularNode,
  own: SwitchProof,
  samples: Record<string, string>,
): Promise<{ proofs: SwitchProof[] | null; followOthers: boolean }> {
  const proofs = new Map<string, SwitchProof>([[node.id, own]])
  let followOthers = false
  const enough = () => node.network.stakePercent(proofs.keys()) >= node.network.thresholdPercent / 2
  const voters = node.network
    .attesting()
    .filter((operator) => operator.id !== node.id && operator.id !== own.sequencer_id)
  const payload = {
    sequencer_id: own.sequencer_id,
    apps_censored_batches: samples,
    timestamp: own.timestamp,
  }
  await new Promise<void>((resolve) => {
    let pending = voters.length
    if (pending === 0 || enough()) return resolve()
    const timer = setTimeout(resolve, node.config.aggregationTimeoutMs)
    for (const voter of voters) {
      void node.peers
        .send('POST', voter, '/node/dispute', payload, node.config.aggregationTimeoutMs)
        .then((response) => {
          const signature = (response.body as { data?: { signature?: unknown } } | null)?.data
            ?.signature
          if (errorCode(response.body) === 'InvalidSequencerError') followOthers = true
          if (response.status !== 200 || typeof signature !== 'string') return
          const proof = { ...payload, node_id: voter.id, signature }
          delete (proof as Partial<typeof payload>).apps_censored_batches
          if (isProofValid(node, proof as SwitchProof)) proofs.set(voter.id, proof as SwitchProof)
        })
        .catch(() => undefined)
        .finally(() => {
          if (--pending === 0 || enough()) {
            clearTimeout(timer)
            resolve()
          }
        })
    }
  })
  return { proofs: enough() ? [...proofs.values()] : null, followOthers }
}

/** A switch proof counts if it is recent, not from the future and signed by its node. */
export function isProofValid(node: ZellularNode, proof: SwitchProof, now = Date.now()): boolean {
  const seconds = Math.floor(now / 1000)
  if (proof.timestamp > seconds || proof.timestamp < seconds - PROOF_MAX_AGE_SECONDS) return false
  return node.network.verifyOperatorSignature(
    proof.node_id,
    disputeMessage(proof.sequencer_id, proof.timestamp),
    proof.signature,
  )
}
