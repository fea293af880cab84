import { z } from 'zod'
import { bls, disputeMessage } from '../../shared/zellular/index.ts'
import { unixSeconds } from './clock.ts'
import { isProofTimely, type SwitchProof } from './disputer.ts'
import { ZsequencerHttpError, success } from './httpErrors.ts'
import type { ZellularNode } from './node.ts'

/** What the dispute and switch routes use of a node. */
export type DisputeDeps = Pick<
  ZellularNode,
  'context' | 'role' | 'disputer' | 'outbox' | 'switcher'
>

export const disputeSchema = z.object({
  sequencer_id: z.string().transform((id) => id.toLowerCase()),
  apps_censored_batches: z.record(z.string(), z.string()).default({}),
  timestamp: z.number().int(),
})

const switchProofSchema = z.object({
  node_id: z.string().transform((id) => id.toLowerCase()),
  sequencer_id: z.string().transform((id) => id.toLowerCase()),
  timestamp: z.number().int(),
  signature: z.string(),
})
export const switchSchema = z.object({ proofs: z.array(switchProofSchema).min(1) })

/** A dispute's timestamp must be within this many seconds of ours (zsequencer: 5). */
const DISPUTE_SKEW_SECONDS = 5

/**
 * `POST /node/dispute` (§7.9). The timestamp is checked before anything is enqueued (zsequencer
 * enqueues first, its Q14). This node votes only against its own current sequencer and only on
 * evidence it checked itself (`disputeReason`). zsequencer also approves any dispute against a
 * sequencer that is not its current one ("more inclusive dispute approvement"), which lets one
 * faulty node gather votes against any other node in advance and steer the sequencer role.
 * When this node sees no problem with its sequencer, it forwards the censored samples once as
 * probes and answers 404; if the sequencer drops a probe, this node sees the censorship itself
 * and approves the next dispute.
 */
export function handleDispute(node: DisputeDeps, request: z.output<typeof disputeSchema>) {
  precheckDispute(node, request)
  if (!node.disputer.reason()) {
    // Forwarded once as probes: if the sequencer drops one, this node sees it itself.
    for (const [app, body] of Object.entries(request.apps_censored_batches)) {
      node.outbox.probe(app, body)
    }
    throw new ZsequencerHttpError('IssueNotFoundError')
  }
  const message = disputeMessage(request.sequencer_id, request.timestamp)
  return { signature: bls.formatPoint(bls.sign(node.context.secretKey, message)) }
}

/**
 * The refusals of a dispute that do not depend on who sent it, checked before its signature
 * (a pairing): a faulty peer's flood of disputes then costs no pairing.
 */
export function precheckDispute(node: DisputeDeps, request: z.output<typeof disputeSchema>) {
  const now = unixSeconds(node.context.clock)
  if (Math.abs(request.timestamp - now) > DISPUTE_SKEW_SECONDS) {
    throw new ZsequencerHttpError('InvalidTimestampError')
  }
  if (node.role.isSequencer && request.sequencer_id === node.context.id) {
    throw new ZsequencerHttpError('IssueNotFoundError')
  }
  if (request.sequencer_id !== node.role.sequencerId) {
    throw new ZsequencerHttpError('InvalidSequencerError')
  }
  // Without a problem seen here and without censored samples to probe with, the answer is 404.
  const samples = Object.keys(request.apps_censored_batches).length
  if (samples === 0 && !node.disputer.reason()) throw new ZsequencerHttpError('IssueNotFoundError')
}

/**
 * The refusals of a switch request that need no signature check: proofs against another
 * sequencer than ours, or from nodes that could not hold enough stake even if all were valid.
 */
export function precheckSwitch(node: DisputeDeps, request: z.output<typeof switchSchema>) {
  const { network } = node.context
  const ids = new Set(request.proofs.map((proof) => proof.node_id))
  if (network.stakePercent(ids) < network.thresholdPercent / 2) {
    throw new ZsequencerHttpError('SequencerChangeNotApprovedError')
  }
  if (request.proofs[0]!.sequencer_id !== node.role.sequencerId) {
    throw new ZsequencerHttpError('InvalidSequencerError')
  }
}

/** What a switch request's proofs show: enough valid votes, too few, or a forged one. */
type SwitchVerdict = 'approved' | 'not_approved' | 'forged'

/**
 * `is_switch_approved` (§7.10): one (sequencer, timestamp) for all proofs, no node twice, recent,
 * and validly signed by nodes holding together at least half the threshold of stake. The
 * signatures are checked together, in one pairing check (zsequencer checks each): an honest
 * sender includes only proofs it checked, so one that fails makes the request forged, not a vote
 * short. Votes of ids this node does not know count nothing (nodes files may differ a while).
 */
function judgeSwitch(node: DisputeDeps, proofs: readonly SwitchProof[]): SwitchVerdict {
  const first = proofs[0]
  if (!first) return 'not_approved'
  const sameVote = proofs.every(
    (proof) => proof.sequencer_id === first.sequencer_id && proof.timestamp === first.timestamp,
  )
  const ids = proofs.map((proof) => proof.node_id)
  if (!sameVote || new Set(ids).size !== ids.length) return 'not_approved'
  if (!isProofTimely(node.context, first.timestamp)) return 'not_approved'
  const { network } = node.context
  const known = proofs.filter((proof) => network.operator(proof.node_id) !== undefined)
  const stake = network.stakePercent(known.map((proof) => proof.node_id))
  if (stake < network.thresholdPercent / 2) return 'not_approved'
  const message = disputeMessage(first.sequencer_id, first.timestamp)
  const votes = known.map((proof) => ({ id: proof.node_id, message, signature: proof.signature }))
  return network.verifyOperatorSignatures(votes) ? 'approved' : 'forged'
}

/**
 * `POST /node/switch`, once its sender is known and charged (`PeerControlLimits`): `onForged`
 * hears of a proof that does not verify, which proves the sender faulty.
 */
export function handleSwitch(
  node: DisputeDeps,
  request: z.output<typeof switchSchema>,
  onForged: () => void = () => {},
) {
  const verdict = judgeSwitch(node, request.proofs)
  if (verdict === 'forged') onForged()
  if (verdict !== 'approved') throw new ZsequencerHttpError('SequencerChangeNotApprovedError')
  const old = request.proofs[0]!.sequencer_id
  if (old !== node.role.sequencerId) throw new ZsequencerHttpError('InvalidSequencerError')
  node.switcher.start(node.context.network.nextSequencer(old), old)
  return success({}, 'Sequencer switch initiated successfully.')
}
