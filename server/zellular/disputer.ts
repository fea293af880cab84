import { bls, disputeMessage } from '../../shared/zellular/index.ts'
import type { BatchPoster } from './batchPoster.ts'
import { unixSeconds } from './clock.ts'
import type { FinalizationWatch } from './finalizationWatch.ts'
import type { NodeContext } from './nodeContext.ts'
import type { Outbox } from './outbox.ts'
import { errorCode } from './peers.ts'
import type { SequencerSwitch } from './sequencerSwitch.ts'
import type { RoleView } from './sequencerRole.ts'

/** A signed vote that `sequencer_id` should be replaced, as disputes and switches carry it. */
export interface SwitchProof {
  readonly node_id: string
  readonly sequencer_id: string
  readonly timestamp: number
  readonly signature: string
}

/** Dispute answers older than this, or from the future, do not count (zsequencer: 10 s). */
const PROOF_MAX_AGE_SECONDS = 10

/**
 * Judges the sequencer and, when it fails, gathers the votes to replace it (zsequencer
 * `send_dispute_requests`, §8.5). It keeps no state: the evidence is the poster's (down), the
 * outbox's (censoring) and the finalization watch's (delayed).
 */
export class Disputer {
  constructor(
    private readonly context: NodeContext,
    private readonly role: RoleView,
    private readonly poster: BatchPoster,
    private readonly outbox: Outbox,
    private readonly watch: FinalizationWatch,
    private readonly switcher: SequencerSwitch,
  ) {}

  /**
   * Why this node would replace its sequencer now, or null: it censors one of our batches, lets
   * sequenced batches wait past the finalization border (or past the silence border without
   * asking this node to sign anything, or without applying a lock or finalization this node
   * signed), or does not answer.
   */
  reason(): string | null {
    const { role, poster, outbox } = this
    if (role.isSequencer || role.paused || !poster.synced) return null
    if (poster.sequencerDown) return 'sequencer unreachable'
    if (outbox.censoredApps.size > 0) return `censoring ${[...outbox.censoredApps].join(',')}`
    const now = this.context.clock.now()
    if (this.watch.isDelayed(now)) return 'finalization delayed'
    if (this.watch.isUnasked(now)) return 'no signature asked for'
    const withheld = this.watch.withheld(now)
    return withheld === undefined ? null : `${withheld} withheld`
  }

  /**
   * Gathers dispute signatures from the other attesting nodes until own + approving stake
   * reaches half the threshold, then tells every node to switch and switches locally.
   */
  async disputeIfNeeded(): Promise<void> {
    const { context } = this
    const reason = this.reason()
    if (!reason) return
    const sequencerId = this.role.sequencerId
    const timestamp = unixSeconds(context.clock)
    const message = disputeMessage(sequencerId, timestamp)
    const own: SwitchProof = {
      node_id: context.id,
      sequencer_id: sequencerId,
      timestamp,
      signature: bls.formatPoint(bls.sign(context.secretKey, message)),
    }
    const samples: Record<string, string> = {}
    for (const app of this.outbox.censoredApps) {
      const first = this.outbox.sample(app)
      if (first !== undefined) samples[app] = first
    }
    const { proofs, followOthers } = await this.gatherProofs(own, samples)
    if (!proofs) {
      // Peers follow another sequencer: this node missed a switch; ask the network which one.
      if (followOthers) this.switcher.startRecovery()
      return
    }
    context.log.warn(`dispute against ${sequencerId} approved (${reason}); switching`)
    const others = [...context.network.operators.values()].filter(
      (operator) => operator.id !== context.id,
    )
    for (const operator of others) {
      void context.peers
        .send('POST', operator, '/node/switch', { proofs }, 2_000)
        .catch(() => undefined)
    }
    await this.switcher.switchTo(context.network.nextSequencer(sequencerId), sequencerId)
  }

  private async gatherProofs(
    own: SwitchProof,
    samples: Record<string, string>,
  ): Promise<{ proofs: SwitchProof[] | null; followOthers: boolean }> {
    const { context } = this
    const { network } = context
    const proofs = new Map<string, SwitchProof>([[context.id, own]])
    let followOthers = false
    const enough = () => network.stakePercent(proofs.keys()) >= network.thresholdPercent / 2
    const voters = network
      .attesting()
      .filter((operator) => operator.id !== context.id && operator.id !== own.sequencer_id)
    const payload = {
      sequencer_id: own.sequencer_id,
      apps_censored_batches: samples,
      timestamp: own.timestamp,
    }
    const timeoutMs = context.config.aggregationTimeoutMs
    await new Promise<void>((resolve) => {
      let pending = voters.length
      if (pending === 0 || enough()) return resolve()
      const cancel = context.clock.after(timeoutMs, resolve)
      for (const voter of voters) {
        void context.peers
          .send('POST', voter, '/node/dispute', payload, timeoutMs)
          .then((response) => {
            const signature = (response.body as { data?: { signature?: unknown } } | null)?.data
              ?.signature
            if (errorCode(response.body) === 'InvalidSequencerError') followOthers = true
            if (response.status !== 200 || typeof signature !== 'string') return
            const proof: SwitchProof = {
              sequencer_id: payload.sequencer_id,
              timestamp: payload.timestamp,
              node_id: voter.id,
              signature,
            }
            if (isProofValid(context, proof)) proofs.set(voter.id, proof)
          })
          .catch(() => undefined)
          .finally(() => {
            if (--pending === 0 || enough()) {
              cancel()
              resolve()
            }
          })
      }
    })
    return { proofs: enough() ? [...proofs.values()] : null, followOthers }
  }
}

/** A switch proof counts if it is recent, not from the future and signed by its node. */
function isProofValid(context: NodeContext, proof: SwitchProof): boolean {
  if (!isProofTimely(context, proof.timestamp)) return false
  return context.network.verifyOperatorSignature(
    proof.node_id,
    disputeMessage(proof.sequencer_id, proof.timestamp),
    proof.signature,
  )
}

/** Whether a switch proof's time is recent and not in the future (zsequencer's window). */
export function isProofTimely(context: NodeContext, timestamp: number): boolean {
  const seconds = unixSeconds(context.clock)
  return timestamp <= seconds && timestamp >= seconds - PROOF_MAX_AGE_SECONDS
}
